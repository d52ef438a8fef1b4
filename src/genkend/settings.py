"""One Settings model, built in layers: defaults < genkend.toml < GENKEND_* env < flags.

Every setting is a field of ``Settings`` with its help text in the field's metadata, so
the documentation, ``genkend settings`` and validation all read one definition.
``load`` returns the effective values together with where each one came from.
The invariant: a Settings object is immutable and fully validated; an unknown name in
a settings file, or a value of the wrong type, is a ``SettingsError`` naming it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from genkend.errors import SettingsError

SETTINGS_FILE = "genkend.toml"
ENV_PREFIX = "GENKEND_"
# AI Act Art. 26(6): deployers keep the logs of a high-risk system at least six months.
MIN_SEARCH_LOG_DAYS = 183
RETENTION_SETTINGS = (
    "retention_face_embeddings_days",
    "retention_face_thumbnails_days",
    "retention_search_logs_days",
)

WEB_SETTINGS = (
    "web_idle_minutes",
    "web_session_hours",
    "web_lockout_failures",
    "web_lockout_minutes",
)


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """The effective settings of one genkend invocation."""

    db: str | None = _setting(
        None,
        "Database URL; empty means SQLite (WAL) inside the workspace. "
        "Use postgresql://user:password@host:port/dbname for PostgreSQL.",
    )
    user: str | None = _setting(
        None, "The account that every command acts as; defaults to the OS login name."
    )
    workers: int = _setting(0, "Ingest worker processes; 0 means one per CPU core.")
    batch_size: int = _setting(200, "Items written to the store per transaction during ingest.")
    max_pixels: int = _setting(
        200_000_000,
        "Largest image, in pixels, that is decoded; larger ones are recorded as errors.",
    )
    pdq_max_distance: int = _setting(
        31, "Largest PDQ Hamming distance (bits of 256) reported as a near-duplicate."
    )
    pdq_min_quality: int = _setting(
        50, "Smallest PDQ quality (0-100) for a hash to be used in near-duplicate search."
    )
    search_max_distance: float = _setting(
        0.6,
        "Largest face distance a 1:N face search returns, unless 'search face "
        "--max-distance' says otherwise.",
    )
    cluster_max_distance: float = _setting(
        0.35,
        "Clustering: largest distance at which two single faces join one presumed person "
        "(measured for the default backend's space, dlib-resnet-v1+mirror+unit; other "
        "face spaces need their own; see genkend.cluster).",
    )
    cluster_max_mean_distance: float = _setting(
        0.37,
        "Clustering: largest mean distance between two clusters backed by many face pairs.",
    )
    cluster_max_diameter: float = _setting(
        0.5, "Clustering: largest distance between any two faces of one cluster."
    )
    cluster_neighbours: int = _setting(
        64, "Clustering: nearest faces looked up per face to find clusters worth comparing."
    )
    face_backend: str = _setting(
        "dlib", "Face backend: dlib (default), onnx (agency-supplied models), or a plug-in."
    )
    face_detector: str = _setting(
        "hog", "dlib face detector: hog (fast) or cnn (accurate, about 100x slower on a CPU)."
    )
    face_plan: str = _setting(
        "default",
        "Face detection scale: fast (faces from ~250 px in 12 MP photos), default (from "
        "~128 px), accurate (from ~96 px, about 2.5x slower). See benchmarks/README.md.",
    )
    video_sample_seconds: float = _setting(
        2.0,
        "Videos: seconds between the frames looked at for faces (key frames and scene "
        "changes come on top); more when video_max_frames would be exceeded.",
    )
    video_max_frames: int = _setting(120, "Videos: most frames of one video looked at for faces.")
    video_faces_per_track: int = _setting(
        4,
        "Videos: faces stored per face track (its best face and the next best); the "
        "others are counted in the track.",
    )
    archive_max_depth: int = _setting(4, "How deep archives inside archives are opened.")
    archive_max_ratio: float = _setting(
        200.0, "Largest expansion ratio of an archive member before it is treated as a bomb."
    )
    archive_max_total_bytes: int = _setting(
        16 * 2**30, "Largest total expanded size of one top-level archive, in bytes."
    )
    retention_face_embeddings_days: int = _setting(
        0,
        "Days a face embedding is kept after it was made; 'genkend retention run' erases "
        "older ones. 0 keeps them until their case is erased.",
    )
    retention_face_thumbnails_days: int = _setting(
        0,
        "Days a face thumbnail is kept after it was made; 'genkend retention run' erases "
        "older ones. 0 keeps them until their case is erased.",
    )
    retention_search_logs_days: int = _setting(
        365,
        "Days the details of search events (input, results) are kept in the audit log; "
        f"at least {MIN_SEARCH_LOG_DAYS} (AI Act Art. 26(6): six months). 0 keeps them.",
    )
    web_max_body_bytes: int = _setting(
        1_048_576,
        "Largest request body the web server accepts (bytes); larger ones get 413.",
    )
    web_max_upload_bytes: int = _setting(
        20 * 2**20,
        "Largest upload the web server accepts on the routes that take a file (a face "
        "search's probe photo), in bytes; larger ones get 413. Other routes keep "
        "web_max_body_bytes.",
    )
    web_sign_in_attempts_per_minute: int = _setting(
        10,
        "Sign-in attempts the web server accepts per client address and minute; more get "
        "429 (the account lock after repeated failures is separate).",
    )
    web_idle_minutes: int = _setting(
        30, "Minutes without a request after which a web sign-in session ends."
    )
    web_session_hours: int = _setting(
        12, "Hours after sign-in at which a web session ends however active it is."
    )
    web_lockout_failures: int = _setting(
        5, "Failed sign-ins in a row after which the account is locked."
    )
    web_lockout_minutes: int = _setting(15, "Minutes a locked account cannot sign in.")
    operator: str | None = _setting(
        None,
        "In a served workspace, the account local commands act as without GENKEND_TOKEN; "
        "empty means the workspace's first admin.",
    )
    checkpoint_dir: str | None = _setting(
        None,
        "Folder of the signed audit checkpoints written at the end of every ingest, search "
        "and export; empty means <workspace>/checkpoints. Point it at storage the database's "
        "administrators cannot rewrite (docs/audit-anchoring.md).",
    )
    welfare_break_after: int = _setting(
        50,
        "Reviewer welfare: pictures a reviewer reveals (since their last break) before the "
        "web app reminds them to take a break; 0 never reminds.",
    )

    def __post_init__(self) -> None:
        for name in WEB_SETTINGS:
            if getattr(self, name) < 1:
                raise SettingsError(f"setting {name}: a whole number, 1 or more")
        for name in RETENTION_SETTINGS:
            if getattr(self, name) < 0:
                raise SettingsError(f"setting {name}: a number of days, 0 or more (0 keeps)")
        if self.welfare_break_after < 0:
            raise SettingsError("setting welfare_break_after: a number of reveals, 0 or more")
        days = self.retention_search_logs_days
        if 0 < days < MIN_SEARCH_LOG_DAYS:
            raise SettingsError(
                f"setting retention_search_logs_days = {days}: search logs must be kept at "
                f"least six months ({MIN_SEARCH_LOG_DAYS} days, AI Act Art. 26(6)); "
                "use 0 to keep them"
            )


@dataclass(frozen=True)
class Effective:
    """Settings plus the origin of each value: default, file, env or flag."""

    settings: Settings
    origins: Mapping[str, str]

    def as_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f.name,
                "value": getattr(self.settings, f.name),
                "origin": self.origins[f.name],
                "help": f.metadata["help"],
            }
            for f in fields(Settings)
        ]


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]


def load(home: Path, env: Mapping[str, str], flags: Mapping[str, Any]) -> Effective:
    """Merge the four layers; ``flags`` holds only options given on the command line."""
    values: dict[str, Any] = {}
    origins = dict.fromkeys(setting_names(), "default")
    for origin, layer in (
        (f"file:{home / SETTINGS_FILE}", _read_file(home / SETTINGS_FILE)),
        ("env", _read_env(env)),
        ("flag", {k: v for k, v in flags.items() if v is not None}),
    ):
        for name, raw in layer.items():
            values[name] = _coerce(name, raw, origin)
            origins[name] = origin
    return Effective(replace(Settings(), **values), origins)


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc}") from exc
    unknown = sorted(set(data) - set(setting_names()))
    if unknown:
        raise SettingsError(f"unknown setting(s) in {path}: {', '.join(unknown)}")
    return data


def _read_env(env: Mapping[str, str]) -> dict[str, Any]:
    # GENKEND_HOME selects the workspace itself, so it is not a setting stored in it.
    return {
        name: env[ENV_PREFIX + name.upper()]
        for name in setting_names()
        if ENV_PREFIX + name.upper() in env
    }


def _coerce(name: str, raw: Any, origin: str) -> Any:
    kind = get_type_hints(Settings)[name]
    target = int if kind is int else float if kind is float else str
    if isinstance(raw, str) and target is not str:
        try:
            return target(raw)
        except ValueError:
            raise SettingsError(
                f"setting {name} from {origin}: expected {target.__name__}, got {raw!r}"
            ) from None
    if target is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    if not isinstance(raw, target) or isinstance(raw, bool):
        raise SettingsError(
            f"setting {name} from {origin}: expected {target.__name__}, got {raw!r}"
        )
    return raw


def default_home(env: Mapping[str, str] = os.environ) -> Path:
    """``GENKEND_HOME``, else the per-user data folder."""
    if env.get("GENKEND_HOME"):
        return Path(env["GENKEND_HOME"])
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "genkend"
