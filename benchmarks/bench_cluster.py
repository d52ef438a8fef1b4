"""Benchmark of genkend.cluster: accuracy against Chinese whispers, robustness at scale, time.

Run on demand, never as part of the test suite:

    .venv/bin/python benchmarks/bench_cluster.py                 # everything, ~15-25 min
    .venv/bin/python benchmarks/bench_cluster.py --scale 0 --time 0 --exact   # dev only

1. faces-dev (real adult faces, dlib ResNet embeddings, the face nearest the centre of
   each photo; photos without a face left out): pairwise and BCubed precision, recall
   and F1 of ``genkend.cluster.cluster`` (default ``ClusterParams``) side by side with
   the reference, ``dlib.chinese_whispers_clustering`` at 0.5 as face_recognition and
   IPED use it. Also on two halves of the people (a seeded split), as the defaults
   were tuned on one half and checked on the other. ``--exact`` also checks that the
   scalable engine equals the exact reference on faces-dev.
2. Scale: synthetic people whose embeddings are drawn to mimic faces-dev (Gaussian
   identity centres and within-person scatter fitted to it, with heavier tails so that
   look-alikes are at least as common as in the real data), ``--scale`` faces alone,
   and faces-dev mixed with ``--mixed`` synthetic faces: where single-edge methods
   chain people into giant clusters.
3. Time: ``--time`` synthetic faces (people sized as in faces-dev, plus three people with
   2,000, 1,000 and 500 faces, as a seizure holds), genkend only.

Embeddings come from the cache ``--cache`` (an .npz with ``embedding`` (n, 128) with NaN
rows where no face was found, and ``identity``), or are computed with genkend.faces
when it is absent (slow: about a second per photo). Writes a markdown report (machine,
versions, seed, command, numbers) to stdout and, with ``--out``, to a file; progress
goes to the log on stderr.
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
Floats = NDArray[np.float64]
Labels = NDArray[np.int64]
Clusterer = Callable[[Floats], Labels]


def data_root() -> Path:
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    return Path(os.environ.get("GENKEND_TEST_DATA", default))


def load_dev(cache: Path) -> tuple[Floats, NDArray[np.str_], str]:
    """faces-dev embeddings (photos with a face), their people, and the embedding space."""
    if cache.is_file():
        log.info("reading embeddings from %s", cache)
        with np.load(cache) as stored:
            embeddings, identities = stored["embedding"], stored["identity"]
            space = str(stored["backend"]) if "backend" in stored.files else "unnamed cache"
    else:
        embeddings, identities, space = embed_dev(data_root() / "faces-dev")
    found = ~np.isnan(embeddings).any(axis=1)
    log.info("%d photos, %d without a face; space %s", found.size, int((~found).sum()), space)
    return embeddings[found].astype(np.float64), identities[found], space


def embed_dev(folder: Path) -> tuple[Floats, NDArray[np.str_], str]:
    """Embed the face nearest the centre of every photo listed in labels.csv with the
    default dlib backend (the space the default ``ClusterParams`` are for)."""
    from genkend import media
    from genkend.faces import open_backend

    if not folder.is_dir():
        sys.exit(f"no cache and no faces-dev folder at {folder}; set GENKEND_TEST_DATA")
    backend = open_backend("dlib", upsample=1)
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    log.info("embedding %d photos with %s (no cache)", len(rows), backend.name)
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
    return embeddings, np.array([row["identity"] for row in rows]), backend.name


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


def accuracy(embeddings: Floats, identities: NDArray[np.str_], exact: bool) -> list[Row]:
    rows: list[Row] = []
    first, second = halves(identities, SPLIT_SEED)
    for name, mask in (
        ("faces-dev", slice(None)),
        ("faces-dev half A", first),
        ("faces-dev half B", second),
    ):
        for method, run in (("Chinese whispers 0.5", chinese_whispers), ("genkend", genkend)):
            rows.append(score(name, method, run, embeddings[mask], identities[mask]))
    if exact:
        log.info("checking the scalable engine against the exact reference on faces-dev")
        same = np.array_equal(cluster(embeddings), cluster_exact(embeddings))
        log.info("scalable == exact on faces-dev: %s", same)
        if not same:
            sys.exit("the scalable engine differs from the exact reference on faces-dev")
    return rows


def random_halves(embeddings: Floats, identities: NDArray[np.str_]) -> str:
    """BCubed F1 of genkend minus Chinese whispers', and genkend's pairwise precision,
    on both halves of ``RANDOM_SPLITS`` random splits of the people."""
    gains, precisions = [], []
    for seed in range(RANDOM_SPLITS):
        for mask in halves(identities, seed):
            truth = identities[mask]
            ours = genkend(embeddings[mask])
            theirs = chinese_whispers(embeddings[mask])
            gains.append(bcubed_prf(truth, ours).f1 - bcubed_prf(truth, theirs).f1)
            precisions.append(pairwise_prf(truth, ours).precision)
    log.info("random halves done")
    return (
        f"- {len(gains)} random halves of faces-dev (seeds 0-{RANDOM_SPLITS - 1}): BCubed F1 "
        f"of genkend minus Chinese whispers' mean {np.mean(gains):+.4f}, min "
        f"{np.min(gains):+.4f}, at least equal on {sum(g >= 0 for g in gains)}; genkend's "
        f"pairwise precision min {np.min(precisions):.3f}"
    )


def robustness(
    embeddings: Floats, identities: NDArray[np.str_], scale: int, mixed: int
) -> list[Row]:
    rows: list[Row] = []
    model = SyntheticPeople(embeddings, identities)
    rng = np.random.default_rng(SEED)
    if scale:
        faces, people = model.draw(rng, model.people_like_dev(rng, scale))
        for method, run in (("Chinese whispers 0.5", chinese_whispers), ("genkend", genkend)):
            rows.append(score("synthetic", method, run, faces, people))
    if mixed:
        faces, people = model.draw(rng, model.people_like_dev(rng, mixed))
        faces, people = np.concatenate([embeddings, faces]), np.concatenate([identities, people])
        for method, run in (("Chinese whispers 0.5", chinese_whispers), ("genkend", genkend)):
            rows.append(score("faces-dev + synthetic", method, run, faces, people))
    return rows


def timing(embeddings: Floats, identities: NDArray[np.str_], n: int) -> tuple[Row, str]:
    """``cluster`` on ``n`` synthetic faces, phase by phase (the same steps it runs)."""
    model = SyntheticPeople(embeddings, identities)
    rng = np.random.default_rng(SEED + 1)
    large = np.array([2000, 1000, 500])
    sizes = np.concatenate([large, model.people_like_dev(rng, n - int(large.sum()))])
    faces, people = model.draw(rng, sizes)
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
    embeddings, identities, space = load_dev(args.cache)
    rows = accuracy(embeddings, identities, args.exact)
    notes = [random_halves(embeddings, identities)] if args.splits else []
    if args.exact:
        notes.append("- the scalable engine equals the exact reference on faces-dev")
    rows += robustness(embeddings, identities, args.scale, args.mixed)
    if args.time:
        row, note = timing(embeddings, identities, args.time)
        rows.append(row)
        notes.append(note)
    text = report(rows, [f"- embedding space: {space}", *notes], started)
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
