"""The accuracy report of a face backend: one self-contained HTML file.

It states what the EU AI Act (Art. 13, 15) asks to be stated with a biometric system:
the backend (model and weights digest), the data and its failures to enrol, the protocol
and its seed, and the accuracy numbers, in tables, with the ROC, DET, distance and CMC
plots inlined as base64 PNG.

Invariants: every piece of text from the result is HTML-escaped; the page loads
nothing from anywhere (a Content-Security-Policy forbids it), so it can be archived
and opened offline.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from genkend import clock
from genkend.evaluate import EvaluationResult, Identification, Verification
from genkend.evaluate.result import ClusteringScores
from genkend.metrics import OperatingPoint, PrecisionRecall
from genkend.report import plots

__all__ = ["render_html", "write_html"]

_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { display: inline-block; margin: 0.5em; }
.note { color: #8a4b00; }
"""
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class _Number:
    """A number already formatted, shown right-aligned."""

    text: str


Cell = str | int | float | _Number | None


def write_html(result: EvaluationResult, path: str | Path) -> Path:
    """Write the report of ``result`` to ``path`` (UTF-8) and return the path."""
    target = Path(path)
    target.write_text(render_html(result), encoding="utf-8")
    return target


def render_html(result: EvaluationResult) -> str:
    """The report of ``result`` as one HTML document."""
    title = f"Accuracy of {result.backend}"
    body = [
        f"<h1>{escape(title)}</h1>",
        _overview(result),
        _data(result),
        _protocol(result),
        _verification(result.verification),
        _identification(result.identification),
        _clustering(result.clustering),
        _notes(result.notes),
        _not_enrolled(result),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body></html>\n"
    )


def _overview(result: EvaluationResult) -> str:
    rows: list[Sequence[Cell]] = [
        ("backend (model and weights digest)", result.backend),
        ("evaluated at (UTC)", clock.to_text(result.created_at)),
        ("genkend version", result.genkend_version),
        ("seed", result.protocol.seed),
        ("data", result.data.source),
    ]
    return _section("Summary", _table(("", ""), rows))


def _data(result: EvaluationResult) -> str:
    data = result.data
    rows: list[Sequence[Cell]] = [
        ("photos", data.photos),
        ("identities", data.identities),
        ("photos enrolled (one face each)", data.enrolled),
        ("identities with an enrolled photo", data.enrolled_identities),
        ("failures to enrol (no face found)", data.failed_to_enrol),
        ("failure-to-enrol rate (of readable photos)", _rate(data.failure_to_enrol_rate)),
        ("unreadable photos (not counted as failures to enrol)", data.unreadable),
        ("photos with more than one face found", data.several_faces),
    ]
    return _section("Data", _table(("", ""), rows))


def _protocol(result: EvaluationResult) -> str:
    protocol = result.protocol
    rows: list[Sequence[Cell]] = [
        ("seed", protocol.seed),
        ("largest side decoded (px)", protocol.max_side),
        ("genuine pairs", protocol.genuine_pairs),
        ("impostor pairs", protocol.impostor_pairs),
        ("impostor pairs possible", protocol.impostor_pairs_possible),
        ("gallery (one photo per identity)", protocol.gallery),
        ("mated probes", protocol.mated_probes),
        ("non-mated probes", protocol.nonmated_probes),
        ("clustering method", protocol.clustering_method or "not measured"),
    ]
    text = f"<p>{escape(protocol.description)}</p>"
    return _section("Protocol", text + _table(("", ""), rows))


def _verification(verification: Verification | None) -> str:
    if verification is None:
        return _section("1:1 verification", "<p>Not measured.</p>")
    accuracy = verification.accuracy
    rows = [_operating_row(point) for point in verification.at_fmr]
    table = _table(("target FMR", "threshold (max distance)", "FMR", "FNMR", "resolved"), rows)
    best = _table(
        ("best balanced accuracy", "threshold", "FMR", "FNMR"),
        [
            (
                _rate(accuracy.accuracy),
                _distance(accuracy.threshold),
                _rate(accuracy.fmr),
                _rate(accuracy.fnmr),
            )
        ],
    )
    figures = (
        _figure(plots.roc_png(verification), "ROC curve")
        + _figure(plots.det_png(verification), "DET curve")
        + _figure(plots.histogram_png(verification), "Genuine and impostor distances")
    )
    return _section("1:1 verification", table + best + figures)


def _identification(identification: Identification | None) -> str:
    if identification is None:
        return _section("1:N identification", "<p>Not measured.</p>")
    ranks = _table(
        ("rank", "mated probes with the mate at this rank or better"),
        [(r.rank, _rate(r.rate)) for r in identification.ranks],
    )
    fnir = _table(
        ("target FPIR", "threshold (max distance)", "FPIR", "FNIR", "resolved"),
        [_operating_row(point) for point in identification.at_fpir],
    )
    figure = _figure(plots.cmc_png(identification), "CMC curve")
    return _section("1:N identification", ranks + fnir + figure)


def _clustering(scores: ClusteringScores | None) -> str:
    if scores is None:
        return _section("Clustering", "<p>Not measured.</p>")

    def row(name: str, prf: PrecisionRecall) -> Sequence[Cell]:
        return (name, _rate(prf.precision), _rate(prf.recall), _rate(prf.f1))

    table = _table(
        ("measure", "precision", "recall", "F1"),
        [row("pairwise", scores.pairwise), row("BCubed", scores.bcubed)],
    )
    text = f"<p>{escape(scores.method)}: {scores.clusters} clusters.</p>"
    return _section("Clustering", text + table)


def _notes(notes: Iterable[str]) -> str:
    items = "".join(f"<li class='note'>{escape(note)}</li>" for note in notes)
    return _section("Notes", f"<ul>{items}</ul>") if items else ""


def _not_enrolled(result: EvaluationResult) -> str:
    missing = result.data.not_enrolled
    if not missing:
        return ""
    table = _table(("photo", "reason"), missing)
    return _section(
        "Photos not enrolled",
        f"<details><summary>{len(missing)} photos</summary>{table}</details>",
    )


def _operating_row(point: OperatingPoint) -> Sequence[Cell]:
    resolved = "yes" if point.resolvable else f"no (needs {1 / point.target:.0f} negatives)"
    return (
        _Number(f"{point.target:g}"),
        _distance(point.threshold),
        _rate(point.achieved),
        _rate(point.miss_rate),
        resolved,
    )


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>\n{body}</section>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    lines = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


def _cell(value: Cell) -> str:
    if isinstance(value, _Number):
        return f"<td class='n'>{escape(value.text)}</td>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"<td class='n'>{escape(str(value))}</td>"
    return f"<td>{escape('' if value is None else str(value))}</td>"


def _figure(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f"<figure><img src='data:image/png;base64,{data}' alt='{escape(caption)}'>"
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _rate(value: float) -> _Number:
    # Small rates keep their significant digits: 8e-05 must not print as 0.0001.
    return _Number(f"{value:.4f}" if value == 0 or value >= 1e-3 else f"{value:.2e}")


def _distance(value: float) -> _Number:
    return _Number(f"{value:.4f}")
