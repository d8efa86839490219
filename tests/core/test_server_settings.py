"""The served app runs without Streamlit's per-run full GC and without a file watcher (issue #12: CPU per run)."""

import tomllib
from pathlib import Path

from streamlit import config as st_config

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def _settings() -> dict:
    return tomllib.loads(CONFIG.read_text())


def test_the_post_run_full_garbage_collection_is_off():
    assert _settings()["runner"]["postScriptGC"] is False


def test_no_file_watcher_runs_in_the_server():
    assert _settings()["server"]["fileWatcherType"] == "none"


def test_the_options_set_are_ones_this_streamlit_knows():
    known = set(st_config._config_options_template)
    for section, options in _settings().items():
        for name in options:
            assert f"{section}.{name}" in known, f"{section}.{name} is not a Streamlit option"
