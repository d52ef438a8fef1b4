"""Example arguments for the hashes, evidence and media services, by parameter name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

EXAMPLES: dict[str, Any] = {
    "media_id": lambda w: w.ids["media"],
    "file": lambda w: w.files / "known.txt",
    "name": lambda w: "known",
    "roots": lambda w: [w.files / "evidence"],
    "output": lambda w: Path(w.files / "export.json"),
}
