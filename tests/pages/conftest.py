"""AppTest helpers: point pages at the test database and reset Streamlit caches around each test."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.platform.config import reset_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_db(sqlite_database, monkeypatch):
    """The SQLite test database, configured as the app's database, with fresh Streamlit caches."""
    monkeypatch.setenv("IESCP_DATABASE_URL", str(sqlite_database.engine.url))
    reset_settings()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield sqlite_database
    st.cache_resource.clear()
    st.cache_data.clear()


def app_test(relative_path: str, actor_id: int | None = None) -> AppTest:
    """An AppTest of a script under the project root, optionally with a logged-in actor."""
    at = AppTest.from_file(str(ROOT / relative_path), default_timeout=30)
    if actor_id is not None:
        at.session_state["actor_id"] = actor_id
    return at


def picker(at: AppTest, key: str):
    """The pages.common.pickers selectbox drawn under key (its widget key adds a digest of the options)."""
    found = [box for box in at.selectbox if str(box.key).startswith(f"{key}:")]
    assert len(found) == 1, f"expected one picker {key!r}, found {[box.key for box in at.selectbox]}"
    return found[0]


def select_result_rows(at: AppTest, *rows: int) -> AppTest:
    """Select rows of Find influencers' results table (as a click on them does), then rerun."""
    table = next(d for d in at.dataframe if str(d.key).startswith("results-"))
    at.session_state[table.key] = {"selection": {"rows": list(rows), "columns": [], "cells": []}}
    return at.run()


def answer_keys(at: AppTest) -> set[str]:
    """Which answer buttons (accept, counter, reject, edit, withdraw) the inbox shows; their keys carry the request."""
    return {b.key.split("-", 1)[0] for b in at.button if b.key and b.key.split("-", 1)[0] in ANSWERS}


def answer(at: AppTest, kind: str):
    """The inbox's one answer button of kind (its key is '<kind>-<request id>': a click meant for another request is dropped)."""
    (button,) = [b for b in at.button if b.key and b.key.split("-", 1)[0] == kind and "-" in b.key]
    return button


ANSWERS = {"accept", "counter", "reject", "edit", "withdraw"}
