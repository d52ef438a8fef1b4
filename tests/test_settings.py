from pathlib import Path

import pytest

from genkend import settings
from genkend.errors import SettingsError


def test_defaults_have_help_and_origin(tmp_path: Path) -> None:
    effective = settings.load(tmp_path, {}, {})
    rows = effective.as_rows()
    assert {r["name"] for r in rows} == set(settings.setting_names())
    assert all(r["origin"] == "default" and r["help"] for r in rows)
    assert effective.settings.pdq_max_distance == 31


def test_layers_override_in_order(tmp_path: Path) -> None:
    (tmp_path / "genkend.toml").write_text("workers = 3\nbatch_size = 10\npdq_min_quality = 60\n")
    env = {"GENKEND_BATCH_SIZE": "20", "GENKEND_PDQ_MIN_QUALITY": "70"}
    effective = settings.load(tmp_path, env, {"pdq_min_quality": 80, "db": None})
    assert effective.settings.workers == 3
    assert effective.origins["workers"].startswith("file:")
    assert (effective.settings.batch_size, effective.origins["batch_size"]) == (20, "env")
    assert (effective.settings.pdq_min_quality, effective.origins["pdq_min_quality"]) == (
        80,
        "flag",
    )
    assert effective.origins["db"] == "default"


def test_unknown_setting_in_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "genkend.toml").write_text("wokers = 3\n")
    with pytest.raises(SettingsError, match="wokers"):
        settings.load(tmp_path, {}, {})


def test_wrong_type_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="workers from env"):
        settings.load(tmp_path, {"GENKEND_WORKERS": "many"}, {})
    (tmp_path / "genkend.toml").write_text('batch_size = "x"\n')
    with pytest.raises(SettingsError, match="batch_size"):
        settings.load(tmp_path, {}, {})


def test_float_setting_accepts_integers(tmp_path: Path) -> None:
    (tmp_path / "genkend.toml").write_text("archive_max_ratio = 50\n")
    assert settings.load(tmp_path, {}, {}).settings.archive_max_ratio == 50.0


def test_broken_toml_is_a_settings_error(tmp_path: Path) -> None:
    (tmp_path / "genkend.toml").write_text("workers = \n")
    with pytest.raises(SettingsError, match="cannot read settings file"):
        settings.load(tmp_path, {}, {})
