"""Links in mails and PDFs point where the app really runs, not always at localhost:8501."""

from __future__ import annotations

import pytest

from core.platform.config import default_base_url, get_settings, reset_settings


@pytest.fixture(autouse=True)
def no_streamlit_server_env(monkeypatch):
    for name in ("STREAMLIT_SERVER_PORT", "STREAMLIT_SERVER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)


def test_the_base_url_follows_the_port_streamlit_serves_on(monkeypatch):
    monkeypatch.setenv("STREAMLIT_SERVER_PORT", "8600")
    monkeypatch.setenv("STREAMLIT_SERVER_ADDRESS", "127.0.0.1")
    reset_settings()

    assert get_settings().base_url == "http://127.0.0.1:8600"


def test_a_server_bound_to_every_address_is_linked_as_localhost():
    assert default_base_url({"STREAMLIT_SERVER_PORT": "9000", "STREAMLIT_SERVER_ADDRESS": "0.0.0.0"}) == (
        "http://localhost:9000"
    )
    assert default_base_url({"STREAMLIT_SERVER_ADDRESS": "::1"}) == "http://[::1]:8501"


def test_without_any_hint_links_use_streamlits_default_port():
    assert get_settings().base_url == "http://localhost:8501"


def test_an_explicit_iescp_base_url_wins_over_the_server_port(monkeypatch):
    monkeypatch.setenv("STREAMLIT_SERVER_PORT", "8600")
    monkeypatch.setenv("IESCP_BASE_URL", "https://iescp.example.com")
    reset_settings()

    assert get_settings().base_url == "https://iescp.example.com"
