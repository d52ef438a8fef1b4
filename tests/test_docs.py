"""The generated references (CLI, settings) match the code; every command has help."""

import subprocess
import sys
from pathlib import Path

import typer

from genkend.cli import app

ROOT = Path(__file__).resolve().parents[1]


def test_generated_references_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_every_command_and_option_has_help() -> None:
    def walk(command: object, path: str) -> list[str]:
        missing = [] if getattr(command, "help", None) else [path]
        for param in getattr(command, "params", []):
            if param.name != "help" and not getattr(param, "help", None):
                missing.append(f"{path} {param.name}")
        ctx = typer.Context(command, info_name=path)  # type: ignore[arg-type]
        for name in getattr(command, "commands", {}) or {}:
            missing += walk(command.get_command(ctx, name), f"{path} {name}")  # type: ignore[attr-defined]
        return missing

    assert walk(typer.main.get_command(app), "genkend") == []
