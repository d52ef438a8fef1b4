"""A grid page's JSON data is ``dataclasses.asdict`` of it, made without the deep copy."""

from __future__ import annotations

from dataclasses import asdict

from genkend.hashes.grid import GridItem, MediaPage


def _item(media_id: int, file_name: str | None, error: str | None) -> GridItem:
    return GridItem(media_id, "image", "image/png", 10, 4, 3, "new", None, 2, file_name, error)


def test_as_dict_equals_asdict_and_shares_nothing_with_the_page() -> None:
    page = MediaPage([_item(1, "a.png", None), _item(7, None, "truncated")], 7)
    made = page.as_dict()
    assert made == asdict(page)
    made["items"][0]["id"] = 99
    assert page.items[0].id == 1
    assert MediaPage([], None).as_dict() == {"items": [], "next_after": None}
