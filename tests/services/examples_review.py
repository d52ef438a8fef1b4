"""Example arguments for the search, review and evaluation services, by parameter name."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, Any] = {}
