"""Example arguments for the hashes, evidence and media services, by parameter name."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, Any] = {
    "media_id": lambda w: w.ids["media"],
    "file": lambda w: w.files / "known.txt",
    "roots": lambda w: [w.files / "evidence"],
    "source": lambda w: "evidence",
}
