"""Accuracy of a face backend on a labelled folder, as the EU AI Act asks it to be stated.

``genkend evaluate DIR`` in four steps, each usable alone:

1. ``load_folder(dir)``: the labelled photos (identity subfolders, or ``labels.csv``);
2. ``embed_folder(backend, photos, workers=..., max_side=...)``: one face per photo,
   embedded by worker processes, failures to enrol recorded (an ``Enrolment``);
3. ``evaluate(enrolment, seed)``: failure-to-enrol rate; 1:1 FNMR at FMR 1e-2, 1e-3 and
   1e-4 and the best balanced accuracy; 1:N rank-1, rank-10 and FNIR at FPIR 0.01 and
   0.003; clustering pairwise and BCubed precision, recall and F1 (an
   ``EvaluationResult`` that states data, protocol and seed);
4. ``calibration(enrolment)``: the distance -> FMR table search results quote.

``genkend.report.write_html`` renders a result. The protocol is written out in
``evaluate.protocol`` and in every result.

Invariant: evaluation never writes anything but what its caller asks for, and the
same enrolment and seed always give the same numbers.
"""

from genkend.evaluate.dataset import LABELS_FILE, LabelledImage, load_folder
from genkend.evaluate.enrolment import (
    DEFAULT_MAX_SIDE,
    BackendSpec,
    EnrolledPhoto,
    Enrolment,
    choose_face,
    embed_folder,
)
from genkend.evaluate.evaluation import (
    CMC_MAX_RANK,
    FMR_TARGETS,
    FPIR_TARGETS,
    RANKS,
    ClusterFn,
    calibration,
    evaluate,
)
from genkend.evaluate.protocol import DEFAULT_IMPOSTOR_CAP
from genkend.evaluate.result import (
    RESULT_FORMAT,
    ClusteringScores,
    DataSummary,
    EvaluationResult,
    Histogram,
    Identification,
    Protocol,
    RankRate,
    Verification,
)

__all__ = [
    "CMC_MAX_RANK",
    "DEFAULT_IMPOSTOR_CAP",
    "DEFAULT_MAX_SIDE",
    "FMR_TARGETS",
    "FPIR_TARGETS",
    "LABELS_FILE",
    "RANKS",
    "RESULT_FORMAT",
    "BackendSpec",
    "ClusterFn",
    "ClusteringScores",
    "DataSummary",
    "EnrolledPhoto",
    "Enrolment",
    "EvaluationResult",
    "Histogram",
    "Identification",
    "LabelledImage",
    "Protocol",
    "RankRate",
    "Verification",
    "calibration",
    "choose_face",
    "embed_folder",
    "evaluate",
    "load_folder",
]
