"""Smoke test of the web load benchmark's building blocks (web_workspace, load_clients).

Not the benchmark: 200 synthetic media, 4 real pictures, two clients for four rounds
between them, against the app in this process (no server, no concurrent ingest). It shows that
the workspace the benchmark builds serves every kind of request it times, that a real
ingest follows the synthetic rows' ids, and that the write check finds each search's
audit event and the ingest's every file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

import httpx2 as httpx
import pytest

from genkend.web import create_app
from genkend.workspace import open_workspace

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_benchmark_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    for key in [k for k in os.environ if k.startswith("GENKEND_") and k != "GENKEND_TEST_DATA"]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    import load_clients
    import web_workspace

    home, inputs = tmp_path / "ws", tmp_path / "inputs"
    options = argparse.Namespace(media=200, pictures=4, seed=3)
    made = web_workspace.prepare(home, inputs, None, options)
    assert len(made["picture_ids"]) == 4
    assert min(made["picture_ids"]) > 200  # the ingest's ids follow the synthetic rows
    assert web_workspace.prepare(home, inputs, None, options) == made  # kept for reuse
    since = web_workspace.last_seq(home, None)

    workspace = open_workspace(home, {})
    try:
        app = create_app(workspace)
        rounds = iter(range(4))
        plan = load_clients.Plan(
            base_url="https://testserver",
            case=web_workspace.CASE,
            tokens=list(made["tokens"].values())[:2],
            picture_ids=made["picture_ids"],
            probe=(inputs / "probe.png").read_bytes(),
            purpose=web_workspace.PURPOSE,
            legal_basis=web_workspace.LEGAL_BASIS,
            stop=lambda: next(rounds, None) is None,
            max_iterations=10,
            search_every=1,
            transport=httpx.ASGITransport(app=app),
        )
        tally = asyncio.run(load_clients.run_clients(plan))
    finally:
        workspace.close()

    figures = load_clients.summary(tally)
    assert tally.iterations == 4, tally.failures
    for kind in load_clients.KINDS:
        assert figures[kind]["requests"] == 4, (kind, tally.failures)
        assert figures[kind]["statuses"] == {"200": 4}, (kind, tally.failures)
    writes = web_workspace.check_writes(home, None, "pictures", 4, since, tally.search_seqs)
    assert writes["ingest_recorded"] == 4 and writes["ingest_status"] == "complete"
    assert writes["searches_answered"] == writes["search_events"] == 4
    assert not writes["searches_without_event"] and not writes["events_without_answer"]
