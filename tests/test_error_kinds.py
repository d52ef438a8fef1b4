"""Error messages as genkend records them, sorted into their kinds; unknown ones are
``other``, never guessed into a near kind."""

from __future__ import annotations

import pytest

from genkend.hashes.error_kinds import ErrorKind, kind_of


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("symbolic link to ok.jpg, not followed", ErrorKind.LINK_NOT_FOLLOWED),
        ("encrypted archive member", ErrorKind.ENCRYPTED),
        (
            "archive member could not be read: File 'a.jpg' is encrypted, password required",
            ErrorKind.ENCRYPTED,
        ),
        ("analysis crashed its worker process; hashed only", ErrorKind.CRASHED),
        ("could not be recorded: value too long", ErrorKind.NOT_RECORDED),
        (
            "decompression bomb: Image size (10000000000 pixels) exceeds limit",
            ErrorKind.OVER_LIMIT,
        ),
        ("3000000 bytes, above the limit of 1000", ErrorKind.OVER_LIMIT),
        ("image/jpeg header does not parse: Truncated File Read", ErrorKind.TRUNCATED),
        ("image file is truncated (12 bytes not processed)", ErrorKind.TRUNCATED),
        ("cannot identify image file", ErrorKind.UNSUPPORTED),
        ("archive member could not be read: Bad CRC-32 for file 'a.jpg'", ErrorKind.CORRUPT),
        ("archive could not be read: File is not a zip file", ErrorKind.CORRUPT),
        ("image/png does not decode: broken data stream", ErrorKind.CORRUPT),
        ("directory structure loops back to inode 2", ErrorKind.CORRUPT),
        ("cannot read: Input/output error", ErrorKind.UNREADABLE),
        ("a.jpg: no longer found in the evidence", ErrorKind.UNREADABLE),
        ("a.jpg: changed since it was listed", ErrorKind.UNREADABLE),
        ("something nobody wrote a rule for", ErrorKind.OTHER),
        ("", ErrorKind.OTHER),
    ],
)
def test_a_message_has_its_kind(message: str, kind: ErrorKind) -> None:
    assert kind_of(message) is kind


def test_every_kind_has_a_distinct_lower_case_name() -> None:
    names = [k.value for k in ErrorKind]
    assert len(set(names)) == len(names) and all(n == n.lower() for n in names)
