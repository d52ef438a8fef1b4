"""Example arguments for the faces, clusters and gallery services, by parameter name
(see world.py); ``purpose``, ``legal_basis`` and ``folder`` come from examples_review."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, Any] = {
    "output": lambda w: w.files / "faces.npz",
    "cluster_id": lambda w: w.ids["cluster"],
    "keep": lambda w: w.ids["cluster"],
    "other": lambda w: w.ids["cluster"] + 1,
    "face_ids": lambda w: [1],
    "face_id": lambda w: 1,
    "images": lambda w: [w.files / "enrol.png"],
}
