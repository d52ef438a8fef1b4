"""Example arguments for the governance services, by parameter name (see world.py)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, Any] = {}
