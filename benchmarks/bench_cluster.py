"""Benchmark of genkend.cluster: accuracy against Chinese whispers, robustness at scale, time.

Run on demand, never as part of the test suite:

    .venv/bin/python benchmarks/bench_cluster.py                 # everything, ~15-25 min
    .venv/bin/python benchmarks/bench_cluster.py --scale 0 --mixed 0 --time 0 --exact

Each method runs as it would in practice: ``genkend.cluster.cluster`` (default
``ClusterParams``) on the default face backend's embeddings (``--cache``: dlib ResNet,
mirrored, unit length), and the reference, ``dlib.chinese_whispers_clustering`` at 0.5,
on raw dlib descriptors (``--reference-cache``) as face_recognition and IPED run it.

1. faces-dev (real adult faces; the face nearest the centre of each photo; photos where
   either backend found no face left out): pairwise and BCubed precision, recall and
   F1, side by side. Also on the two halves of the people the defaults were chosen on
   (A) and checked on (B), and on random halves. ``--exact`` also checks that the
   scalable engine equals the exact reference on faces-dev.
2. Scale: synthetic people whose embeddings are drawn to mimic faces-dev in each
   method's own space (Gaussian identity centres and within-person scatter fitted to
   it, with heavier tails so that look-alikes are at least as common as in the real
   data; the same people sizes and seed for both methods), ``--scale`` faces alone,
   and faces-dev mixed with ``--mixed`` synthetic faces: where single-edge methods
   chain people into giant clusters.
3. Time: ``--time`` synthetic faces (people sized as in faces-dev, plus three people with
   2,000, 1,000 and 500 faces, as a seizure holds), genkend only, phase by phase.

A cache is an .npz with ``path``, ``identity``, ``embedding`` (n, 128; NaN rows where no
face was found) and ``backend`` (the embedding space); when one is absent it is
computed with genkend.faces and written (about a second per photo). Writes a markdown
report (machine, versions, seed, command, numbers) to stdout and, with ``--out``, to a
file; progress goes to the log on stderr.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import platform
import resource
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import dlib
import numpy as np
import psutil
from numpy.typing import NDArray

from genkend.cluster import ClusterParams, cluster, cluster_exact, graph, problem
from genkend.metrics import bcubed_prf, pairwise_prf

log = logging.getLogger("bench_cluster")

SEED = 20240611
# The split of faces-dev's people the defaults were chosen on (half A, with the whole
# set and the synthetic scale check) and checked on (half B).
SPLIT_SEED = 7
RANDOM_SPLITS = 10
DEFAULT_CACHE = Path("/tmp/genkend-cache/facesdev_dlib_mirror_unit.npz")
DEFAULT_REFERENCE_CACHE = Path("/tmp/genkend-cache/facesdev_dlib.npz")
# The face backend's options for each cache: its default space, and raw descriptors.
GENKEND_BACKEND: dict[str, object] = {"upsample": 1}
RAW_BACKEND: dict[str, object] = {"upsample": 1, "augment": "none", "unit_length": False}
Floats = NDArray[np.float64]
Labels = NDArray[np.int64]
Clusterer = Callable[[Floats], Labels]


def data_root() -> Path:
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    return Path(os.environ.get("GENKEND_TEST_DATA", default))


@dataclass(frozen=True)
class DevSet:
    """faces-dev in one embedding space: one row per photo, NaN where no face was found."""

    paths: NDArray[np.str_]
    identities: NDArray[np.str_]
    embeddings: Floats
    space: str


def load_dev(cache: Path, options: dict[str, object]) -> DevSet:
    """faces-dev from ``cache``, or embedded with the dlib backend and written there."""
    if not cache.is_file():
        embed_dev(data_root() / "faces-dev", cache, options)
    log.info("reading embeddings from %s", cache)
    with np.load(cache) as stored:
        space = str(stored["backend"]) if "backend" in stored.files else f"{cache.name} (unnamed)"
        return DevSet(
            stored["path"], stored["identity"], stored["embedding"].astype(np.float64), space
        )


def embed_dev(folder: Path, cache: Path, options: dict[str, object]) -> None:
    """Embed the face nearest the centre of every photo listed in labels.csv."""
    from genkend import media
    from genkend.faces import open_backend

    if not folder.is_dir():
        sys.exit(f"no cache and no faces-dev folder at {folder}; set GENKEND_TEST_DATA")
    backend = open_backend("dlib", **options)
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    log.info("embedding %d photos with %s into %s", len(rows), backend.name, cache)
    embeddings = np.full((len(rows), 128), np.nan)
    for i, row in enumerate(rows):
        data = (folder / row["path"]).read_bytes()
        image = np.asarray(media.decode(data, max_pixels=10**8, max_side=1024).image)
        faces = backend.detect(image)
        if faces:
            h, w = image.shape[:2]
            off_centre = [
                abs((f.box[0] + f.box[2] - w) / 2) + abs((f.box[1] + f.box[3] - h) / 2)
                for f in faces
            ]
            nearest = faces[int(np.argmin(off_centre))]
            embeddings[i] = backend.embed(image, [nearest])[0]
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        cache,
        path=np.array([row["path"] for row in rows]),
        identity=np.array([row["identity"] for row in rows]),
        embedding=embeddings,
        backend=np.array(backend.name),
    )


def chinese_whispers(embeddings: Floats) -> Labels:
    """The reference: dlib's Chinese whispers at 0.5, as face_recognition and IPED run it."""
    vectors = [dlib.vector(row.tolist()) for row in embeddings]
    return np.array(dlib.chinese_whispers_clustering(vectors, 0.5), dtype=np.int64)


def genkend(embeddings: Floats) -> Labels:
    labels: Labels = cluster(embeddings, ClusterParams())
    return labels


@dataclass(frozen=True)
class Row:
    """One clustering of one data set, scored."""

    data: str
    method: str
    faces: int
    clusters: int
    largest: int
    pairwise: tuple[float, float, float]
    bcubed: tuple[float, float, float]
    seconds: float

    def markdown(self) -> str:
        p, b = self.pairwise, self.bcubed
        return (
            f"| {self.data} | {self.method} | {self.faces} | {self.clusters} | {self.largest} "
            f"| {p[0]:.3f} / {p[1]:.3f} / {p[2]:.3f} | {b[0]:.3f} / {b[1]:.3f} / {b[2]:.3f} "
            f"| {self.seconds:.1f} |"
        )


def score(
    data: str, method: str, run: Clusterer, embeddings: Floats, truth: NDArray[np.str_]
) -> Row:
    log.info("%s: %s on %d faces", data, method, len(embeddings))
    start = time.perf_counter()
    labels = run(embeddings)
    seconds = time.perf_counter() - start
    pairwise, bcubed = pairwise_prf(truth, labels), bcubed_prf(truth, labels)
    row = Row(
        data,
        method,
        len(embeddings),
        int(np.unique(labels).size),
        int(np.unique(labels, return_counts=True)[1].max()),
        (pairwise.precision, pairwise.recall, pairwise.f1),
        (bcubed.precision, bcubed.recall, bcubed.f1),
        seconds,
    )
    log.info("%s", row.markdown())
    return row


class SyntheticPeople:
    """Embeddings of made-up people, drawn to look like those of a real labelled set.

    Fitted: the mean face, the covariance of people's centres (less the part their
    own scatter explains) and the pooled covariance of faces around their person's
    centre. Drawn: each person's centre from the first Gaussian, scaled by a log-normal
    factor (some people sit near the average face, where look-alikes crowd), and each
    face from the second, scaled per person and per face (some people and some photos
    vary more). The scales were set so that the lowest percentiles of distances between
    different people match faces-dev (look-alikes at least as common as in real data)
    and faces of one person spread at least as widely.
    """

    def __init__(self, embeddings: Floats, identities: NDArray[np.str_]) -> None:
        _, person, sizes = np.unique(identities, return_inverse=True, return_counts=True)
        centres = np.zeros((sizes.size, embeddings.shape[1]))
        np.add.at(centres, person, embeddings)
        centres /= sizes[:, np.newaxis]
        scatter = embeddings - centres[person]
        repeated = sizes[person] >= 2
        within = scatter[repeated].T @ scatter[repeated]
        within /= repeated.sum() - (sizes >= 2).sum()
        between = np.cov(centres.T) - within * np.mean(1.0 / sizes)
        values, vectors = np.linalg.eigh(between)
        between = (vectors * values.clip(min=0)) @ vectors.T
        eye = 1e-9 * np.eye(embeddings.shape[1])
        self.mean = embeddings.mean(axis=0)
        self.between = np.linalg.cholesky(between + eye)
        self.within = np.linalg.cholesky(within + eye)
        self.sizes = sizes

    def draw(
        self, rng: np.random.Generator, sizes: NDArray[np.int64]
    ) -> tuple[Floats, NDArray[np.str_]]:
        dim = self.mean.size
        centres = rng.standard_normal((sizes.size, dim)) @ self.between.T
        centres = self.mean + centres * rng.lognormal(0, 0.2, sizes.size)[:, np.newaxis]
        person = np.repeat(np.arange(sizes.size), sizes)
        spread = 1.1 * rng.lognormal(0, 0.2, sizes.size)[person]
        spread *= rng.lognormal(0, 0.1, person.size)
        faces = (
            centres[person]
            + (rng.standard_normal((person.size, dim)) @ self.within.T) * spread[:, np.newaxis]
        )
        return faces, np.char.add("synthetic-", person.astype(str))

    def people_like_dev(self, rng: np.random.Generator, faces: int) -> NDArray[np.int64]:
        """Sizes of people, drawn from faces-dev's, for about ``faces`` faces."""
        sizes: NDArray[np.int64] = rng.choice(
            self.sizes, size=max(1, round(faces / self.sizes.mean()))
        )
        return sizes


def halves(identities: NDArray[np.str_], seed: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    people = np.unique(identities)
    first = np.random.default_rng(seed).permutation(people)[: people.size // 2]
    in_first = np.isin(identities, first)
    return in_first, ~in_first


@dataclass(frozen=True)
class Method:
    """A clustering method with the faces-dev embeddings of the space it runs in."""

    name: str
    run: Clusterer
    embeddings: Floats
    model: SyntheticPeople
    unit: bool  # the space holds unit-length vectors, so synthetic ones are scaled too

    def synthetic(self, seed: int, sizes: NDArray[np.int64]) -> tuple[Floats, NDArray[np.str_]]:
        faces, people = self.model.draw(np.random.default_rng(seed), sizes)
        if self.unit:
            faces /= np.linalg.norm(faces, axis=1, keepdims=True)
        return faces, people


def methods(reference: DevSet, ours: DevSet) -> tuple[list[Method], NDArray[np.str_], str]:
    """Both methods on the photos where both backends found a face, and their people."""
    if not np.array_equal(reference.paths, ours.paths):
        sys.exit("the two caches list different photos; delete one to recompute it")
    found = ~np.isnan(reference.embeddings).any(axis=1) & ~np.isnan(ours.embeddings).any(axis=1)
    identities = ours.identities[found]
    note = (
        f"- faces-dev: {found.sum()} of {found.size} photos with a face in both spaces; "
        f"Chinese whispers on {reference.space}, genkend on {ours.space}"
    )
    log.info("%s", note)
    unit = bool(np.allclose(np.linalg.norm(ours.embeddings[found], axis=1), 1.0, atol=1e-4))
    return (
        [
            Method(
                "Chinese whispers 0.5",
                chinese_whispers,
                reference.embeddings[found],
                SyntheticPeople(reference.embeddings[found], identities),
                unit=False,
            ),
            Method(
                "genkend",
                genkend,
                ours.embeddings[found],
                SyntheticPeople(ours.embeddings[found], identities),
                unit=unit,
            ),
        ],
        identities,
        note,
    )


def accuracy(methods: list[Method], identities: NDArray[np.str_], exact: bool) -> list[Row]:
    rows: list[Row] = []
    first, second = halves(identities, SPLIT_SEED)
    for name, mask in (
        ("faces-dev", np.ones(identities.size, dtype=np.bool_)),
        ("faces-dev half A", first),
        ("faces-dev half B", second),
    ):
        for method in methods:
            rows.append(
                score(name, method.name, method.run, method.embeddings[mask], identities[mask])
            )
    if exact:
        log.info("checking the scalable engine against the exact reference on faces-dev")
        ours = methods[-1].embeddings
        if not np.array_equal(cluster(ours), cluster_exact(ours)):
            sys.exit("the scalable engine differs from the exact reference on faces-dev")
    return rows


def random_halves(methods: list[Method], identities: NDArray[np.str_]) -> str:
    """BCubed F1 of genkend minus Chinese whispers', and genkend's pairwise precision,
    on both halves of ``RANDOM_SPLITS`` random splits of the people."""
    reference, ours = methods
    gains, precisions = [], []
    for seed in range(RANDOM_SPLITS):
        for mask in halves(identities, seed):
            truth = identities[mask]
            labels = ours.run(ours.embeddings[mask])
            theirs = reference.run(reference.embeddings[mask])
            gains.append(bcubed_prf(truth, labels).f1 - bcubed_prf(truth, theirs).f1)
            precisions.append(pairwise_prf(truth, labels).precision)
    log.info("random halves done")
    return (
        f"- {len(gains)} random halves of faces-dev (seeds 0-{RANDOM_SPLITS - 1}): BCubed F1 "
        f"of genkend minus Chinese whispers' mean {np.mean(gains):+.4f}, min "
        f"{np.min(gains):+.4f}, at least equal on {sum(g >= 0 for g in gains)}; genkend's "
        f"pairwise precision min {np.min(precisions):.3f}"
    )


def robustness(
    methods: list[Method], identities: NDArray[np.str_], scale: int, mixed: int
) -> list[Row]:
    rows: list[Row] = []
    people_like_dev = methods[0].model.people_like_dev
    for name, faces_wanted, with_dev, seed in (
        ("synthetic", scale, False, SEED),
        ("faces-dev + synthetic", mixed, True, SEED + 2),
    ):
        if not faces_wanted:
            continue
        sizes = people_like_dev(np.random.default_rng(seed), faces_wanted)
        for method in methods:
            faces, people = method.synthetic(seed, sizes)
            if with_dev:
                faces = np.concatenate([method.embeddings, faces])
                people = np.concatenate([identities, people])
            rows.append(score(name, method.name, method.run, faces, people))
    return rows


def timing(method: Method, n: int) -> tuple[Row, str]:
    """``cluster`` on ``n`` synthetic faces, phase by phase (the same steps it runs)."""
    large = np.array([2000, 1000, 500])
    rng = np.random.default_rng(SEED + 1)
    sizes = np.concatenate([large, method.model.people_like_dev(rng, n - int(large.sum()))])
    faces, people = method.synthetic(SEED + 1, sizes)
    params = ClusterParams()
    log.info("timed run: %d faces, %d people", len(faces), sizes.size)
    start = time.perf_counter()
    task = problem.for_cluster(problem.check_embeddings(faces), None)
    queries = np.arange(len(faces), dtype=np.int64)
    edges = graph.neighbour_graph(task.vectors, queries, params)
    searched = time.perf_counter()
    log.info("neighbour graph: %d edges in %.0f s", edges.low.size, searched - start)
    labels = problem.cluster_labels(task, graph.agglomerate(task, params, edges))
    done = time.perf_counter()
    log.info("agglomeration: %.0f s", done - searched)
    row = score("synthetic, timed", "genkend", lambda _: labels, faces, people)
    note = (
        f"- timed run: {len(faces)} faces; neighbour search {searched - start:.0f} s "
        f"({edges.low.size} edges), agglomeration {done - searched:.0f} s"
    )
    return replace(row, seconds=done - start), note


def report(rows: list[Row], notes: list[str], started: float) -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        "## genkend.cluster vs Chinese whispers (benchmarks/bench_cluster.py)",
        "",
        f"- command: `{shlex.join([sys.executable, *sys.argv])}`",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; load average at the end {load}",
        f"- python {platform.python_version()}, numpy {np.__version__}, dlib {dlib.__version__}",
        f"- seed {SEED}; genkend defaults {ClusterParams()}",
        f"- total {time.perf_counter() - started:.0f} s; peak resident memory "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MiB",
        "",
        "| data | method | faces | clusters | largest | pairwise P / R / F1 "
        "| BCubed P / R / F1 | seconds |",
        "|---|---|---|---|---|---|---|---|",
        *(row.markdown() for row in rows),
        "",
        *notes,
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--reference-cache", type=Path, default=DEFAULT_REFERENCE_CACHE)
    parser.add_argument("--scale", type=int, default=20_000, help="synthetic faces (0: skip)")
    parser.add_argument(
        "--mixed", type=int, default=10_000, help="synthetic faces added to faces-dev"
    )
    parser.add_argument(
        "--time", type=int, default=100_000, help="faces in the timed run (0: skip)"
    )
    parser.add_argument("--exact", action="store_true", help="check scalable == exact on faces-dev")
    parser.add_argument(
        "--no-splits", dest="splits", action="store_false", help="skip the random halves"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    both, identities, note = methods(
        load_dev(args.reference_cache, RAW_BACKEND), load_dev(args.cache, GENKEND_BACKEND)
    )
    notes = [note]
    rows = accuracy(both, identities, args.exact)
    if args.exact:
        notes.append("- the scalable engine equals the exact reference on faces-dev")
    if args.splits:
        notes.append(random_halves(both, identities))
    rows += robustness(both, identities, args.scale, args.mixed)
    if args.time:
        row, timed = timing(both[-1], args.time)
        rows.append(row)
        notes.append(timed)
    text = report(rows, notes, started)
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
