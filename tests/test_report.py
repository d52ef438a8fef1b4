"""The HTML accuracy report, parsed back: its tables, its images, and its escaping."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genkend.evaluate import EnrolledPhoto, Enrolment, EvaluationResult, evaluate
from genkend.report import render_html, write_html

HOSTILE = "<script>alert(1)</script>"


class _Page(HTMLParser):
    """Collects tags, table cells (per table) and image sources of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(dict(attrs)["src"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def row(self, first_cell: str) -> list[str]:
        for table in self.tables:
            for row in table:
                if row and row[0] == first_cell:
                    return row
        raise AssertionError(f"no table row starts with {first_cell!r}")


def _enrolment() -> Enrolment:
    """Synthetic embeddings: 12 identities (10 with 4 photos, 2 with 1) and 2 failures."""
    rng = np.random.default_rng(11)
    centres = rng.normal(size=(12, 8))
    photos: list[EnrolledPhoto] = []
    rows = []
    for identity in range(12):
        for k in range(4 if identity < 10 else 1):
            photos.append(EnrolledPhoto(f"id{identity}/{k}.jpg", f"id{identity}", 1, (0, 0, 9, 9)))
            rows.append(centres[identity] + rng.normal(scale=0.3, size=8))
    photos.append(EnrolledPhoto(f"id0/{HOSTILE}.jpg", "id0", 0, None))
    photos.append(EnrolledPhoto("id1/bad.jpg", "id1", 0, None, error=f"broken {HOSTILE}"))
    return Enrolment(
        backend=f"fake:<b>{HOSTILE}</b>",
        source="/data/set & more",
        max_side=512,
        photos=tuple(photos),
        embeddings=np.array(rows, dtype=np.float32),
    )


@pytest.fixture(scope="module")
def result() -> EvaluationResult:
    return evaluate(_enrolment(), seed=9)


@pytest.fixture(scope="module")
def html(result: EvaluationResult) -> str:
    rendered: str = render_html(result)
    return rendered


@pytest.fixture(scope="module")
def page(html: str) -> _Page:
    parsed = _Page()
    parsed.feed(html)
    return parsed


def test_report_states_backend_data_protocol_and_seed(
    result: EvaluationResult, page: _Page
) -> None:
    assert page.row("backend (model and weights digest)")[1] == result.backend
    assert page.row("data")[1] == "/data/set & more"
    assert page.row("seed")[1] == "9"
    assert page.row("photos")[1] == "44"
    assert page.row("failures to enrol (no face found)")[1] == "1"
    assert page.row("unreadable photos (not counted as failures to enrol)")[1] == "1"
    assert page.row("genuine pairs")[1] == str(10 * 6)
    assert page.row("mated probes")[1] == "30"
    assert any("default_rng(9)" in text for text in page.text)


def test_report_tables_carry_the_numbers(result: EvaluationResult, page: _Page) -> None:
    assert result.verification is not None and result.identification is not None
    fnmr_row = page.row("0.001")
    assert fnmr_row[3] == f"{result.verification.at_fmr[1].miss_rate:.4f}"
    assert page.row("1")[1] == f"{result.identification.ranks[0].rate:.4f}"
    assert page.row("0.003")[3] == f"{result.identification.at_fpir[1].miss_rate:.4f}"
    assert result.clustering is not None
    assert page.row("BCubed")[3] == f"{result.clustering.bcubed.f1:.4f}"
    assert len(page.row("pairwise")) == 4


def test_report_inlines_four_png_plots(page: _Page) -> None:
    assert len(page.images) == 4
    for source in page.images:
        assert source.startswith("data:image/png;base64,")
        with Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))) as image:
            assert image.format == "PNG"
            assert image.width > 100 and image.height > 100


def test_report_escapes_all_text(html: str, page: _Page) -> None:
    assert "script" not in page.tags and "b" not in page.tags
    assert HOSTILE not in html
    assert any(HOSTILE in text for text in page.text)  # shown, as text
    assert "&amp; more" in html


def test_report_loads_nothing_from_outside(html: str) -> None:
    assert "Content-Security-Policy" in html
    assert "http://" not in html and "https://" not in html


def test_write_html_writes_the_page(result: EvaluationResult, html: str, tmp_path: Path) -> None:
    path = write_html(result, tmp_path / "report.html")
    # Plots carry no time stamp, so two renderings of one result are the same bytes.
    assert path.read_text(encoding="utf-8") == html


def test_report_without_measurements_says_so() -> None:
    lonely = Enrolment(
        backend="fake:x",
        source="tiny",
        max_side=64,
        photos=(EnrolledPhoto("a/1.jpg", "a", 1, (0, 0, 2, 2)),),
        embeddings=np.zeros((1, 4), dtype=np.float32),
    )
    parsed = _Page()
    parsed.feed(render_html(evaluate(lonely, seed=0, clustering=False)))
    assert parsed.images == []
    assert sum(text == "Not measured." for text in parsed.text) == 3
