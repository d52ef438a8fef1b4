"""Example arguments for the governance services, by parameter name (see world.py)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, Any] = {
    "new_case_id": lambda w: "C2",
    "title": lambda w: "a second case",
    "account": lambda w: "rev",
    "name": lambda w: "rev",
    "roles": lambda w: ["reviewer"],
    "password": lambda w: lambda: "correct horse battery staple",
    "label": lambda w: "scripts",
}
