"""Plain hash lists: one MD5, SHA-1 or SHA-256 per line, as ``md5sum`` and friends write.

Accepted lines: ``<digest>``, ``<digest>  <file name>`` (text mode), ``<digest> *<file
name>`` (binary mode) and GNU coreutils' escaped form, a line starting with ``\\`` whose
file name has ``\\n``, ``\\r`` and ``\\\\`` escaped. The length of the digest names its
algorithm (32 MD5, 40 SHA-1, 64 SHA-256). Blank lines and lines starting with ``#`` are
skipped.

A plain list says nothing about what its files are, so every entry has no category and
is not marked non-pertinent; whoever imports the list decides whether it is a list of
known, irrelevant files or of material of interest.

Invariant: every other line becomes one ``HashSetEntry`` or one ``ParseProblem`` naming
its line number (1-based, counting every line of the file).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from genkend.hashes.sets import fields
from genkend.hashes.sets.files import MAX_LINE, bounded_lines, decode_line, open_binary
from genkend.records import HashSetEntry, ParseProblem

log = logging.getLogger(__name__)

_UNESCAPE = {"\\\\": "\\", "\\n": "\n", "\\r": "\r"}


def read(path: Path) -> Iterator[HashSetEntry | ParseProblem]:
    """Every digest line of a plain list, as entries and problems, in file order."""
    entries = problems = 0
    with open_binary(path) as stream:
        for number, raw in enumerate(bounded_lines(stream), start=1):
            if raw is None:
                result: HashSetEntry | ParseProblem = ParseProblem(
                    f"line {number}", f"longer than {MAX_LINE} bytes; line not imported"
                )
            else:
                line = decode_line(raw)
                stripped = line.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                result = parse_line(line, f"line {number}")
            if isinstance(result, ParseProblem):
                problems += 1
            else:
                entries += 1
            yield result
    log.info("plain hash list %s: %d entries, %d problems", path, entries, problems)


def parse_line(line: str, position: str) -> HashSetEntry | ParseProblem:
    """One non-blank, non-comment line of a plain list."""
    if "\x00" in line:
        # PostgreSQL text cannot hold NUL, and no digest or file name has one.
        return ParseProblem(position, "contains a NUL character; line not imported")
    escaped = line.startswith("\\")
    body = line[1:] if escaped else line.lstrip()
    digest_text, _, rest = body.partition(" ")
    if "\t" in digest_text:
        digest_text, _, rest = body.partition("\t")
    algorithm = fields.ALGORITHM_BY_LENGTH.get(len(digest_text))
    if algorithm is None or not fields.is_hex(digest_text):
        return ParseProblem(
            position, f"{fields.shorten(digest_text)!r} is not an MD5, SHA-1 or SHA-256 digest"
        )
    digest = digest_text.lower()
    return HashSetEntry(
        md5=digest if algorithm == "md5" else None,
        sha1=digest if algorithm == "sha1" else None,
        sha256=digest if algorithm == "sha256" else None,
        file_name=_file_name(rest, escaped),
    )


def _file_name(rest: str, escaped: bool) -> str | None:
    # md5sum writes two spaces (text mode) or " *" (binary mode); the first separator
    # is already gone, so one more space or star belongs to the format, not the name.
    name = rest[1:] if rest[:1] in (" ", "*") else rest.strip()
    if escaped:
        name = _unescape(name)
    return name if name.strip() else None


def _unescape(name: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(name):
        pair = name[index : index + 2]
        if pair in _UNESCAPE:
            out.append(_UNESCAPE[pair])
            index += 2
        else:
            out.append(name[index])
            index += 1
    return "".join(out)
