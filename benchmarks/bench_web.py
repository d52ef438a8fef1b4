"""Load benchmark of the web application: 20 concurrent clients on a 100,000-media case.

Run on demand, never as part of the test suite:

    PYTHONPATH=src .venv/bin/python benchmarks/bench_web.py                    # SQLite
    PYTHONPATH=src .venv/bin/python benchmarks/bench_web.py --start-postgres   # PostgreSQL
    PYTHONPATH=src .venv/bin/python benchmarks/bench_web.py --db postgresql://...

Builds a workspace (``web_workspace``; or reuses the one an earlier run built at
``--home``) with one case of ``--media`` synthetic media rows written through the store
(``synthetic_case``, the grid benchmark's builder), plus ``--pictures`` small real
pictures with faces ingested through the CLI with the fake face backend (so media
detail, pictures and the gallery search have something real), a gallery identity, an
authorisation, and analyst accounts with API tokens. Then starts ``genkend serve`` in a
subprocess on a free loopback port (``GENKEND_FACE_BACKEND=fake``), and runs
``--clients`` concurrent clients (``load_clients``) while ``genkend ingest`` records
``--ingest`` small generated files into the same case from another process. The clients
run ``--duration`` seconds and at least until the ingest ends (at most ``--timeout``).

At the end it checks that no write was lost: the ingest exited 0 and its every file is
a recorded location; every gallery search that answered 200 has its audit event, and
there are no other search events in the window; no answer was a 5xx. Prints a table
(p50/p99 per kind of request) and writes the figures as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import load_clients  # beside this script: running it puts its folder on the path
import postgres_server
from load_clients import Plan
from web_workspace import ADMIN, CASE, LEGAL_BASIS, PURPOSE, check_writes, last_seq, prepare

from genkend.demo import generate_small_files


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _genkend(home: Path, db: str | None, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "genkend",
        "--home",
        str(home),
        "--user",
        ADMIN,
        *(["--db", db] if db else []),
        *args,
    ]


def start_server(
    home: Path, db: str | None, log: Path, token: str
) -> tuple[subprocess.Popen[bytes], str]:
    """``genkend serve`` on a free loopback port, once it answers an authenticated request."""
    port = _free_port()
    env = {**os.environ, "GENKEND_FACE_BACKEND": "fake"}
    with log.open("wb") as out:
        server = subprocess.Popen(
            _genkend(home, db, "serve", "--port", str(port)),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"genkend serve exited with {server.returncode}: see {log}")
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            if answer.status_code == 200:
                return server, base
        time.sleep(0.2)  # a process of its own: no event to wait on but its port
    server.terminate()
    raise SystemExit(f"genkend serve did not answer within 120 s: see {log}")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _ingest_files(inputs: Path, count: int, seed: int) -> Path:
    """New files for each run on a workspace (a seed of their own), so that the ingest
    records new media, not new locations of the last run's."""
    runs = len(list(inputs.glob("ingest-*")))
    folder = inputs / f"ingest-{count}-seed{seed + runs}"
    generate_small_files(folder, count, seed + runs)
    return folder


class Ingest:
    """``genkend ingest`` of the generated files in a process of its own, and when it ended."""

    def __init__(self, cmd: list[str]) -> None:
        env = {**os.environ, "GENKEND_FACE_BACKEND": "fake"}
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.ended: float | None = None
        self.out = self.err = b""
        self._waiter = threading.Thread(target=self._wait, daemon=True)
        self._waiter.start()

    def _wait(self) -> None:
        self.out, self.err = self.process.communicate()
        self.ended = time.monotonic()

    def finish(self, limit: float) -> None:
        """Waits for the ingest until ``limit`` (monotonic); stops it past that."""
        self._waiter.join(max(0.0, limit - time.monotonic()))
        if self.ended is None:
            self.process.kill()
            self._waiter.join()


def run(args: argparse.Namespace, home: Path, inputs: Path, db: str | None) -> dict[str, Any]:
    made = prepare(home, inputs, db, args)
    folder = _ingest_files(inputs, args.ingest, args.seed)
    tokens = list(made["tokens"].values())
    since = last_seq(home, db)
    server, base = start_server(home, db, inputs / "server.log", tokens[0])
    source_id = f"load-{int(time.time())}"
    try:
        ingest = Ingest(
            _genkend(
                home,
                db,
                "ingest",
                str(folder),
                "--case",
                CASE,
                "--source-id",
                source_id,
                "--workers",
                str(args.ingest_workers),
                "--json",
            )
        )
        started = ingest.started
        limit = started + args.timeout

        def stop() -> bool:
            now = time.monotonic()
            return now > limit or (now > started + args.duration and ingest.ended is not None)

        plan = Plan(
            base_url=base,
            case=CASE,
            tokens=[tokens[n % len(tokens)] for n in range(args.clients)],
            picture_ids=made["picture_ids"],
            probe=(inputs / "probe.png").read_bytes(),
            purpose=PURPOSE,
            legal_basis=LEGAL_BASIS,
            stop=stop,
            max_iterations=args.max_iterations,
            think=args.think,
            search_every=args.search_every,
            seed=args.seed,
        )
        cpu_before = _cpu_seconds(server.pid)
        tally = asyncio.run(load_clients.run_clients(plan))
        clients_s = time.monotonic() - started
        server_cpu = _cpu_seconds(server.pid) - cpu_before
        ingest.finish(limit)
    finally:
        _stop(server)
    writes = check_writes(home, db, source_id, args.ingest, since, tally.search_seqs)
    writes["ingest_rc"] = ingest.process.returncode
    writes["ingest_folder"] = folder.name
    if ingest.process.returncode != 0:
        writes["ingest_stderr"] = ingest.err.decode(errors="replace")[-2000:]
    return {
        "built": {k: v for k, v in made.items() if k != "tokens"},
        "clients_s": round(clients_s, 1),
        "ingest_s": round((ingest.ended or time.monotonic()) - started, 1),
        "iterations": tally.iterations,
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(
            1000 * server_cpu / max(1, sum(len(t) for t in tally.latencies.values())), 1
        ),
        "kinds": load_clients.summary(tally),
        "failures": tally.failures,
        "writes": writes,
        "ingest_summary": _json_or_text(ingest.out),
    }


def _json_or_text(data: bytes) -> Any:
    text = data.decode(errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text[-2000:]


def verdict(result: dict[str, Any]) -> dict[str, bool]:
    kinds, writes = result["kinds"], result["writes"]
    return {
        "grid p99 < 300 ms": kinds["grid"]["p99_ms"] < 300,
        "zero errors": all(k["errors"] == 0 for k in kinds.values()),
        "zero 5xx": all(k["5xx"] == 0 for k in kinds.values()),
        "no lost writes": writes["ingest_rc"] == 0
        and writes["ingest_recorded"] == writes["ingest_files"]
        and not writes["searches_without_event"]
        and not writes["events_without_answer"],
    }


def _new_media(summary: Any) -> str:
    if isinstance(summary, list) and summary and isinstance(summary[0], dict):
        return f"{summary[0].get('new_media', '?'):,}"
    return "?"


def report(result: dict[str, Any], args: argparse.Namespace, store: str) -> str:
    writes = result["writes"]
    lines = [
        f"Command: `{shlex.join(['benchmarks/bench_web.py', *sys.argv[1:]])}`, seed {args.seed}",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; "
        f"Python {platform.python_version()}; store {store}",
        f"Case: {result['built']['media']:,} synthetic media + "
        f"{len(result['built']['picture_ids'])} real pictures; {args.clients} clients for "
        f"{result['clients_s']} s ({result['iterations']:,} iterations, think time "
        f"{args.think} s); server CPU {result['server_cpu_s']} s, "
        f"{result['server_cpu_ms_per_request']} ms a request; ingest of "
        f"{args.ingest:,} small files meanwhile took {result['ingest_s']} s",
        "",
        "| request | count | p50 ms | p99 ms | max ms | errors | 5xx |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {kind} | {k['requests']:,} | {k['p50_ms']} | {k['p99_ms']} | {k['max_ms']} "
            f"| {k['errors']} | {k['5xx']} |"
            for kind, k in result["kinds"].items()
        ),
        "",
        f"Writes: ingest exit {writes['ingest_rc']}, {writes['ingest_recorded']:,} of "
        f"{writes['ingest_files']:,} files recorded (source {writes['ingest_status']}, "
        f"{_new_media(result['ingest_summary'])} new media); "
        f"{writes['searches_answered']} searches answered, {writes['search_events']} search "
        f"events, {len(writes['searches_without_event'])} answered without an event, "
        f"{len(writes['events_without_answer'])} events without an answer",
        "Targets: "
        + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in result["verdict"].items()),
    ]
    if result["failures"]:
        lines += ["", "First failures:", *(f"- {f}" for f in result["failures"][:10])]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--media", type=int, default=100_000)
    parser.add_argument("--pictures", type=int, default=300, help="real pictures with faces")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120, help="seconds, at least")
    parser.add_argument("--timeout", type=float, default=900, help="seconds, at most")
    parser.add_argument("--max-iterations", type=int, default=100_000, help="per client")
    parser.add_argument("--search-every", type=int, default=10, help="iterations")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between iterations (0: none)"
    )
    parser.add_argument("--ingest", type=int, default=3000, help="small files ingested meanwhile")
    parser.add_argument("--ingest-workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--db", help="a PostgreSQL URL (an empty database); default SQLite")
    parser.add_argument(
        "--start-postgres",
        action="store_true",
        help="start a private PostgreSQL server for the run",
    )
    parser.add_argument("--home", type=Path, help="workspace to build, or reuse if built")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    os.environ["GENKEND_FACE_BACKEND"] = "fake"  # this process's ingest and enrolment
    if (
        args.start_postgres
        and args.home
        and (args.home.parent / f"{args.home.name}-inputs").exists()
    ):
        parser.error("--start-postgres builds a new workspace: give a new --home")
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-web-")))
        db = args.db
        if args.start_postgres:
            db = stack.enter_context(postgres_server.postgres())
        home = args.home or tmp / "ws"
        inputs = home.parent / f"{home.name}-inputs"
        result = run(args, home, inputs, db)
    store = "PostgreSQL" if db else "SQLite " + __import__("sqlite3").sqlite_version
    result["verdict"] = verdict(result)
    text = report(result, args, store)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        result["command"] = shlex.join(["benchmarks/bench_web.py", *sys.argv[1:]])
        result["store"] = store
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    raise SystemExit(0 if all(result["verdict"].values()) else 1)


if __name__ == "__main__":
    main()
