"""Jinja2 rendering of core/templates: HTML with autoescape on, plain text for mail bodies; both strict."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from core.money import format_cents

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _date(value, fmt: str = "%d %b %Y") -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime(fmt)


def _number(value) -> str:
    return f"{int(value or 0):,}"


def _percent(value) -> str:
    return "—" if value is None else f"{float(value):.0f}%"


def _chat(value) -> str:
    """User text made inert for a Google Chat message (no <users/all> mentions or <url|links>)."""
    return str(value).replace("<", "‹").replace(">", "›")


def _configure(env: Environment) -> Environment:
    env.filters.update(money=format_cents, date=_date, number=_number, percent=_percent, chat=_chat)
    return env


@lru_cache(maxsize=1)
def html_environment() -> Environment:
    """For .html.j2 templates: every value is escaped unless marked safe in the template."""
    return _configure(Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined))


@lru_cache(maxsize=1)
def text_environment() -> Environment:
    """For .txt.j2 templates (text/plain mail parts and chat messages, where HTML escaping would be noise)."""
    return _configure(
        Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=False,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    )


def render(name: str, /, **context) -> str:
    """Render templates/<name>; .txt.j2 without escaping, everything else with autoescape."""
    env = text_environment() if name.endswith(".txt.j2") else html_environment()
    return env.get_template(name).render(**context)
