"""Ingest throughput without faces, against the floor of reading and hashing every file.

    .venv/bin/python benchmarks/bench_ingest.py --photos 2000          # 12 MP phone JPEGs
    .venv/bin/python benchmarks/bench_ingest.py --small 100000         # memory on many files

The floor is what `md5sum`, `sha1sum` and `sha256sum` take over the same files, run one
after the other (each reads and hashes every byte once); genkend computes all three
digests plus decode and PDQ in one pass per file. Both run with a warm page cache (a
first pass reads every file). Peak memory is the largest sum of RSS over genkend's
process tree, sampled every 50 ms. Inputs are generated once under benchmarks/out/ and
reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
GENKEND = [sys.executable, "-m", "genkend"]


def machine() -> str:
    cpu = "unknown cpu"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = psutil.virtual_memory().total / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def floor_seconds(files: list[Path]) -> dict[str, float]:
    times = {}
    for tool in ("md5sum", "sha1sum", "sha256sum"):
        started = time.perf_counter()
        for start in range(0, len(files), 500):
            subprocess.run(
                [tool, *map(str, files[start : start + 500])], check=True, stdout=subprocess.DEVNULL
            )
        times[tool] = time.perf_counter() - started
    return times


class PeakRss:
    """Samples the RSS of a process and all its children until stopped."""

    def __init__(self, pid: int) -> None:
        self.root, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_ingest(evidence: Path, workers: int) -> tuple[float, int, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "ws"
        base = [*GENKEND, "--home", str(home), "--user", "bench"]
        subprocess.run(
            [*base, "user", "add", "bench", "--role", "admin", "--role", "investigator"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [*base, "case", "create", "BENCH", "--title", "bench"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                *base,
                "ingest",
                str(evidence),
                "--case",
                "BENCH",
                "--no-faces",
                "--workers",
                str(workers),
                "--json",
            ],
            stdout=subprocess.PIPE,
        )
        sampler = PeakRss(proc.pid)
        out, _ = proc.communicate()
        wall = time.perf_counter() - started
        peak = sampler.stop()
        if proc.returncode:
            raise SystemExit(f"ingest failed with {proc.returncode}")
        return wall, peak, json.loads(out)[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=0, help="12 MP JPEGs to ingest")
    parser.add_argument("--small", type=int, default=0, help="small files to ingest")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from genkend.demo import generate_phone_photos, generate_small_files

    if args.photos:
        evidence = HERE / "out" / f"phone-{args.photos}-seed{args.seed}"
        if not evidence.exists():
            generate_phone_photos(evidence, args.photos, args.seed)
        label = f"{args.photos} phone photos (4032x3024 JPEG)"
    elif args.small:
        evidence = HERE / "out" / f"small-{args.small}-seed{args.seed}"
        if not evidence.exists():
            generate_small_files(evidence, args.small, args.seed)
        label = f"{args.small} small files"
    else:
        parser.error("give --photos N or --small N")
    files = files_under(evidence)
    total_mb = sum(p.stat().st_size for p in files) / 2**20
    floor_seconds(files)  # warm the page cache
    floor = floor_seconds(files)
    wall, peak, summary = run_ingest(evidence, args.workers)
    floor_total = sum(floor.values())
    print(f"## Ingest without faces: {label}\n")
    print(f"- machine: {machine()}")
    print(
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`; seed {args.seed}; "
        f"workers {args.workers}\n"
    )
    print("| measure | value |\n|---|---|")
    print(f"| files | {len(files)} ({total_mb:.0f} MB) |")
    print(f"| genkend wall time | {wall:.1f} s |")
    print(f"| genkend files/s | {len(files) / wall:.1f} |")
    print(f"| genkend MB/s | {total_mb / wall:.1f} |")
    print(f"| genkend peak memory (process tree RSS) | {peak / 2**20:.0f} MiB |")
    for tool, seconds in floor.items():
        print(f"| {tool} | {seconds:.1f} s |")
    print(f"| floor (md5sum + sha1sum + sha256sum) | {floor_total:.1f} s |")
    print(f"| genkend / floor | {wall / floor_total:.2f} |")
    print(f"| errors recorded | {summary['errors']} |")


if __name__ == "__main__":
    main()
