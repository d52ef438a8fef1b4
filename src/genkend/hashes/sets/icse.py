"""INTERPOL ICSE hash exports: CSV with a header row, usually separated by semicolons.

The header INTERPOL's ICSE database writes is

    MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;
    Series name;Number of submissions;File Available;Media Type;Baseline

(as imported by sepinf-inc/IPED, iped/engine/hashdb/HashDBTool.java). Header names
are matched without regard to case, spaces, dashes or underscores; semicolon, comma
and tab separators are all accepted (the one the header uses most wins). Columns
genkend has no field for (offender identified, submissions, baseline, ...) are not
kept.

Category: ICSE does not use Project VIC's US categories, and an ICSE export does not
say which US category an image would get. Entries therefore carry no category and are
not non-pertinent: an ICSE set is, as a whole, known material of interest, and the
importer records that on the hash set, not on each entry. ``Series name`` becomes the
series, ``Image ID`` the external id, PhotoDNA an alternative hash kept as given.

Invariant: every data row becomes one ``HashSetEntry`` or one ``ParseProblem`` naming
the line it starts on; a file without a header that names a hash column is a
``HashSetError``.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from genkend.errors import HashSetError
from genkend.hashes.sets import fields
from genkend.hashes.sets.fields import FieldError
from genkend.hashes.sets.files import MAX_LINE, bounded_lines, open_binary
from genkend.records import HashSetEntry, ParseProblem

log = logging.getLogger(__name__)

# Normalised header name -> the field it fills.
_COLUMNS = {
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "photodna": "photodna",
    "imageid": "image_id",
    "isdistributed": "distributed",
    "distributed": "distributed",
    "victimidentified": "victim_identified",
    "seriesname": "series",
    "series": "series",
    "filename": "file_name",
}
HASH_COLUMNS = frozenset({"md5", "sha1", "sha256", "photodna"})
_DELIMITERS = (";", ",", "\t")


def normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def delimiter_of(header_line: str) -> str:
    return max(_DELIMITERS, key=header_line.count)


def read(path: Path) -> Iterator[HashSetEntry | ParseProblem]:
    """Every data row of an ICSE export, as entries and problems, in file order."""
    entries = problems = 0
    with (
        open_binary(path) as binary,
        io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="") as text,
    ):
        lines = bounded_lines(text)
        header_line = next(lines, "")
        if header_line is None:
            raise HashSetError(
                f"{path} is not an ICSE export: its header line is longer than {MAX_LINE} "
                "characters"
            )
        delimiter = delimiter_of(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        columns = _column_indexes(header, path)
        for result in _rows(lines, delimiter, columns, len(header)):
            problems += isinstance(result, ParseProblem)
            entries += isinstance(result, HashSetEntry)
            yield result
    log.info("ICSE export %s: %d entries, %d problems", path, entries, problems)


def _rows(
    lines: Iterator[str | None], delimiter: str, columns: dict[str, int], width: int
) -> Iterator[HashSetEntry | ParseProblem]:
    """Each data row's entry or problem; a blank line is no row, ``;;;`` is a problem."""
    # csv reads one string per physical line; an over-long one is handed over blank
    # and remembered by csv's line count.
    overlong: set[int] = set()
    rows = csv.reader(_blank_overlong(lines, overlong), delimiter=delimiter)
    position = "line 2"
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield ParseProblem(position, f"{exc}; row not imported")
        else:
            if rows.line_num in overlong:
                yield ParseProblem(position, f"longer than {MAX_LINE} characters; not imported")
            elif row:
                yield _row(row, columns, width, position)
        # csv counts the lines it has read; a quoted cell may span several.
        position = f"line {rows.line_num + 2}"


def _blank_overlong(lines: Iterator[str | None], overlong: set[int]) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if line is None:
            overlong.add(number)
        yield "\n" if line is None else line


def _column_indexes(header: list[str], path: Path) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        field = _COLUMNS.get(normalise_header(name))
        if field is not None and field not in columns:
            columns[field] = index
    if not HASH_COLUMNS & columns.keys():
        raise HashSetError(
            f"{path} is not an ICSE export: its header {';'.join(header)!r} names no "
            "MD5, SHA1, SHA256 or PhotoDNA column"
        )
    return columns


def _row(
    row: list[str], columns: dict[str, int], width: int, position: str
) -> HashSetEntry | ParseProblem:
    if any(cell.strip() for cell in row[width:]):
        return ParseProblem(
            position, f"{len(row)} fields where the header has {width}; row not imported"
        )
    cells = {field: row[index] if index < len(row) else "" for field, index in columns.items()}
    try:
        return _entry(cells)
    except FieldError as exc:
        return ParseProblem(position, f"{exc}; row not imported")


def _entry(cells: dict[str, str]) -> HashSetEntry:
    md5 = fields.digest(cells.get("md5"), "md5")
    sha1 = fields.digest(cells.get("sha1"), "sha1")
    sha256 = fields.digest(cells.get("sha256"), "sha256")
    if not (md5 or sha1 or sha256):
        raise FieldError("no MD5, SHA1 or SHA256 (genkend cannot match on PhotoDNA)")
    photodna = fields.text(cells.get("photodna"), "PhotoDNA")
    return HashSetEntry(
        md5=md5,
        sha1=sha1,
        sha256=sha256,
        series=fields.text(cells.get("series"), "Series name"),
        victim_identified=fields.flag(cells.get("victim_identified"), "Victim identified"),
        distributed=fields.flag(cells.get("distributed"), "Is distributed"),
        external_id=fields.text(cells.get("image_id"), "Image ID"),
        file_name=fields.text(cells.get("file_name"), "File name"),
        alternative_hashes={"PhotoDNA": photodna} if photodna else {},
    )
