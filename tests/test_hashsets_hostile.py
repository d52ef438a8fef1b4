"""Hostile hash-set files: bounded memory, clear errors, and no empty set registered.

Every file is synthetic and written by the test; a hostile file must end in a
``HashSetError`` or in ``ParseProblem`` lines, never in a traceback, a hang or
memory that grows with something other than one record.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from genkend.errors import HashSetError
from genkend.hashes import sets as hashsets
from genkend.hashes.sets import vics
from genkend.records import HashSetEntry, ParseProblem

CONTEXT_20_MEDIA = (
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"
)
MD5 = "0123456789abcdef0123456789abcdef"


def read_all(path: Path, fmt: str | None = None) -> list[HashSetEntry | ParseProblem]:
    return list(hashsets.read(path, fmt))


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def vics_media(path: Path, *records: Any) -> Path:
    return write(path, json.dumps({"@odata.context": CONTEXT_20_MEDIA, "value": list(records)}))


# --- item 4: deep nesting ----------------------------------------------------------


def peak_while_reading(path: Path) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        try:
            read_all(path)
            error: BaseException | None = None
        except HashSetError as exc:
            error = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return error, peak


def test_deeply_nested_arrays_under_value_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    # Depth 4,000 is only 8 KB of file, but a JSON path per level that grows with the
    # depth costs 4,000**2 * 5 / 2 = 40 MB; depth 20,000 cost 1.1 GB.
    depth = 4000
    path = write(tmp_path / "deep.json", '{"value":' + "[" * depth + "]" * depth + "}")
    error, peak = peak_while_reading(path)
    assert isinstance(error, HashSetError)
    assert f"nested deeper than {vics.MAX_DEPTH} levels" in str(error)
    assert peak < 2 * 2**20, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize(
    "where",
    [
        "inside a record",  # the second pass, which builds records, is guarded too
        "after the records",  # and the rest of the file after the media list
    ],
)
def test_deep_nesting_anywhere_in_the_file_is_refused(tmp_path: Path, where: str) -> None:
    deep = "[" * 3000 + "]" * 3000
    record = f'{{"MD5":"{MD5}","Extra":{deep}}}' if where == "inside a record" else "{}"
    tail = "" if where == "inside a record" else f',"Junk":{deep}'
    path = write(tmp_path / "deep.json", f'{{"value":[{{"MD5":"{MD5}"}},{record}]{tail}}}')
    error, peak = peak_while_reading(path)
    assert isinstance(error, HashSetError), where
    assert "nested deeper than" in str(error)
    assert peak < 2 * 2**20, f"peak {peak / 2**20:.1f} MiB"


def test_an_overlong_json_key_is_refused(tmp_path: Path) -> None:
    # Every JSON path below a key repeats it; a megabyte key over a few levels is
    # megabytes per event.
    key = "k" * 100_000
    path = write(tmp_path / "key.json", f'{{"value":[{{"MD5":"{MD5}","{key}":[[[1]]]}}]}}')
    with pytest.raises(HashSetError, match=r"a key of 100000 characters \(at most 256\)"):
        read_all(path)


@pytest.mark.parametrize("where", ["Category", "MediaID", "Extra"])
def test_a_number_of_thousands_of_digits_is_refused_not_a_crash(tmp_path: Path, where: str) -> None:
    # ijson's C parser cannot turn 5,000 digits into an int (Python's limit is 4,300):
    # building records with it crashed the process (SIGSEGV). A subprocess, so that a
    # crash fails this test instead of ending the test run.
    path = write(tmp_path / "n.json", f'{{"value":[{{"MD5":"{MD5}","{where}":{"7" * 5000}}}]}}')
    script = (
        "import sys\n"
        "from genkend.hashes import sets as hashsets\n"
        "from genkend.errors import HashSetError\n"
        "try:\n"
        "    list(hashsets.read(sys.argv[1]))\n"
        "except HashSetError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == (f"{path} is refused: it holds a number of more than 4300 digits")


def test_ordinary_nesting_of_real_exports_is_read(tmp_path: Path) -> None:
    # Cases in value, media in cases, alternative hashes in media: the deepest real layout.
    doc = {
        "value": [{"Cases": [{"Media": [{"MD5": MD5, "AlternativeHashes": [{"HashName": "x"}]}]}]}]
    }
    results = read_all(write(tmp_path / "ok.json", json.dumps(doc)))
    assert [r.md5 for r in results if isinstance(r, HashSetEntry)] == [MD5]


# --- item 6: values that are not what they claim ----------------------------------


@pytest.mark.parametrize(
    ("category", "message"),
    [
        ("1e30", "Category 1E+30 is not a category number (0 to 2147483647)"),
        ("2147483648", "Category 2147483648 is not a category number"),
        ("-1", "Category -1 is negative"),
        ("1.5", "Category 1.5 is not a whole number"),
        ("true", "Category True is not a whole number"),
        ('"\u00b2"', "Category '\u00b2' is not a whole number"),
        ('"' + "9" * 20 + '"', "is not a category number"),
        ("[1]", "Category [1] is not a whole number"),
    ],
)
def test_a_bad_category_is_a_problem_not_a_crash(
    tmp_path: Path, category: str, message: str
) -> None:
    text = (
        f'{{"value":[{{"MediaID":1,"MD5":"{MD5}","Category":{category}}},'
        f'{{"MediaID":2,"MD5":"{MD5}","Category":4}}]}}'
    )
    results = read_all(write(tmp_path / "c.json", text))
    problem, entry = results
    assert isinstance(problem, ParseProblem) and message in problem.message
    assert problem.message.startswith("MediaID 1: ")
    assert isinstance(entry, HashSetEntry) and entry.category == 4


def test_a_category_of_1e30_does_not_crash_the_import(cli: Any, tmp_path: Path) -> None:
    text = f'{{"value":[{{"MD5":"{MD5}","Category":1e30}},{{"MD5":"{"1" * 32}"}}]}}'
    path = write(tmp_path / "c.json", text)
    result = cli("hashset", "import", str(path), "--name", "c", "--json")
    assert result.code == 0, result.err
    assert (result.json()["entries"], result.json()["problem_count"]) == (1, 1)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"value": "hello"}, "value is text, not a list of cases or media records"),
        ({"value": 3}, "value is a number, not a list of cases or media records"),
        ({"Cases": None}, "Cases is null, not a list of cases or media records"),
        (
            {"value": [{"CaseID": "c", "Media": {"MD5": MD5}}]},
            r"value\[\*\]\.Media is an object, not a list of media records",
        ),
        ({"Media": "x"}, "Media is text, not a list of media records"),
    ],
)
def test_a_vics_file_whose_records_are_not_lists_is_refused(
    tmp_path: Path, doc: dict[str, Any], message: str
) -> None:
    with pytest.raises(HashSetError, match=message):
        read_all(write(tmp_path / "v.json", json.dumps(doc)))


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("vics.json", json.dumps({"@odata.context": CONTEXT_20_MEDIA, "value": []}), None),
        ("cases.json", json.dumps({"value": [{"CaseID": "c"}]}), None),
        ("comments.txt", "# nothing\n", "plain"),
        ("bad.txt", "not-a-digest\n", "plain"),
        ("icse.csv", "MD5;SHA1\n;;\n", "icse"),
    ],
)
def test_a_file_with_no_usable_entry_registers_no_hash_set(
    cli: Any, tmp_path: Path, name: str, content: str, fmt: str | None
) -> None:
    path = write(tmp_path / name, content)
    args = ["--format", fmt] if fmt else []
    result = cli("hashset", "import", str(path), "--name", "empty", *args)
    assert result.code == 1
    last = result.err.splitlines()[-1]  # a warning about the file may come before it
    assert last.startswith("genkend: error: ") and "no usable entry" in last
    assert cli("hashset", "list", "--json").json() == []
    assert cli("audit", "show", "--action", "hashset.import", "--json").json() == []


def test_an_nsrl_database_without_rows_registers_no_hash_set(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "rds.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE FILE (sha256, sha1, md5, file_name)")
    connection.close()
    result = cli("hashset", "import", str(path), "--name", "nsrl")
    assert result.code == 1 and "no usable entry" in result.err
    assert cli("hashset", "list", "--json").json() == []


def test_an_icse_row_of_empty_cells_is_a_problem_not_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"MD5;SHA1;Image ID;Series name\n;;;\n\n{MD5};;2;\n")
    problem, entry = read_all(path, "icse")
    assert isinstance(problem, ParseProblem) and problem.position == "line 2"
    assert "no MD5, SHA1 or SHA256" in problem.message
    assert isinstance(entry, HashSetEntry) and entry.external_id == "2"


def test_an_icse_cell_too_large_for_csv_is_a_problem(tmp_path: Path) -> None:
    huge = "s" * (200 * 1024)
    path = write(tmp_path / "i.csv", f'MD5;Series name\n{MD5};"{huge}"\n{MD5};ok\n')
    problem, entry = read_all(path, "icse")
    assert isinstance(problem, ParseProblem) and problem.position == "line 2"
    assert "field larger than field limit" in problem.message
    assert isinstance(entry, HashSetEntry) and entry.series == "ok"


@pytest.mark.parametrize("fmt", ["icse", "plain"])
def test_a_line_without_end_is_refused_in_bounded_memory(tmp_path: Path, fmt: str) -> None:
    header = "MD5;Series\n" if fmt == "icse" else ""
    path = write(tmp_path / "l.txt", header + MD5 + ";" * (8 * 2**20) + f"\n{MD5}\n")
    tracemalloc.start()
    try:
        results = read_all(path, fmt)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    problem, entry = results
    assert isinstance(problem, ParseProblem) and "longer than" in problem.message
    assert isinstance(entry, HashSetEntry) and entry.md5 == MD5
    assert peak < 6 * 2**20, f"peak {peak / 2**20:.1f} MiB"


def test_an_icse_header_without_end_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "MD5;" + "x" * (2 * 2**20) + f"\n{MD5}\n")
    with pytest.raises(HashSetError, match=r"its header line is longer than 1048576 characters"):
        read_all(path, "icse")


@pytest.mark.parametrize("fmt", ["icse", "plain"])
def test_a_nul_byte_in_a_text_hash_set_is_a_problem(tmp_path: Path, fmt: str) -> None:
    header = "MD5;File name\n" if fmt == "icse" else ""
    separator = ";" if fmt == "icse" else "  "
    lines = f"{header}{MD5}{separator}a\x00b.jpg\n{MD5}{separator}ok.jpg\n"
    problem, entry = read_all(write(tmp_path / "n.txt", lines), fmt)
    assert isinstance(problem, ParseProblem) and "NUL" in problem.message
    assert isinstance(entry, HashSetEntry) and entry.file_name == "ok.jpg"


def test_a_nul_character_in_a_vics_text_field_is_a_problem(tmp_path: Path) -> None:
    path = vics_media(tmp_path / "n.json", {"MD5": MD5, "Series": "a\x00b"}, {"MD5": MD5})
    problem, entry = read_all(path)
    assert isinstance(problem, ParseProblem) and "Series contains a NUL character" in str(
        problem.message
    )
    assert isinstance(entry, HashSetEntry)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (12345, "MD5 must be text, not the number 12345"),
        ("abc", "MD5 'abc' is not 32 hexadecimal characters"),
        (MD5 + "0", "is not 32 hexadecimal characters"),
        ("\uff10" * 32, "is not 32 hexadecimal characters"),
    ],
)
def test_a_bad_digest_is_a_problem(tmp_path: Path, value: object, message: str) -> None:
    (problem,) = read_all(vics_media(tmp_path / "d.json", {"MD5": value}))
    assert isinstance(problem, ParseProblem) and message in problem.message


def test_a_byte_order_mark_before_each_format_is_accepted(tmp_path: Path) -> None:
    bom = "\ufeff"
    for name, text in {
        "v.json": bom + json.dumps({"value": [{"MD5": MD5}]}),
        "i.csv": f"{bom}MD5;SHA1\n{MD5};\n",
        "p.txt": f"{bom}{MD5}  a.jpg\n",
    }.items():
        (entry,) = read_all(write(tmp_path / name, text))
        assert isinstance(entry, HashSetEntry) and entry.md5 == MD5, name


# --- item 5: files that are not regular files --------------------------------------


def test_a_fifo_as_hash_set_file_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "set.txt"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            list(hashsets.read(fifo, "plain"))
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():
        # Unblock the reader that waits for a writer, so that the test run can end.
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join()
        pytest.fail("reading a fifo as a hash set blocked")
    assert len(outcome) == 1 and isinstance(outcome[0], HashSetError)
    assert "not a regular file" in str(outcome[0])


@pytest.mark.parametrize("fmt", [None, "plain", "vics", "icse", "nsrl"])
def test_a_device_as_hash_set_file_is_refused(cli: Any, fmt: str | None) -> None:
    result = cli(
        "hashset", "import", "/dev/zero", "--name", "z", *(["--format", fmt] if fmt else [])
    )
    assert result.code == 1
    assert result.err.strip() == (
        "genkend: error: cannot open hash set /dev/zero: not a regular file (a character device)"
    )
