"""Locations: escaping that is exact, reversible and leaves ordinary names readable."""

from __future__ import annotations

import random

import pytest

from genkend.evidence import location

AWKWARD = [
    b"!",
    b"/",
    b"%",
    b"#",
    b"!/",
    b"%21",
    b"\\xff",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\n",
    b"\x1b[31m",
    b"\x7f",
    "\u0085".encode(),
    "Æ".encode(),
    b"a",
    b".zip",
    b" ",
    b"2",
]


def _awkward_names(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [b"".join(rng.choices(AWKWARD, k=rng.randint(0, 8))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(5))
def test_escaping_round_trips_and_hides_the_separator(seed: int) -> None:
    names = _awkward_names(400, seed)
    for raw in names:
        part, _ = location.escape(raw)
        assert location.raw_name(part) == raw
        assert "!" not in part and "#" not in part
        assert part.isprintable() or part == ""
        assert location.raw_name(location.numbered(part, 3)) == raw
        # joined under an archive, the member is found again as exactly one part
        assert location.split(location.member("a.zip", part)) == ["a.zip", part]
    distinct = set(names)
    assert len({location.escape(raw)[0] for raw in distinct}) == len(distinct)


def test_str_names_from_the_os_keep_their_undecodable_bytes() -> None:
    as_listed = b"c\xff".decode("utf-8", "surrogateescape")
    assert location.escape(as_listed) == ("c%FF", True)
    assert location.escape("c\\xff") == ("c\\xff", False)
    assert location.escape("c%FF") == ("c%25FF", False)
    assert location.raw_name(location.escape(as_listed)[0]) == b"c\xff"


def test_ordinary_names_stay_as_they_are() -> None:
    for name in ["DCIM/IMG_0001.jpg", "Æble og ørred.png", "照片.jpg", "a\\b.txt", "../x"]:
        assert location.escape(name) == (name, False)


def test_numbered_parts_never_equal_an_escaped_name() -> None:
    literal, _ = location.escape("a.jpg#2")
    assert literal == "a.jpg%232" != location.numbered("a.jpg", 2)
    assert location.contents("x.zip") == "x.zip!/"
