"""The kinds of error an item can be recorded with, and the rule that names a message's kind.

An ingest records every problem as a message on its item ("archive member could not be
read: File 'a.jpg' is encrypted, password required"); a per-source summary counts them by
kind, from a small fixed vocabulary, so that an examiner sees at a glance "3 encrypted,
1 truncated" rather than forty different sentences.

The producers (evidence sources, decoders) write messages today, not kinds, so the kind
is read from the message: ``RULES`` is tried in order, first match wins, and a message
no rule knows is ``other`` (never dropped, never guessed into a near kind). Order
matters where one message says two things: "could not be read: ... encrypted" is
``encrypted``, "does not decode: image file is truncated" is ``truncated``, and "could not
be read past a.jpg: Bad CRC-32" is ``corrupt``.

Invariant: ``kind_of`` answers exactly one ``ErrorKind`` for every text.
"""

from __future__ import annotations

import re
from enum import StrEnum


class ErrorKind(StrEnum):
    """Why an item could not be fully analysed, as an examiner would sort it."""

    LINK_NOT_FOLLOWED = "link-not-followed"  # a symbolic (or hard) link, deliberately not read
    ENCRYPTED = "encrypted"  # needs a password or key genkend does not have
    OVER_LIMIT = "over-limit"  # above a size, pixel, depth or expansion limit
    TRUNCATED = "truncated"  # the bytes end before the format says they should
    UNSUPPORTED = "unsupported"  # a format, codec or member type genkend does not read
    UNREADABLE = "unreadable"  # the bytes could not be read at all (I/O, vanished)
    CORRUPT = "corrupt"  # read, but the bytes do not parse or decode as what they claim
    CRASHED = "crashed"  # its analysis crashed a worker process; hashed only
    NOT_RECORDED = "not-recorded"  # the store refused its values
    OTHER = "other"


RULES: tuple[tuple[ErrorKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (ErrorKind.LINK_NOT_FOLLOWED, r"\blink to\b|not followed"),
        (ErrorKind.ENCRYPTED, r"encrypt|password|decrypt"),
        (ErrorKind.CRASHED, r"crashed its worker"),
        (ErrorKind.NOT_RECORDED, r"could not be recorded"),
        (
            ErrorKind.OVER_LIMIT,
            r"limit|larger than|decompression bomb|more than \d+|too large|too big|too deep",
        ),
        (
            ErrorKind.TRUNCATED,
            r"truncat|unexpected end|ended before|end of (file|data|stream)|premature|\beof\b",
        ),
        (
            ErrorKind.UNSUPPORTED,
            r"unsupported|not supported|cannot identify|unknown (format|codec)",
        ),
        (
            ErrorKind.CORRUPT,
            r"does not (decode|parse)|corrupt|damaged|invalid|bad |crc|checksum|"
            r"is not a (zip|gzip|tar)( file)?\b|loops?\b",
        ),
        (
            ErrorKind.UNREADABLE,
            r"could not be (read|listed)|cannot (be )?read|vanished|no longer found|"
            r"changed since|not a regular file",
        ),
    )
)


def kind_of(message: str) -> ErrorKind:
    """The kind of error a recorded message describes; ``OTHER`` when no rule knows it."""
    for kind, pattern in RULES:
        if pattern.search(message):
            return kind
    return ErrorKind.OTHER
