"""The package's shape, checked: the areas DESIGN names, no import cycles, thin shells.

The layer contract itself (cli/web -> services -> domain -> store -> shared core;
sqlalchemy only in ``store/``) is import-linter's, run by ``make lint`` (pyproject
``[tool.importlinter]``). What it cannot say is checked here: the top of the package
holds only the shared core, no two modules import each other (directly or round a
loop), no two areas do, and the CLI holds no access rule, audit write or transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp
import pytest

import genkend

PACKAGE = Path(genkend.__file__).parent
SHARED_CORE = {"__init__", "__main__", "clock", "errors", "records", "settings", "workspace"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("genkend", exclude_type_checking_imports=False, cache_dir=None)


def _cycle(graph: grimp.ImportGraph, name: Callable[[str], str]) -> list[str] | None:
    """One import loop between the names ``name`` gives the modules, or None."""
    imports: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if name(module) != name(imported):
                imports.setdefault(name(module), set()).add(name(imported))
    try:
        TopologicalSorter(imports).prepare()
    except CycleError as loop:
        return list(loop.args[1])
    return None


def _area(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_only_the_shared_core_sits_at_the_top_of_the_package() -> None:
    flat = {p.stem for p in PACKAGE.glob("*.py")} - SHARED_CORE
    assert not flat, f"move into an area folder (DESIGN 'Layout'): {sorted(flat)}"


def test_no_module_import_cycle(graph: grimp.ImportGraph) -> None:
    assert _cycle(graph, str) is None


def test_no_import_cycle_between_areas() -> None:
    # Imports that run: a TYPE_CHECKING import between two areas makes no loop.
    runtime = grimp.build_graph("genkend", exclude_type_checking_imports=True, cache_dir=None)
    assert _cycle(runtime, _area) is None


# What a shell never does itself: decide access, write audit events, open transactions.
SHELL_ONLY_RENDERS = re.compile(
    r"\.need\(|\.oversee\(|\.manage_members\(|access\.(require|deny|check)|"
    r"audit\.record|\.begin\(\)|\.read\(\)|\bconn\b"
)


@pytest.mark.parametrize("path", sorted((PACKAGE / "cli").glob("*.py")), ids=lambda p: p.name)
def test_the_cli_only_parses_calls_a_service_and_renders(path: Path) -> None:
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if SHELL_ONLY_RENDERS.search(line)
    ]
    assert not hits, "\n".join(hits)
