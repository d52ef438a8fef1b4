"""Pictures for reviewers, the grid and dashboard services, and the exposure counter,
on the refusal test's world (case C1: two pictures with faces, ingested by the CLI).

Pictures are blurred and greyscale unless revealed; a reveal writes exactly one audit
event, and a revealed picture is shown only for a recent reveal of the caller's, of that
item; another case's media is refused by the gate with no reveal; evidence changed on
disk is a clear error; the exposure counter counts only the caller's reveals of today.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops
from sqlalchemy import text

from genkend.cli import main
from genkend.clock import utc_now
from genkend.errors import EvidenceError, InvalidField, PermissionDenied
from genkend.records import Actor
from genkend.services import dashboard, faces, media, welfare
from genkend.services.session import Session
from genkend.workspace import Workspace, open_workspace

from .world import CASE, REVIEWER, TESTER, World, build_world


@pytest.fixture(scope="module")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("pictures"))


@pytest.fixture
def world(world_template: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    home, files = tmp_path / "ws", tmp_path / "files"
    shutil.copytree(world_template.home, home)
    shutil.copytree(world_template.files, files)
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    moved = world_template.moved(home, files)
    # the evidence moved with the copy: point the sources at it
    with _workspace(moved, TESTER) as ws, ws.store.begin() as conn:
        conn.execute(text("UPDATE evidence_sources SET root = :r"), {"r": str(files / "evidence")})
    return moved


class _workspace:
    def __init__(self, world: World, user: str, **flags: object) -> None:
        self.ws = open_workspace(world.home, {"user": user, **flags})

    def __enter__(self) -> Workspace:
        return self.ws

    def __exit__(self, *exc: object) -> None:
        self.ws.close()


@pytest.fixture
def sessions(world: World) -> Iterator[dict[str, Session]]:
    ws = open_workspace(world.home, {"user": TESTER, "welfare_break_after": 2})
    try:
        yield {name: Session(ws, Actor(name, "test-host")) for name in (TESTER, REVIEWER)}
    finally:
        ws.close()


def _events(session: Session, action: str) -> list[tuple[str, str]]:
    with session.store.read() as conn:
        rows = conn.execute(
            text("SELECT actor, subject FROM audit_events WHERE action = :a ORDER BY seq"),
            {"a": action},
        )
        return [(r.actor, r.subject) for r in rows]


def _revealed(session: Session, media_id: int, max_side: int = 256) -> bytes:
    """The two steps of a reveal: the audited ``reveal``, then the picture it allows."""
    granted = media.reveal(session, media_id, max_side=max_side)
    shown = media.picture(session, media_id, "revealed", max_side, reveal=granted.reveal)
    return shown.data


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and not image.info.get("exif")
    return image


def test_a_picture_is_blurred_and_grey_until_revealed(world: World, sessions: dict) -> None:
    rev = sessions[REVIEWER]
    media_id = world.ids["media"]
    blurred = media.picture(rev, media_id)
    assert _events(rev, "media.reveal") == []
    revealed = _revealed(rev, media_id)
    assert _events(rev, "media.reveal") == [(REVIEWER, f"case:{CASE}")]
    grey, real = _image(blurred.data), _image(revealed)
    assert grey.mode == "L" and real.mode == "RGB"
    assert grey.size == real.size and max(real.size) == 256
    difference = ImageChops.difference(grey.convert("RGB"), real).getbbox()
    assert difference is not None
    # strongly blurred: no sharp edge is left (the real picture has faces drawn on it)
    assert _sharpest_step(grey) < 8 < 50 < _sharpest_step(real.convert("L"))


def _sharpest_step(image: Image.Image) -> int:
    """The largest difference between two neighbouring pixels of a row or a column."""
    pixels = np.asarray(image, dtype=np.int16)
    return int(max(np.abs(np.diff(pixels, axis=0)).max(), np.abs(np.diff(pixels, axis=1)).max()))


def test_bad_view_or_size_is_refused_without_an_event(world: World, sessions: dict) -> None:
    rev = sessions[REVIEWER]
    for bad in ({"view": "raw"}, {"max_side": 31}, {"max_side": 1025}):
        with pytest.raises(InvalidField):
            media.picture(rev, world.ids["media"], **{"view": "revealed", **bad})
    for size in (31, 1025):
        with pytest.raises(InvalidField):
            media.reveal(rev, world.ids["media"], max_side=size)
    assert _events(rev, "media.reveal") == []


def test_a_revealed_picture_needs_a_recent_reveal_of_the_callers_own(
    world: World, sessions: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    rev, tester = sessions[REVIEWER], sessions[TESTER]
    media_id = world.ids["media"]
    other = next(i.id for i in media.grid(tester, CASE).items if i.id != media_id)
    with pytest.raises(PermissionDenied, match="needs its reveal first"):
        media.picture(rev, media_id, view="revealed")
    assert _events(rev, "access.denied")[-1][0] == REVIEWER
    granted = media.reveal(tester, media_id, max_side=128)
    assert _events(rev, "media.reveal") == [(TESTER, f"case:{CASE}")]
    refused = [
        (rev, media_id, 128, granted.reveal),  # another account's reveal
        (tester, other, 128, granted.reveal),  # of another item
        (tester, media_id, 256, granted.reveal),  # larger than revealed
        (tester, media_id, 128, 1),  # not a reveal at all
        (tester, media_id, 128, 10**9),  # no such event
    ]
    for session, item, size, seq in refused:
        with pytest.raises(PermissionDenied):
            media.picture(session, item, "revealed", size, reveal=seq)
    shown = media.picture(tester, media_id, "revealed", 128, reveal=granted.reveal)
    assert _image(shown.data).mode == "RGB"
    later = utc_now() + timedelta(seconds=media.REVEAL_SECONDS + 1)
    monkeypatch.setattr(media, "utc_now", lambda: later)
    with pytest.raises(PermissionDenied, match="reveal again"):
        media.picture(tester, media_id, "revealed", 128, reveal=granted.reveal)
    assert len(_events(rev, "media.reveal")) == 1  # fetching writes no reveal


def test_another_cases_media_is_refused_with_no_reveal(world: World, sessions: dict) -> None:
    other = world.files / "other"
    other.mkdir()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(other / "c.png")
    home = ["--home", str(world.home), "--user", TESTER]
    assert main([*home, "case", "create", "C2", "--title", "other"]) == 0
    assert main([*home, "ingest", str(other), "--case", "C2", "--workers", "0"]) == 0
    tester = sessions[TESTER]
    [c2_item] = media.grid(tester, "C2").items
    with pytest.raises(PermissionDenied):
        media.picture(sessions[REVIEWER], c2_item.id, view="revealed")
    with pytest.raises(PermissionDenied):
        media.reveal(sessions[REVIEWER], c2_item.id)
    assert _events(tester, "media.reveal") == []
    assert _events(tester, "access.denied")[-1][0] == REVIEWER


def test_evidence_changed_on_disk_is_a_clear_error(world: World, sessions: dict) -> None:
    path = world.files / "evidence" / "a.png"
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF  # same size, other content
    path.write_bytes(bytes(data))
    with pytest.raises(EvidenceError, match="evidence changed since ingest"):
        media.picture(sessions[REVIEWER], _media_of(sessions, "a.png"))
    assert _events(sessions[REVIEWER], "media.reveal") == []


def _media_of(sessions: dict, name: str) -> int:
    page = media.grid(sessions[TESTER], CASE)
    return next(item.id for item in page.items if item.file_name == name)


def test_a_face_picture_is_blurred_until_revealed(sessions: dict) -> None:
    rev = sessions[REVIEWER]
    blurred = faces.face_picture(rev, 1)
    revealed = faces.face_picture(rev, 1, view="revealed")
    assert _image(blurred.data).mode == "L" and _image(revealed.data).mode == "RGB"
    assert _events(rev, "face.reveal") == [(REVIEWER, f"case:{CASE}")]


def test_exposure_counts_only_the_callers_reveals_of_today(
    world: World, sessions: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    rev, tester = sessions[REVIEWER], sessions[TESTER]
    _revealed(tester, world.ids["media"])
    _revealed(rev, world.ids["media"])
    assert welfare.exposure(rev).break_due is False
    faces.face_picture(rev, 1, view="revealed")
    media.picture(rev, world.ids["media"])  # blurred: not a reveal
    seen = welfare.exposure(rev)
    assert (seen.account, seen.reveals, seen.since_break) == (REVIEWER, 2, 2)
    assert seen.first_reveal is not None and seen.first_reveal < str(seen.last_reveal)
    assert seen.break_after == 2 and seen.break_due is True
    rested = welfare.take_break(rev)
    assert (rested.reveals, rested.since_break, rested.break_due) == (2, 0, False)
    assert welfare.exposure(tester).reveals == 1
    tomorrow = utc_now() + timedelta(days=1)
    monkeypatch.setattr(welfare, "utc_now", lambda: tomorrow)
    assert welfare.exposure(rev).reveals == 0


def test_grid_and_dashboard_of_the_world(sessions: dict) -> None:
    tester = sessions[TESTER]
    page = media.grid(tester, CASE, filter="has_faces", limit=1)
    assert len(page.items) == 1 and page.next_after == page.items[0].id
    rest = media.grid(tester, CASE, filter="has_faces", after=page.next_after)
    assert len(rest.items) == 1 and rest.next_after is None
    assert {i.faces for i in page.items + rest.items} == {1, 2}
    with pytest.raises(InvalidField):
        media.grid(tester, CASE, filter="bogus")
    board = dashboard.dashboard(tester, CASE)
    assert (board.media, board.new, board.with_faces, board.faces) == (2, 2, 2, 3)
    assert board.clusters >= 1
    [run] = board.runs
    assert (run.status, run.items, run.errors, run.kind) == ("done", 2, 0, "folder")
    assert run.finished is not None


def test_a_picture_inside_an_archive_is_read_back_from_it(world: World, sessions: dict) -> None:
    packed = world.files / "packed"
    packed.mkdir()
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 30, 30)).save(buf, "PNG")
    with zipfile.ZipFile(packed / "photos.zip", "w") as archive:
        archive.writestr("holiday/inner.png", buf.getvalue())
    home = ["--home", str(world.home), "--user", TESTER]
    assert main([*home, "ingest", str(packed), "--case", CASE, "--workers", "0"]) == 0
    item = next(i for i in media.grid(sessions[TESTER], CASE).items if i.file_name == "inner.png")
    shown = _image(_revealed(sessions[REVIEWER], item.id, max_side=64))
    assert max(shown.size) == 64 and shown.getpixel((32, 20))[0] > 150  # the red picture
