"""Benchmark of genkend.index at gallery scale: build time, latency, recall, memory.

Run on demand, never as part of the test suite:

    .venv/bin/python benchmarks/bench_search.py            # 1M float + 1M PDQ
    .venv/bin/python benchmarks/bench_search.py --n 100000 --binary-n 100000   # quick

Float part: a seeded synthetic gallery of clustered, L2-normalised 128-d float32
embeddings shaped like face embeddings (identities with a few pictures each, lying near a
lower-dimensional subspace). Queries are fresh pictures of known identities plus some
strangers. Ground truth is ``FlatFloatIndex`` (exact; the contract tests hold it equal
to the linear-scan oracle). Latency is for single queries through the public API
(``search(query, 10, inf)``), exact distance recomputation included.

Binary part: random 256-bit PDQ hashes with planted near-duplicates; latency of the
near-duplicate question ``search_radius(query, 31)`` on ``BinaryIndex``, checked
against ``ExactBinaryIndex`` on a few queries.

The HNSW build dominates the run time: 15 minutes on two cores shared with other work
(load average 9), so run it on a quiet machine when the build time matters.

Writes a markdown report (machine, versions, seed, command, numbers) to stdout and, with
``--out``, to a file; progress goes to the log on stderr.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import faiss
import numpy as np
import psutil
from numpy.typing import NDArray

from genkend.index import (
    BinaryIndex,
    ExactBinaryIndex,
    FlatFloatIndex,
    HnswFloatIndex,
    HnswParams,
    VectorIndex,
)
from genkend.records import Neighbour

log = logging.getLogger("bench_search")

_T = TypeVar("_T")
_E = TypeVar("_E", np.float32, np.uint8)

K = 10
PDQ_BITS = 256
NEAR_DUPLICATE_BITS = 31


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    what: str
    value: str


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    rows = _float_benchmark(args) if args.n else []
    rows += _binary_benchmark(args) if args.binary_n else []
    report = _report(args, rows)
    sys.stdout.write(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="gallery size (0: skip)")
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--m", type=int, default=HnswParams().m)
    parser.add_argument("--ef-construction", type=int, default=HnswParams().ef_construction)
    parser.add_argument(
        "--ef-search",
        type=int,
        nargs="+",
        default=[256, 512, HnswParams().ef_search],
        help="one or more efSearch values to measure",
    )
    parser.add_argument("--flat-queries", type=int, default=20, help="single flat queries")
    parser.add_argument("--binary-n", type=int, default=1_000_000, help="PDQ hashes (0: skip)")
    parser.add_argument("--binary-queries", type=int, default=100)
    parser.add_argument(
        "--search-threads",
        type=int,
        default=1,
        help="FAISS threads while timing single queries (builds use all cores); one per "
        "query thread avoids OpenMP oversubscription, which costs 10-50x on a busy machine",
    )
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    return parser.parse_args(argv)


# --- synthetic data -------------------------------------------------------------------


def _unit(rows: NDArray[np.float32]) -> NDArray[np.float32]:
    normalised: NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return normalised


def _gallery(
    rng: np.random.Generator, n: int, dim: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """``n`` embeddings of identities with 1-20+ pictures each (geometric, mean 5).

    Identity centres lie near a 32-dimensional subspace, as real face embeddings occupy
    far fewer dimensions than they have; pictures scatter around their centre so that
    the nearest other identities compete with an identity's own pictures in the top 10.
    Returns the gallery and the identity centres.
    """
    sizes = rng.geometric(1 / 5, size=n)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
    latent = rng.standard_normal((sizes.size, 32), dtype=np.float32)
    projection = rng.standard_normal((32, dim), dtype=np.float32) / np.sqrt(32)
    spread = 0.3 * rng.standard_normal((sizes.size, dim), dtype=np.float32)
    centres = _unit(latent @ projection + spread)
    labels = np.repeat(np.arange(sizes.size), sizes)[:n]
    return _unit(_pictures(rng, centres[labels])), centres


def _pictures(rng: np.random.Generator, centres: NDArray[np.float32]) -> NDArray[np.float32]:
    noise = rng.standard_normal(centres.shape, dtype=np.float32)
    pictures: NDArray[np.float32] = centres + (0.35 / np.sqrt(centres.shape[1])) * noise
    return pictures


def _queries(
    rng: np.random.Generator, centres: NDArray[np.float32], count: int
) -> NDArray[np.float32]:
    """Nine in ten queries are new pictures of gallery identities, one in ten strangers."""
    known = _pictures(rng, centres[rng.integers(0, len(centres), count - count // 10)])
    strangers = rng.standard_normal((count // 10, centres.shape[1]), dtype=np.float32)
    return _unit(np.concatenate([known, strangers]))


def _hashes(rng: np.random.Generator, n: int, queries: int) -> tuple[NDArray[np.uint8], ...]:
    """Random PDQ hashes; each query has a planted match with 1 to 31 bits flipped."""
    hashes = rng.integers(0, 256, (n, PDQ_BITS // 8), dtype=np.uint8)
    picked = rng.choice(n, size=queries, replace=False)
    bits = np.unpackbits(hashes[picked], axis=1)
    for row, flips in zip(bits, rng.integers(1, NEAR_DUPLICATE_BITS + 1, queries), strict=True):
        row[rng.choice(PDQ_BITS, size=flips, replace=False)] ^= 1
    return hashes, np.packbits(bits, axis=1)


# --- measurements ---------------------------------------------------------------------


def _rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _timed(action: Callable[[], _T]) -> tuple[_T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def _latencies_ms(
    search: Callable[[NDArray[_E]], list[Neighbour]], queries: NDArray[_E], threads: int
) -> tuple[NDArray[np.float64], list[list[Neighbour]]]:
    """Single-query latencies in milliseconds with ``threads`` FAISS threads, and results."""
    times, results = [], []
    build_threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads)
    try:
        for query in queries:
            start = time.perf_counter()
            results.append(search(query))
            times.append((time.perf_counter() - start) * 1e3)
    finally:
        faiss.omp_set_num_threads(build_threads)
    return np.array(times), results


def _recall(got: list[list[Neighbour]], truth: list[list[Neighbour]]) -> float:
    pairs = zip(got, truth, strict=True)
    found = sum(len({n.id for n in g} & {n.id for n in t}) for g, t in pairs)
    return found / sum(len(t) for t in truth)


def _percentiles(what: str, times: NDArray[np.float64]) -> list[Row]:
    return [
        Row(f"{what} p50", f"{np.percentile(times, 50):.2f} ms"),
        Row(f"{what} p95", f"{np.percentile(times, 95):.2f} ms"),
    ]


def _build(index: VectorIndex, vectors: NDArray[_E], label: str) -> list[Row]:
    before = _rss_mib()
    _, seconds = _timed(lambda: index.add(np.arange(len(vectors), dtype=np.int64), vectors))
    grown = _rss_mib() - before
    log.info("%s built in %.1f s, RSS +%.0f MiB", label, seconds, grown)
    return [
        Row(f"{label} build", f"{seconds:.1f} s"),
        Row(f"{label} RSS growth", f"{grown:.0f} MiB"),
    ]


def _float_benchmark(args: argparse.Namespace) -> list[Row]:
    rng = np.random.default_rng(args.seed)
    log.info("generating %d x %d gallery", args.n, args.dim)
    rss_start = _rss_mib()
    gallery, centres = _gallery(rng, args.n, args.dim)
    queries = _queries(rng, centres, args.queries)
    rows = [
        Row("gallery", f"{args.n:,} x {args.dim}-d float32, {len(centres):,} identities"),
        Row("RSS growth generating gallery and queries", f"{_rss_mib() - rss_start:.0f} MiB"),
    ]
    truth, flat_rows = _flat(args, gallery, queries)
    return rows + flat_rows + _hnsw(args, gallery, queries, truth)


def _flat(
    args: argparse.Namespace, gallery: NDArray[np.float32], queries: NDArray[np.float32]
) -> tuple[list[list[Neighbour]], list[Row]]:
    """Exact ground truth (a batch), and what single exact queries cost at this size."""
    flat = FlatFloatIndex(args.dim)
    rows = _build(flat, gallery, "flat (exact)")
    truth, seconds = _timed(lambda: flat.search_many(queries, K, math.inf))
    log.info("exact ground truth for %d queries in %.1f s", len(queries), seconds)
    some = queries[: args.flat_queries]
    times, _ = _latencies_ms(lambda q: flat.search(q, K, math.inf), some, args.search_threads)
    return truth, rows + _percentiles(f"flat single query ({len(some)} queries)", times)


def _hnsw(
    args: argparse.Namespace,
    gallery: NDArray[np.float32],
    queries: NDArray[np.float32],
    truth: list[list[Neighbour]],
) -> list[Row]:
    params = HnswParams(args.m, args.ef_construction, args.ef_search[0])
    hnsw = HnswFloatIndex(args.dim, params)
    rows = _build(hnsw, gallery, f"HNSW M={args.m} efConstruction={args.ef_construction}")
    for ef_search in args.ef_search:
        hnsw.ef_search = ef_search
        times, got = _latencies_ms(
            lambda q: hnsw.search(q, K, math.inf), queries, args.search_threads
        )
        recall = _recall(got, truth)
        log.info("efSearch=%d recall@10 %.4f p50 %.2f ms", ef_search, recall, np.median(times))
        rows += _percentiles(f"HNSW efSearch={ef_search} single query", times)
        rows.append(Row(f"HNSW efSearch={ef_search} recall@{K}", f"{recall:.4f}"))
    return rows


def _binary_benchmark(args: argparse.Namespace) -> list[Row]:
    rng = np.random.default_rng(args.seed + 1)
    hashes, queries = _hashes(rng, args.binary_n, args.binary_queries)
    index = BinaryIndex(PDQ_BITS)
    rows = [Row("PDQ hashes", f"{args.binary_n:,} x {PDQ_BITS} bits")]
    rows += _build(index, hashes, "binary flat")
    times, found = _latencies_ms(
        lambda q: index.search_radius(q, NEAR_DUPLICATE_BITS), queries, args.search_threads
    )
    checked = _equals_linear_scan(hashes, queries[:5], found[:5])
    return [
        *rows,
        *_percentiles(f"PDQ radius {NEAR_DUPLICATE_BITS} search", times),
        Row("PDQ queries whose planted match was found", f"{_planted(found)}/{len(found)}"),
        Row("PDQ radius results equal the linear scan (5 queries)", str(checked)),
    ]


def _planted(found: list[list[Neighbour]]) -> int:
    return sum(1 for hits in found if hits and hits[0].distance <= NEAR_DUPLICATE_BITS)


def _equals_linear_scan(
    hashes: NDArray[np.uint8], queries: NDArray[np.uint8], found: list[list[Neighbour]]
) -> bool:
    oracle = ExactBinaryIndex(PDQ_BITS)
    oracle.add(np.arange(len(hashes), dtype=np.int64), hashes)
    return all(
        oracle.search_radius(query, NEAR_DUPLICATE_BITS) == hits
        for query, hits in zip(queries, found, strict=True)
    )


# --- report ---------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _report(args: argparse.Namespace, rows: list[Row]) -> str:
    threads = faiss.omp_get_max_threads()
    machine = [
        Row("command", f"`{shlex.join(['python', *sys.argv])}`"),
        Row("seed", str(args.seed)),
        Row("CPU", _cpu_model()),
        Row("cores usable", str(len(os.sched_getaffinity(0)))),
        Row("FAISS threads: build / single queries", f"{threads} / {args.search_threads}"),
        Row("load average (1 min) at end", f"{os.getloadavg()[0]:.2f}"),
        Row("memory", f"{psutil.virtual_memory().total / 2**30:.1f} GiB"),
        Row("Python", platform.python_version()),
        Row("numpy", np.__version__),
        Row("faiss", faiss.__version__),
    ]
    lines = ["| what | value |", "|---|---|"]
    lines += [f"| {row.what} | {row.value} |" for row in machine + rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
