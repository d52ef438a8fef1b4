"""Reports for people: the accuracy report of a face backend (HTML with inline plots),
and the oversight usage report's page (``report.usage``).

``write_html(result, path)`` writes the report of an ``EvaluationResult``
(``genkend.evaluate``); ``render_html`` returns it as text. Plots (``report.plots``)
are drawn with matplotlib.

Invariant: a report is one self-contained file that loads nothing from anywhere.
"""

from genkend.report.evaluation import render_html, write_html

__all__ = ["render_html", "write_html"]
