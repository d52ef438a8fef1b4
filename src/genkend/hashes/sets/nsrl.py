"""NIST NSRL RDSv3: a SQLite database of files known from published software.

Since RDS version 3 (2022) the NSRL ships as SQLite. Its ``FILE`` table (a view in the
full sets) has the columns ``sha256, sha1, md5, crc32, file_name, file_size,
package_id``, with a primary key over all of them, and one row per file per software
package (schema.sql of the RDSv3 downloads; breakpointforensics/NSRLConvert-PY reads the
same names). Every NSRL file is known and non-pertinent to an investigation.

The database is opened read-only (``mode=ro``) and streamed. The same file ships in
many packages, so rows are grouped by digest: one entry per distinct (SHA-256, SHA-1,
MD5), named by the alphabetically first of its file names. With the RDS primary key
SQLite does this grouping while scanning its covering index, in bounded memory.

Invariant: every distinct digest triple becomes one ``HashSetEntry`` (non_pertinent,
no category) or one ``ParseProblem``; a file that is not SQLite, or has no ``FILE``
table with a digest column, is a ``HashSetError``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from genkend.errors import HashSetError
from genkend.hashes.sets import fields
from genkend.hashes.sets.fields import FieldError
from genkend.records import HashSetEntry, ParseProblem

log = logging.getLogger(__name__)

# In the order of the RDS primary key, so that GROUP BY can follow the index.
_DIGEST_COLUMNS = ("sha256", "sha1", "md5")


def read(path: Path) -> Iterator[HashSetEntry | ParseProblem]:
    """One entry per distinct digest in the NSRL ``FILE`` table."""
    if not path.is_file():
        raise HashSetError(f"cannot open hash set {path}: not a file")
    entries = problems = 0
    try:
        with closing(_connect(path)) as connection:
            digests, has_name = _columns(connection, path)
            for number, row in enumerate(connection.execute(_query(digests, has_name)), 1):
                result = _entry(dict(zip((*digests, "file_name"), row, strict=False)))
                if isinstance(result, str):
                    problems += 1
                    yield ParseProblem(f"FILE digest {number}", result)
                else:
                    entries += 1
                    yield result
    except sqlite3.Error as exc:
        raise HashSetError(f"{path} cannot be read as an NSRL RDSv3 database: {exc}") from exc
    log.info("NSRL database %s: %d entries, %d problems", path, entries, problems)


def _connect(path: Path) -> sqlite3.Connection:
    # A URI so that SQLite opens the file read-only and never creates one.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _columns(connection: sqlite3.Connection, path: Path) -> tuple[tuple[str, ...], bool]:
    names = {str(row[1]).lower() for row in connection.execute('PRAGMA table_info("FILE")')}
    digests = tuple(column for column in _DIGEST_COLUMNS if column in names)
    if not digests:
        raise HashSetError(
            f"{path} is not an NSRL RDSv3 database: it has no FILE table with "
            "sha256, sha1 or md5 columns"
        )
    return digests, "file_name" in names


def _query(digests: tuple[str, ...], has_name: bool) -> str:
    # Column names come from the fixed tuple above, never from the file.
    selected = ", ".join(digests) + (", MIN(file_name)" if has_name else "")
    return f"SELECT {selected} FROM FILE GROUP BY {', '.join(digests)}"


def _entry(row: dict[str, object]) -> HashSetEntry | str:
    try:
        md5 = fields.digest(row.get("md5"), "md5")
        sha1 = fields.digest(row.get("sha1"), "sha1")
        sha256 = fields.digest(row.get("sha256"), "sha256")
        file_name = fields.text(row.get("file_name"), "file_name")
    except FieldError as exc:
        return f"{exc}; row not imported"
    if not (md5 or sha1 or sha256):
        return "no sha256, sha1 or md5 value; row not imported"
    return HashSetEntry(md5=md5, sha1=sha1, sha256=sha256, non_pertinent=True, file_name=file_name)
