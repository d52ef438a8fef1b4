"""Example arguments for the search, review and evaluation services, by parameter name."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, Any] = {
    "image": lambda w: w.files / "probe.png",
    "purpose": lambda w: "identify victim",
    "legal_basis": lambda w: "warrant 1/2026",
    "folder": lambda w: w.files / "evidence",
    "candidate_id": lambda w: w.ids["candidate"],
    "gallery_face_id": lambda w: 1,  # the face of Known-Bob, whom the candidate proposes
    "outcome": lambda w: "potential_candidate",
    "note": lambda w: "same scar on the left cheek",
}
