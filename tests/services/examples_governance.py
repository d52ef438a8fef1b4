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
    "authority": lambda w: "Court Y",
    "reference": lambda w: "R-2",
    "valid_until": lambda w: "2099-12-31",
    "auth_id": lambda w: w.ids["authorisation"],
    "start": lambda w: "2026-01-01",
    "end": lambda w: "2099-12-31",
    "reason": lambda w: "retention period ended",
    "session_token": lambda w: "not-a-session",
    "code": lambda w: "123456",
    "role": lambda w: "reviewer",
    "required": lambda w: True,
    "token_id": lambda w: 1,
    "passphrase": lambda w: lambda: "correct horse battery staple",
    "key_passphrase": lambda w: "correct horse battery staple",
    "key_file": lambda w: w.files / "partner.pem",
    "files": lambda w: [w.files / "checkpoint.json"],
}
