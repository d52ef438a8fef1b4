"""Project VIC (VICS) JSON: hash sets and case exports, read in bounded memory.

VICS is Project VIC's OData JSON model. Version 1.x names its model in
``odata.metadata`` (``.../ICMEC/ProjectVic/DataModels/1.3.xml#Media``), version 2.0
in ``@odata.context`` (``.../VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/
$metadata#Cases``). The media records are found in one of these places:

    {"value": [{"CaseID": ..., "Media": [media, ...]}, ...]}    a case export (1.x, 2.0)
    {"value": [media, ...]}                                      a hash set (2.0 #Media)
    {"value": [{"Cases": [{"Media": [media, ...]}]}]}            cases nested in value
    {"value": {"CaseID": ..., "Media": [media, ...]}}           one case as an object
    {"Cases": [{"Media": [media, ...]}]}   {"Media": [media, ...]}

A media record carries ``MediaID``, ``MD5``, ``SHA1`` (``SHA256`` where given),
``Category``, ``Series``, ``VictimIdentified``, ``IsDistributed`` (JSON booleans or the
strings "true"/"false"), ``AlternativeHashes`` (``[{"HashName": "PhotoDNA",
"HashValue": ...}]``; 1.x and 2.0 both use HashName/HashValue) and ``MediaFiles``
(``[{"FileName", "FilePath", ...}]``); UK exports put ``PhotoDNA`` on the record
itself. Field names are matched without regard to case. Shapes and names follow the
exporters and importers in sepinf-inc/IPED (iped/engine/hashdb/HashDBTool.java,
readProjectVIC) and the Clees4All VICS writer, because Project VIC publishes the model
only under agreement.

The file is read as a stream, three times. A first pass refuses a run of digits
longer than Python's ``int`` reads (ijson's C parser crashes on one); a second reads
JSON events only until it finds where the media records are (the path of the first
``Media`` list or of the first media record); the third builds one record at a time
at that path. Both parsing passes refuse JSON nested deeper than ``MAX_DEPTH`` levels
or with a key longer than ``MAX_KEY``: ijson builds every event's path from the keys
above it, so memory stays that of one record, however many records there are and
however the file is built. A file is read in the one layout its first media list
shows; VICS exporters write one layout per file.

Invariant: every media record becomes exactly one ``HashSetEntry`` or one
``ParseProblem`` (plus a ``ParseProblem`` for each part of a usable record that was
left out); a JSON syntax error anywhere makes the whole file a ``HashSetError``, even
after entries were yielded, because a cut-off file is not the hash set it claims to be.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from genkend.errors import HashSetError
from genkend.hashes.sets import fields
from genkend.hashes.sets.fields import FieldError
from genkend.hashes.sets.files import open_binary
from genkend.records import HashSetEntry, ParseProblem

log = logging.getLogger(__name__)

# Lists whose objects are cases (or media, in a hash set); matched lower-case.
_CONTAINER_KEYS = frozenset({"value", "cases"})
_MEDIA_KEY = "media"
# Keys that only a media record has, never a case: they show that a container's
# objects are themselves media records.
_MEDIA_MARKERS = frozenset(
    {"md5", "sha1", "sha256", "mediaid", "category", "photodna", "alternativehashes"}
)
# Real VICS files nest fewer than 10 levels and use keys of a few dozen characters.
MAX_DEPTH = 64
MAX_KEY = 256
_SCAN_BYTES = 2**20
_OPENS = frozenset({"start_map", "start_array"})
_CLOSES = frozenset({"end_map", "end_array"})
_KINDS = {
    "start_map": "an object",
    "string": "text",
    "number": "a number",
    "integer": "a number",
    "double": "a number",
    "boolean": "a boolean",
    "null": "null",
}
_ALGORITHM_KEYS = ("hashname", "algorithmname", "algorithm", "name")
_VALUE_KEYS = ("hashvalue", "value", "hash")


def read(path: Path) -> Iterator[HashSetEntry | ParseProblem]:
    """Every media record of a VICS file, as entries and problems, in file order."""
    with open_binary(path) as stream:
        start = stream.tell()
        _refuse_long_numbers(stream, path)
        prefix = _media_prefix(stream, path)
        if prefix is None:
            log.warning("VICS file %s holds no media records", path)
            return
        stream.seek(start)
        where = prefix.replace(".item", "[*]")
        entries = problems = 0
        try:
            for index, item in enumerate(ijson.items(ijson.parse(_events(stream, path)), prefix)):
                entry, notes = _convert(item)
                if entry is not None:
                    entries += 1
                    yield entry
                # The position is only worth building for the rare record with a problem.
                for note in notes:
                    problems += 1
                    yield ParseProblem(f"item {index} of {where}", note)
        except ijson.JSONError as exc:
            raise HashSetError(
                f"{path} is not valid JSON after {entries + problems} media records "
                f"(a cut-off or damaged file?): {_first_line(exc)}"
            ) from exc
    log.info("VICS file %s: %d entries, %d problems", path, entries, problems)


def _events(stream: BinaryIO, path: Path) -> Iterator[tuple[str, Any]]:
    """ijson's basic events, refusing nesting and keys beyond ``MAX_DEPTH`` and ``MAX_KEY``.

    ijson builds the path of every event from the keys above it, so without these caps
    a small file of nested lists or long keys costs memory of the square of its size.
    """
    depth = 0
    for event, value in ijson.basic_parse(stream):
        if event in _OPENS:
            depth += 1
            if depth > MAX_DEPTH:
                raise HashSetError(
                    f"{path} is refused: its JSON is nested deeper than {MAX_DEPTH} levels "
                    "(VICS files need fewer than 10)"
                )
        elif event in _CLOSES:
            depth -= 1
        elif event == "map_key" and len(value) > MAX_KEY:
            raise HashSetError(
                f"{path} is refused: its JSON has a key of {len(value)} characters "
                f"(at most {MAX_KEY}): {fields.shorten(value)!r}"
            )
        yield event, value


def _refuse_long_numbers(stream: BinaryIO, path: Path) -> None:
    """``HashSetError`` if the file holds more digits in a row than Python's ``int`` reads.

    ijson's C parser turns such a number into a pending ValueError that surfaces at
    some later point, or crashes the process (SIGSEGV) when it builds records, so the
    file is searched for such a run before it is parsed. No VICS value has one.
    """
    limit = sys.get_int_max_str_digits()
    if limit == 0:
        return
    run = re.compile(rb"[0-9]{%d}" % (limit + 1))
    start, tail = stream.tell(), b""
    while chunk := stream.read(_SCAN_BYTES):
        window = tail + chunk
        if run.search(window):
            raise HashSetError(f"{path} is refused: it holds a number of more than {limit} digits")
        tail = window[-limit:]
    stream.seek(start)


def _media_prefix(stream: BinaryIO, path: Path) -> str | None:
    """The ijson path of the media records, or None when the file has none.

    Reads JSON events only as far as the first ``Media`` list or media record. A
    ``Media``, ``value`` or ``Cases`` that holds no list (or, for the latter two, no
    object) is a ``HashSetError``: those records were meant to be there.
    """
    start = stream.tell()
    if not stream.read(1):
        raise HashSetError(f"{path} is empty, not a VICS file")
    stream.seek(start)
    events = ijson.parse(_events(stream, path))
    found_list = False
    pending: tuple[str, str] | None = None
    try:
        first = next(events, None)
        if first is None or first[1] != "start_map":
            raise HashSetError(f"{path} is not a VICS file: its JSON is not an object")
        for prefix, event, value in events:
            if pending is not None:
                _check_container(path, *pending, event)
                if pending[1] == _MEDIA_KEY:
                    return f"{pending[0]}.item"
            pending = None
            if event != "map_key" or not (prefix == "" or _is_container_item(prefix)):
                continue
            key = str(value).lower()
            if key == _MEDIA_KEY or key in _CONTAINER_KEYS:
                pending = (f"{prefix}.{value}" if prefix else str(value), key)
                found_list = True
            elif prefix and key in _MEDIA_MARKERS:
                return str(prefix)
    except ijson.JSONError as exc:
        raise HashSetError(f"{path} is not valid JSON: {_first_line(exc)}") from exc
    if not found_list:
        raise HashSetError(f"{path} is not a VICS file: it has no value, Cases or Media list")
    return None


def _check_container(path: Path, where: str, key: str, event: str) -> None:
    """Refuses a ``Media`` that is not a list, a ``value`` or ``Cases`` that is neither."""
    allowed = ("start_array",) if key == _MEDIA_KEY else ("start_array", "start_map")
    if event in allowed:
        return
    kind = _KINDS.get(event, event)
    what = "media records" if key == _MEDIA_KEY else "cases or media records"
    shown = re.sub(r"\.item\b", "[*]", where)
    raise HashSetError(f"{path} is not a VICS file: {shown} is {kind}, not a list of {what}")


def _is_container_item(prefix: str) -> bool:
    """True for ijson paths like ``value.item``, ``value.item.Cases.item`` or ``value``.

    A container key followed by ``item`` is a list of objects; without it, a single
    object (some exporters write ``"value": {...}`` for a one-case file).
    """
    parts = prefix.split(".")
    index = 0
    while index < len(parts):
        if parts[index].lower() not in _CONTAINER_KEYS:
            return False
        index += 1
        if index < len(parts) and parts[index] == "item":
            index += 1
    return True


def _convert(item: object) -> tuple[HashSetEntry | None, list[str]]:
    """The entry of one media record (None if unusable) and notes on what was left out."""
    if not isinstance(item, dict):
        return None, ["a media record must be a JSON object; record not imported"]
    media = {str(key).lower(): value for key, value in item.items()}
    notes: list[str] = []
    try:
        entry: HashSetEntry | None = _entry(media, notes)
    except FieldError as exc:
        notes.append(f"{exc}; record not imported")
        entry = None
    if notes:
        label = _label(media)
        notes = [label + note for note in notes]
    return entry, notes


def _label(media: dict[str, Any]) -> str:
    media_id = media.get("mediaid")
    return f"MediaID {fields.shorten(str(media_id))}: " if isinstance(media_id, (str, int)) else ""


def _entry(media: dict[str, Any], notes: list[str]) -> HashSetEntry:
    md5 = fields.digest(media.get("md5"), "md5")
    sha1 = fields.digest(media.get("sha1"), "sha1")
    sha256 = fields.digest(media.get("sha256"), "sha256")
    category = fields.category(media.get("category"))
    alternative = _alternative_hashes(media, notes)
    pdq = _pdq(alternative, notes)
    if not (md5 or sha1 or sha256 or pdq):
        raise FieldError("no MD5, SHA1, SHA256 or PDQ to match on")
    return HashSetEntry(
        md5=md5,
        sha1=sha1,
        sha256=sha256,
        pdq=pdq,
        category=category,
        series=_series(media.get("series")),
        non_pertinent=category == 0,
        victim_identified=fields.flag(media.get("victimidentified"), "VictimIdentified"),
        distributed=fields.flag(media.get("isdistributed"), "IsDistributed"),
        external_id=fields.text(media.get("mediaid"), "MediaID"),
        file_name=_file_name(media, notes),
        alternative_hashes=alternative,
    )


def _series(value: object) -> str | None:
    # An OData entity in place of the plain name: {"Name": "..."}.
    if isinstance(value, dict):
        lowered = {str(key).lower(): inner for key, inner in value.items()}
        return fields.text(lowered.get("name"), "Series name")
    return fields.text(value, "Series")


def _alternative_hashes(media: dict[str, Any], notes: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    photodna = fields.text(media.get("photodna"), "PhotoDNA")
    if photodna:
        _keep(found, "PhotoDNA", photodna)
    listed = media.get("alternativehashes")
    if listed is None:
        return found
    if not isinstance(listed, list):
        raise FieldError("AlternativeHashes must be a list")
    for index, alternative in enumerate(listed):
        name, value = _name_and_value(alternative)
        if name is None or value is None:
            notes.append(f"AlternativeHashes[{index}] has no algorithm name and value; left out")
            continue
        _keep(found, name, value)
    return found


def _name_and_value(alternative: object) -> tuple[str | None, str | None]:
    if not isinstance(alternative, dict):
        return None, None
    lowered = {str(key).lower(): value for key, value in alternative.items()}
    name = next((lowered[k] for k in _ALGORITHM_KEYS if k in lowered), None)
    value = next((lowered[k] for k in _VALUE_KEYS if k in lowered), None)
    if not (isinstance(name, str) and name.strip() and isinstance(value, str) and value.strip()):
        return None, None
    return name.strip(), value.strip()


def _keep(found: dict[str, str], name: str, value: str) -> None:
    """Adds an alternative hash; a second one of the same algorithm gets ``#2``, ...

    A video carries one PhotoDNA per key frame; none of them may be dropped.
    """
    key, number = name, 1
    while key in found:
        number += 1
        key = f"{name}#{number}"
    found[key] = value


def _pdq(alternative: dict[str, str], notes: list[str]) -> bytes | None:
    for name, value in alternative.items():
        if name.split("#")[0].lower() == "pdq":
            try:
                return fields.pdq(value)
            except FieldError as exc:
                notes.append(f"{exc}; PDQ left out (kept as given in the alternative hashes)")
                return None
    return None


def _file_name(media: dict[str, Any], notes: list[str]) -> str | None:
    files = media.get("mediafiles")
    if isinstance(files, list) and files and isinstance(files[0], dict):
        first = {str(key).lower(): value for key, value in files[0].items()}
        return fields.text(first.get("filename"), "FileName")
    if files not in (None, []):
        notes.append("MediaFiles is not a list of objects; file name left out")
    # 1.x records name the file on the record itself.
    return fields.text(media.get("filename", media.get("name")), "FileName")


def _first_line(exc: Exception) -> str:
    message = exc.args[0] if exc.args else exc
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    return str(message).strip().splitlines()[0]
