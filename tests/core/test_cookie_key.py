"""The cookie signing key: a weak one refuses to start with a message saying how to make a good one."""

from __future__ import annotations

import secrets

import pytest

from core.platform.config import InsecureConfiguration, get_settings, reset_settings

FIX = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def _key_from_env(monkeypatch, value: str) -> str:
    monkeypatch.setenv("IESCP_COOKIE_KEY", value)
    reset_settings()
    return get_settings().cookie_key


@pytest.mark.parametrize(
    "weak",
    [
        "changeme",  # the reviewer's key: 8 bytes
        "x" * 31,  # one byte short
        "changeme" * 6,  # long enough, but four letters' worth of guessing
        "a" * 64,
        "0123456789" * 4,
        "token_hex(16)",  # 32 characters, but only 16 random bytes
    ],
    ids=["changeme", "31-bytes", "changeme-x6", "aaaa", "digits-x4", "token_hex16"],
)
def test_a_short_or_low_entropy_cookie_key_refuses_to_start_and_says_how_to_make_a_good_one(monkeypatch, weak):
    weak = secrets.token_hex(16) if weak == "token_hex(16)" else weak  # drawn here: xdist workers must agree on ids
    with pytest.raises(InsecureConfiguration) as refused:
        _key_from_env(monkeypatch, weak)
    message = str(refused.value)
    assert "IESCP_COOKIE_KEY" in message and "32" in message and FIX in message
    assert weak not in message  # the refusal never prints the secret it refuses


@pytest.mark.parametrize(
    "make",
    [lambda: secrets.token_urlsafe(32), lambda: secrets.token_urlsafe(48), lambda: secrets.token_hex(32)],
    ids=["token_urlsafe32", "token_urlsafe48", "token_hex32"],
)
def test_a_random_key_of_at_least_32_bytes_is_accepted(monkeypatch, make):
    strong = make()
    assert _key_from_env(monkeypatch, strong) == strong


def test_without_a_configured_key_a_strong_one_is_generated_into_the_data_folder_once():
    settings = get_settings()
    assert not settings.cookie_key_path.exists()
    key = settings.cookie_key
    assert settings.cookie_key_path.read_text().strip() == key and len(key) >= 64
    reset_settings()
    assert get_settings().cookie_key == key
    assert oct(settings.cookie_key_path.stat().st_mode & 0o777) == "0o600"


def test_a_weak_key_written_into_the_key_file_by_hand_is_refused_too():
    settings = get_settings()
    settings.cookie_key_path.parent.mkdir(parents=True, exist_ok=True)
    settings.cookie_key_path.write_text("changeme\n")
    with pytest.raises(InsecureConfiguration, match="cookie.key"):
        settings.cookie_key
