"""Reading hash sets: VICS 1.x and 2.0 in every layout, ICSE CSV, NSRL RDSv3, plain lists.

Every file is synthetic and written by the test into ``tmp_path``; the digests are
made-up numbers, never digests of real material.
"""

from __future__ import annotations

import collections
import gc
import hashlib
import json
import sqlite3
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import pytest

from genkend.errors import HashSetError, UsageError
from genkend.hashes import sets as hashsets
from genkend.records import HashSetEntry, ParseProblem

CONTEXT_20 = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases"
CONTEXT_20_MEDIA = (
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"
)
METADATA_13 = "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media"


def md5(i: int) -> str:
    return f"{i:032X}"  # upper case, as Project VIC distributes them


def sha1(i: int) -> str:
    return f"{i:040X}"


def sha256(i: int) -> str:
    return f"{i:064X}"


def split(
    results: list[HashSetEntry | ParseProblem],
) -> tuple[list[HashSetEntry], list[ParseProblem]]:
    entries = [r for r in results if isinstance(r, HashSetEntry)]
    problems = [r for r in results if isinstance(r, ParseProblem)]
    assert len(entries) + len(problems) == len(results)
    return entries, problems


def read_all(path: Path, fmt: str | None = None) -> tuple[list[HashSetEntry], list[ParseProblem]]:
    return split(list(hashsets.read(path, fmt)))


def write_json(path: Path, doc: Any, *, bom: bool = False) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8-sig" if bom else "utf-8")
    return path


def sample_media() -> list[dict[str, Any]]:
    """Three media records that exercise categories, flags and alternative hashes."""
    return [
        {
            "MediaID": 1,
            "Category": 1,
            "MD5": md5(1),
            "SHA1": sha1(1),
            "Series": "Synthetic series A",
            "VictimIdentified": "true",
            "IsDistributed": True,
            "AlternativeHashes": [
                {"HashName": "PhotoDNA", "HashValue": "AAEC" * 48},
                {"HashName": "PDQ", "HashValue": "ab" * 32},
            ],
            "MediaFiles": [{"MD5": md5(1), "FileName": "IMG_0001.JPG", "FilePath": "/DCIM/"}],
        },
        {"MediaID": 2, "Category": 0, "MD5": md5(2), "VictimIdentified": "False"},
        {"MediaID": 3, "Category": "2", "SHA1": sha1(3), "IsDistributed": "1"},
    ]


def check_sample(entries: list[HashSetEntry], problems: list[ParseProblem]) -> None:
    assert problems == []
    assert [e.external_id for e in entries] == ["1", "2", "3"]
    first, second, third = entries
    assert first.md5 == md5(1).lower() and first.sha1 == sha1(1).lower()
    assert first.category == 1 and not first.non_pertinent
    assert first.series == "Synthetic series A"
    assert first.victim_identified is True and first.distributed is True
    assert first.pdq == bytes([0xAB]) * 32
    assert first.alternative_hashes == {"PhotoDNA": "AAEC" * 48, "PDQ": "ab" * 32}
    assert first.file_name == "IMG_0001.JPG"
    assert second.category == 0 and second.non_pertinent
    assert second.victim_identified is False and second.distributed is None
    assert second.sha1 is None and second.pdq is None
    assert third.md5 is None and third.sha1 == sha1(3).lower()
    assert third.category == 2 and third.distributed is True


# --- the public surface -------------------------------------------------------------


def test_public_api_is_the_documented_one() -> None:
    assert hashsets.__all__ == [
        "FORMATS",
        "PROJECT_VIC_US",
        "CategoryProfile",
        "detect_format",
        "read",
    ]
    assert hashsets.FORMATS == ("icse", "nsrl", "plain", "vics")


def test_project_vic_us_profile_names_categories_0_to_4() -> None:
    profile = hashsets.PROJECT_VIC_US
    assert sorted(profile.labels) == [0, 1, 2, 3, 4]
    assert profile.label(0) == "Non-Pertinent"
    assert profile.label(1) == "Child Abuse Material - (CAM)"
    assert profile.label(4) == "Comparison Images"
    assert profile.label(None) == "uncategorised"
    assert "not in Project VIC US" in profile.label(7)
    assert profile.non_pertinent == frozenset({0})


def test_a_profile_cannot_be_changed_through_the_callers_dict() -> None:
    labels = {0: "Ignorable", 1: "Of interest"}
    profile = hashsets.CategoryProfile("Agency X", labels)
    labels[1] = "changed"
    assert profile.label(1) == "Of interest"
    frozen: Any = profile.labels
    with pytest.raises(TypeError):
        frozen[2] = "new"


# --- VICS ---------------------------------------------------------------------------


def test_vics_1x_case_export(tmp_path: Path) -> None:
    media = sample_media()
    # 1.x names the file on the record and writes the size as text.
    media[1].update({"Name": "thumbs.db", "MediaSize": "2835", "odata.id": f'Media("{md5(2)}")'})
    doc = {"odata.metadata": METADATA_13, "value": [{"Media": media, "Case No.": "7"}]}
    path = write_json(tmp_path / "vic13.json", doc)
    assert hashsets.detect_format(path) == "vics"
    entries, problems = read_all(path)
    check_sample(entries, problems)
    assert entries[1].file_name == "thumbs.db"


@pytest.mark.parametrize(
    "layout",
    [
        "cases-in-value",
        "media-in-value",
        "top-level-media",
        "top-level-cases",
        "cases-nested",
        "one-case-object",
    ],
)
def test_vics_20_layouts_all_give_the_same_entries(tmp_path: Path, layout: str) -> None:
    media = sample_media()
    docs: dict[str, dict[str, Any]] = {
        "cases-in-value": {
            "@odata.context": CONTEXT_20,
            "value": [{"CaseID": "c", "Media": media}],
        },
        "media-in-value": {"@odata.context": CONTEXT_20_MEDIA, "value": media},
        "top-level-media": {"@odata.context": CONTEXT_20_MEDIA, "Media": media},
        "top-level-cases": {"@odata.context": CONTEXT_20, "Cases": [{"Media": media}]},
        "cases-nested": {"@odata.context": CONTEXT_20, "value": [{"Cases": [{"Media": media}]}]},
        "one-case-object": {"@odata.context": CONTEXT_20, "value": {"CaseID": "c", "Media": media}},
    }
    entries, problems = read_all(write_json(tmp_path / "vics.json", docs[layout]))
    check_sample(entries, problems)


def test_vics_reads_every_case_including_ones_without_media(tmp_path: Path) -> None:
    doc = {
        "@odata.context": CONTEXT_20,
        "value": [
            {"CaseID": "empty", "Media": []},
            {"CaseID": "a", "Media": [{"MediaID": 1, "MD5": md5(1)}]},
            {"CaseID": "b", "Media": [{"MediaID": 2, "MD5": md5(2)}]},
        ],
    }
    entries, problems = read_all(write_json(tmp_path / "cases.json", doc))
    assert problems == []
    assert [e.md5 for e in entries] == [md5(1).lower(), md5(2).lower()]


def test_vics_field_names_are_matched_without_regard_to_case(tmp_path: Path) -> None:
    media = [
        {
            "mediaid": 5,
            "md5": md5(5),
            "CATEGORY": 3,
            "series": "s",
            "victimidentified": "TRUE",
            "alternativeHashes": [{"hashname": "pdq", "hashvalue": "cd" * 32}],
            "mediaFiles": [{"filename": "x.png"}],
        }
    ]
    doc = {"@odata.context": CONTEXT_20, "VALUE": [{"caseid": "c", "media": media}]}
    entries, problems = read_all(write_json(tmp_path / "lower.json", doc))
    assert problems == []
    (entry,) = entries
    assert (entry.external_id, entry.category, entry.series) == ("5", 3, "s")
    assert entry.victim_identified is True
    assert entry.pdq == bytes([0xCD]) * 32
    assert entry.file_name == "x.png"


def test_vics_reads_a_file_that_starts_with_a_byte_order_mark(tmp_path: Path) -> None:
    doc = {"@odata.context": CONTEXT_20, "value": [{"CaseID": "c", "Media": sample_media()}]}
    path = write_json(tmp_path / "bom.json", doc, bom=True)
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert hashsets.detect_format(path) == "vics"
    check_sample(*read_all(path))


def test_a_wrong_typed_record_is_a_problem_and_the_rest_imports(tmp_path: Path) -> None:
    media: list[Any] = [
        {"MediaID": 10, "MD5": md5(10), "Category": "abc"},
        {"MediaID": 11, "MD5": 123},
        {"MediaID": 12, "MD5": md5(12), "VictimIdentified": "maybe"},
        {"MediaID": 13, "MD5": "not-hex"},
        {"MediaID": 14, "Category": 1},
        "a string where a record belongs",
        {"MediaID": 16, "MD5": md5(16), "Category": True},
        {"MediaID": 17, "MD5": md5(17), "Category": 1},
    ]
    doc = {"@odata.context": CONTEXT_20, "value": [{"CaseID": "c", "Media": media}]}
    entries, problems = read_all(write_json(tmp_path / "bad.json", doc))
    assert [e.external_id for e in entries] == ["17"]
    assert [p.position for p in problems] == [
        f"item {i} of value[*].Media[*]" for i in (0, 1, 2, 3, 4, 5, 6)
    ]
    messages = [p.message for p in problems]
    assert messages[0].startswith("MediaID 10: Category 'abc' is not a whole number")
    assert "MD5 must be text, not the number 123" in messages[1]
    assert "VictimIdentified 'maybe' is not a yes/no value" in messages[2]
    assert "MD5 'not-hex' is not 32 hexadecimal characters" in messages[3]
    assert "no MD5, SHA1, SHA256 or PDQ to match on" in messages[4]
    assert messages[5] == "a media record must be a JSON object; record not imported"
    assert "Category True is not a whole number" in messages[6]
    assert all(m.endswith("record not imported") for m in messages)


def test_a_bad_pdq_is_left_out_with_a_problem_and_the_record_kept(tmp_path: Path) -> None:
    media = [
        {
            "MediaID": 1,
            "MD5": md5(1),
            "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "zz"}],
        },
        {"MediaID": 2, "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "12" * 31}]},
        {"MediaID": 3, "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "ef" * 32}]},
    ]
    doc = {"@odata.context": CONTEXT_20_MEDIA, "value": media}
    entries, problems = read_all(write_json(tmp_path / "pdq.json", doc))
    assert [e.external_id for e in entries] == ["1", "3"]
    assert entries[0].pdq is None and entries[0].alternative_hashes == {"PDQ": "zz"}
    assert entries[1].pdq == bytes([0xEF]) * 32 and entries[1].md5 is None
    assert [p.position for p in problems] == [
        "item 0 of value[*]",
        "item 1 of value[*]",
        "item 1 of value[*]",
    ]
    assert "PDQ left out" in problems[0].message
    assert "no MD5, SHA1, SHA256 or PDQ to match on" in problems[2].message


def test_every_alternative_hash_is_kept_even_two_of_one_algorithm(tmp_path: Path) -> None:
    media = [
        {
            "MediaID": 1,
            "MD5": md5(1),
            "PhotoDNA": "top-level-photodna",
            "AlternativeHashes": [
                {"HashName": "PhotoDNA", "HashValue": "frame-1"},
                {"AlgorithmName": "PhotoDNA", "HashValue": "frame-2"},
                {"HashName": "SHA1", "HashValue": sha1(1)},
                {"HashValue": "nameless"},
            ],
        }
    ]
    doc = {"@odata.context": CONTEXT_20_MEDIA, "value": media}
    entries, problems = read_all(write_json(tmp_path / "alt.json", doc))
    assert entries[0].alternative_hashes == {
        "PhotoDNA": "top-level-photodna",
        "PhotoDNA#2": "frame-1",
        "PhotoDNA#3": "frame-2",
        "SHA1": sha1(1),
    }
    (problem,) = problems
    assert "AlternativeHashes[3] has no algorithm name and value; left out" in problem.message


def test_an_empty_hash_set_gives_no_entries_and_no_error(tmp_path: Path) -> None:
    for name, doc in {
        "media.json": {"@odata.context": CONTEXT_20_MEDIA, "value": []},
        "case.json": {"@odata.context": CONTEXT_20, "value": [{"CaseID": "c", "Media": []}]},
        "meta.json": {"odata.metadata": METADATA_13, "value": [{"Media": []}]},
    }.items():
        path = write_json(tmp_path / name, doc)
        assert hashsets.detect_format(path) == "vics"
        assert list(hashsets.read(path)) == []


def test_a_cut_off_vics_file_is_a_hash_set_error_naming_the_records_read(tmp_path: Path) -> None:
    doc = {"@odata.context": CONTEXT_20, "value": [{"CaseID": "c", "Media": sample_media()}]}
    text = json.dumps(doc)
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"MediaID": 3')], encoding="utf-8")
    results = hashsets.read(path)
    assert isinstance(next(results), HashSetEntry)
    with pytest.raises(HashSetError, match="not valid JSON after 2 media records"):
        list(results)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"foo": 1}', "JSON but not a VICS file"),
        (b'[{"MD5": "x"}]', "JSON but not a VICS file"),
        (b'{"value": [1, 2', "not valid JSON"),
    ],
)
def test_json_that_is_no_vics_file_is_a_hash_set_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(HashSetError, match=message):
        list(hashsets.read(path))


def test_vics_reader_refuses_json_without_a_list_of_records(tmp_path: Path) -> None:
    path = write_json(tmp_path / "x.json", {"odata.metadata": METADATA_13, "Name": "x"})
    with pytest.raises(HashSetError, match="no value, Cases or Media list"):
        list(hashsets.read(path, "vics"))


def test_200k_record_vics_file_is_read_fast_and_in_flat_memory(tmp_path: Path) -> None:
    count = 200_000
    path = tmp_path / "big.json"
    with path.open("w", encoding="ascii") as out:
        out.write(f'{{"@odata.context":"{CONTEXT_20}","value":[{{"CaseID":"c","Media":[')
        out.write(",".join(f'{{"MediaID":{i},"MD5":"{i:032x}"}}' for i in range(count)))
        out.write("]}]}")
    # json.load of this 11 MB file peaks at about 70 MB of Python objects.
    assert path.stat().st_size > 11_000_000

    started = time.perf_counter()
    last = collections.deque(hashsets.read(path), maxlen=1).pop()
    elapsed = time.perf_counter() - started
    assert isinstance(last, HashSetEntry) and last.external_id == str(count - 1)
    # About 3 s on a loaded 2-core machine; the bound only catches a pathological slowdown.
    assert elapsed < 30, f"{count} records took {elapsed:.1f} s"

    tracemalloc.start()
    try:
        seen = sum(1 for _ in hashsets.read(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 50 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_an_abandoned_reader_closes_its_file(tmp_path: Path) -> None:
    doc = {"@odata.context": CONTEXT_20_MEDIA, "value": sample_media()}
    path = write_json(tmp_path / "v.json", doc)
    results = hashsets.read(path)
    assert isinstance(next(results), HashSetEntry)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del results
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


# --- ICSE ---------------------------------------------------------------------------

ICSE_HEADER = (
    "MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;"
    "Series name;Number of submissions;File Available;Media Type;Baseline"
)


def test_icse_export_with_semicolons(tmp_path: Path) -> None:
    rows = [
        ICSE_HEADER,
        f"{md5(1)};{sha1(1)};{'AAEC' * 48};1001;Yes;No;No;Series A;3;true;Image;true",
        f"{md5(2)};;;1002;0;1;;;1;false;Video;false",
        "",
        f"{md5(3)};{sha1(3)}",
    ]
    path = tmp_path / "icse.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    assert hashsets.detect_format(path) == "icse"
    entries, problems = read_all(path)
    assert problems == []
    first, second, third = entries
    assert (first.md5, first.sha1) == (md5(1).lower(), sha1(1).lower())
    assert first.alternative_hashes == {"PhotoDNA": "AAEC" * 48}
    assert (first.external_id, first.series) == ("1001", "Series A")
    assert first.distributed is True and first.victim_identified is False
    # ICSE has no US category: none is invented, and nothing is non-pertinent.
    assert all(e.category is None and not e.non_pertinent for e in entries)
    assert second.sha1 is None and second.distributed is False and second.victim_identified is True
    assert third.external_id is None and third.alternative_hashes == {}


def test_icse_export_with_commas_and_other_header_spellings(tmp_path: Path) -> None:
    path = tmp_path / "icse.csv"
    path.write_text(
        "md5,sha-1,IMAGE_ID,is distributed,Series Name\n"
        f'{md5(1)},{sha1(1)},9,TRUE,"Series, with comma"\n',
        encoding="utf-8-sig",  # spreadsheet programs write a byte-order mark
    )
    assert hashsets.detect_format(path) == "icse"
    entries, problems = read_all(path)
    assert problems == []
    (entry,) = entries
    assert (entry.sha1, entry.external_id, entry.distributed) == (sha1(1).lower(), "9", True)
    assert entry.series == "Series, with comma"


def test_icse_bad_rows_are_problems_with_their_line_numbers(tmp_path: Path) -> None:
    rows = [
        "MD5;SHA1;Series name;Image ID",
        f'{md5(1)};;"two-line\nseries";1',  # lines 2-3
        "xyz;;;2",  # line 4
        ";;;3",  # line 5: no exact digest
        f"{md5(6)};;;6;extra",  # line 6: more fields than the header
        f"{md5(7)};;;7;",  # line 7: an empty trailing field is harmless
        f"{md5(8)}",  # line 8: a short row
    ]
    path = tmp_path / "icse.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    entries, problems = read_all(path)
    assert [e.external_id for e in entries] == ["1", "7", None]
    assert entries[0].series == "two-line\nseries"
    assert [p.position for p in problems] == ["line 4", "line 5", "line 6"]
    assert "MD5 'xyz' is not 32 hexadecimal characters" in problems[0].message
    assert "cannot match on PhotoDNA" in problems[1].message
    assert "5 fields where the header has 4" in problems[2].message


def test_icse_reader_refuses_a_header_without_hash_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Name;Size\na;1\n", encoding="utf-8")
    with pytest.raises(HashSetError, match="names no MD5, SHA1, SHA256 or PhotoDNA column"):
        list(hashsets.read(path, "icse"))
    with pytest.raises(HashSetError, match="not a hash set genkend reads"):
        hashsets.detect_format(path)


# --- NSRL RDSv3 ---------------------------------------------------------------------

# The RDSv3 schema as NIST ships it in schema.sql (modern/android/ios minimal sets).
RDS_SCHEMA = """
CREATE TABLE FILE (
 sha256     VARCHAR NOT NULL,
 sha1       VARCHAR NOT NULL,
 md5        VARCHAR NOT NULL,
 crc32      VARCHAR NOT NULL,
 file_name  VARCHAR NOT NULL,
 file_size  INTEGER NOT NULL,
 package_id INTEGER NOT NULL,
 CONSTRAINT PK_FILE__FILE PRIMARY KEY (sha256, sha1, md5, crc32, file_name, file_size, package_id)
);
CREATE TABLE MFG (
 manufacturer_id INTEGER NOT NULL,
 name            VARCHAR NOT NULL,
 CONSTRAINT PK_MFG__MFG_ID PRIMARY KEY (manufacturer_id)
);
CREATE TABLE OS (
 operating_system_id INTEGER NOT NULL,
 name                VARCHAR NOT NULL,
 version             VARCHAR NOT NULL,
 manufacturer_id     INTEGER NOT NULL,
 CONSTRAINT PK_OS__OS_ID PRIMARY KEY (operating_system_id, manufacturer_id)
);
CREATE TABLE PKG (
 package_id          INTEGER NOT NULL,
 name                VARCHAR NOT NULL,
 version             VARCHAR NOT NULL,
 operating_system_id INTEGER NOT NULL,
 manufacturer_id     INTEGER NOT NULL,
 language            VARCHAR NOT NULL,
 application_type    VARCHAR NOT NULL,
 CONSTRAINT PK_PGK__PKG_ID PRIMARY KEY (package_id, operating_system_id, manufacturer_id,
   language, application_type)
);
CREATE TABLE VERSION (
 version      VARCHAR UNIQUE NOT NULL,
 build_set    VARCHAR NOT NULL,
 build_date   TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
 release_date TIMESTAMP NOT NULL,
 description  VARCHAR NOT NULL,
 CONSTRAINT PK_VERSION__VERSION PRIMARY KEY (version)
);
CREATE VIEW DISTINCT_HASH AS SELECT DISTINCT sha256, sha1, md5, crc32 FROM FILE;
"""


def make_rds(path: Path, rows: list[tuple[str, str, str, str, int, int]]) -> Path:
    with sqlite3.connect(path) as connection:
        connection.executescript(RDS_SCHEMA)
        connection.executemany(
            "INSERT INTO FILE VALUES (?, ?, ?, '00000000', ?, ?, ?)",
            rows,
        )
        connection.execute(
            "INSERT INTO VERSION VALUES ('2026.03.1', 'modern minimal', "
            "CURRENT_TIMESTAMP, '2026-03-01', 'synthetic')"
        )
    connection.close()
    return path


def test_nsrl_rdsv3_entries_are_non_pertinent_one_per_digest(tmp_path: Path) -> None:
    path = make_rds(
        tmp_path / "RDS_modern_minimal.db",
        [
            (sha256(1), sha1(1), md5(1), "kernel32.dll", 100, 1),
            (sha256(1), sha1(1), md5(1), "KERNEL32.DLL", 100, 2),  # same file, other package
            (sha256(2), sha1(2), md5(2), "notepad.exe", 200, 1),
            (sha256(3), "not-a-sha1", md5(3), "broken.bin", 300, 1),
        ],
    )
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert hashsets.detect_format(path) == "nsrl"
    entries, problems = read_all(path)
    assert [(e.sha256, e.sha1, e.md5, e.file_name) for e in entries] == [
        (sha256(1).lower(), sha1(1).lower(), md5(1).lower(), "KERNEL32.DLL"),
        (sha256(2).lower(), sha1(2).lower(), md5(2).lower(), "notepad.exe"),
    ]
    assert all(e.non_pertinent and e.category is None for e in entries)
    (problem,) = problems
    assert problem.position == "FILE digest 3"
    assert "SHA1 'not-a-sha1' is not 40 hexadecimal characters" in problem.message
    # Read-only: the database file is byte for byte what it was, and no journal appeared.
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RDS_modern_minimal.db"]


def test_nsrl_file_may_be_a_view_as_in_the_full_rds(tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE METADATA (sha256, sha1, md5, file_name, file_size, package_id);"
            "CREATE VIEW FILE AS SELECT sha256, sha1, md5, file_name, file_size, package_id "
            "FROM METADATA;"
        )
        connection.execute(
            "INSERT INTO METADATA VALUES (?, ?, ?, 'a.txt', 1, 1)", (sha256(9), sha1(9), md5(9))
        )
    connection.close()
    entries, problems = read_all(path)
    assert problems == [] and [e.md5 for e in entries] == [md5(9).lower()]


def test_a_sqlite_file_without_an_rds_file_table_is_a_hash_set_error(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    assert hashsets.detect_format(path) == "nsrl"
    with pytest.raises(HashSetError, match="no FILE table"):
        list(hashsets.read(path))


def test_nsrl_reader_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"this is no database at all" * 100)
    with pytest.raises(HashSetError, match="cannot be read as an NSRL RDSv3 database"):
        list(hashsets.read(path, "nsrl"))


# --- plain lists --------------------------------------------------------------------


def test_plain_md5sum_output_and_bare_digests(tmp_path: Path) -> None:
    lines = [
        "# known files, synthetic",
        "",
        f"{md5(1)}  photos/holiday 01.jpg",
        f"{sha1(2)} *binary mode.bin",
        f"{sha256(3)}",
        f"   {md5(4)}\tafter a tab",
        "\\" + f"{md5(5)}  dir\\\\with\\nnewline",
        "not a digest at all",
        f"{md5(6)[:-1]}  one character short",
    ]
    path = tmp_path / "known.md5"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert hashsets.detect_format(path) == "plain"
    entries, problems = read_all(path)
    assert [(e.md5, e.sha1, e.sha256, e.file_name) for e in entries] == [
        (md5(1).lower(), None, None, "photos/holiday 01.jpg"),
        (None, sha1(2).lower(), None, "binary mode.bin"),
        (None, None, sha256(3).lower(), None),
        (md5(4).lower(), None, None, "after a tab"),
        (md5(5).lower(), None, None, "dir\\with\nnewline"),
    ]
    assert all(e.category is None and not e.non_pertinent for e in entries)
    assert [p.position for p in problems] == ["line 8", "line 9"]
    assert "'not' is not an MD5, SHA-1 or SHA-256 digest" in problems[0].message


def test_plain_list_of_only_comments_or_nothing_has_no_entries(tmp_path: Path) -> None:
    comments = tmp_path / "comments.txt"
    comments.write_text("# nothing yet\n\n", encoding="utf-8")
    assert hashsets.detect_format(comments) == "plain"
    assert list(hashsets.read(comments)) == []
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert list(hashsets.read(empty, "plain")) == []


# --- detection and whole-file errors ------------------------------------------------


def test_an_empty_file_has_no_format(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    with pytest.raises(HashSetError, match="is empty"):
        hashsets.detect_format(path)
    with pytest.raises(HashSetError, match="is empty"):
        hashsets.read(path)
    with pytest.raises(HashSetError, match="not a VICS file"):
        list(hashsets.read(path, "vics"))
    with pytest.raises(HashSetError, match="names no MD5"):
        list(hashsets.read(path, "icse"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 4, "binary file"),
        (b"hello world\nthis is a letter\n", "not a hash set genkend reads"),
        ("MD5;SHA1\n".encode("utf-16"), "UTF-16"),
        (b"   \n\n", "is empty"),
    ],
)
def test_garbage_is_a_hash_set_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "garbage.bin"
    path.write_bytes(content)
    with pytest.raises(HashSetError, match=message):
        hashsets.read(path)


def test_a_missing_file_or_a_folder_is_a_hash_set_error(tmp_path: Path) -> None:
    with pytest.raises(HashSetError, match="cannot open hash set"):
        hashsets.read(tmp_path / "missing.json")
    with pytest.raises(HashSetError, match="cannot open hash set"):
        list(hashsets.read(tmp_path / "missing.json", "vics"))
    with pytest.raises(HashSetError, match="is a folder"):
        hashsets.detect_format(tmp_path)


def test_an_unknown_format_name_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="known: icse, nsrl, plain, vics"):
        hashsets.read(tmp_path / "x", "hashkeeper")


def test_a_format_name_is_accepted_in_any_case(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(f"{md5(1)}\n", encoding="utf-8")
    entries, problems = read_all(path, "PLAIN")
    assert [e.md5 for e in entries] == [md5(1).lower()] and problems == []
