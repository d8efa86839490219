"""Defect 9 of Step 8: a form reports every invalid field at once; primary buttons are never destructive."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from core.errors import InvalidInput
from core.marketplace import accounts, campaigns
from tests import factories as f
from tests.pages.conftest import app_test

PAGES = Path(__file__).resolve().parents[2] / "pages"
DESTRUCTIVE = re.compile(r"\b(deactivate|delete|remove|reject|decline|cancel|withdraw|revoke|abort|flag)\b", re.I)


def test_creating_a_campaign_with_four_bad_fields_names_all_four(app_db):
    sponsor = f.sponsor(app_db)
    with pytest.raises(InvalidInput) as caught, app_db.Session.begin() as s:
        campaigns.create_campaign(
            s,
            actor=f.actor(app_db, sponsor.id),
            name="",
            category=" ",
            start_date=dt.date(2026, 5, 2),
            end_date=dt.date(2026, 5, 1),
            budget_cents="12,34.5x",
        )
    assert len(caught.value.problems) == 4, caught.value.problems
    assert caught.value.problems[0] == "Campaign name is required."
    assert any("End date" in p for p in caught.value.problems)
    assert any("Budget" in p for p in caught.value.problems)


def test_signing_up_with_a_bad_username_a_short_password_and_no_name_names_all_three(app_db):
    with pytest.raises(InvalidInput) as caught, app_db.Session.begin() as s:
        accounts.register_influencer(
            s,
            username="a",
            email="maya@example.com",
            password="short",
            display_name="",
            category="Fitness",
            platform="instagram",
            followers=1000,
        )
    problems = caught.value.problems
    assert len(problems) == 3, problems
    assert [p.split()[0] for p in problems] == ["Username", "Password", "Display"]


def test_the_campaign_form_shows_every_problem_in_one_error_box(app_db):
    sponsor = f.sponsor(app_db)
    at = app_test("pages/sponsor/campaigns.py", sponsor.id)
    at.session_state["campaigns-tab"] = "➕ New campaign"  # the form is built only on its open tab
    at.run()
    at.text_input(key="new-campaign-budget").input("lots")
    at.button(key="new-campaign-submit").click().run()
    assert len(at.error) == 1
    shown = at.error[0].value
    assert "Campaign name is required." in shown and "Category is required." in shown and "Budget" in shown


def _primary_buttons(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("button", "form_submit_button"):
            primary = any(
                k.arg == "type" and isinstance(k.value, ast.Constant) and k.value.value == "primary"
                for k in node.keywords
            )
            label = node.args[0] if node.args else None
            if primary and isinstance(label, ast.Constant | ast.JoinedStr):
                yield node.lineno, ast.unparse(label)


def test_no_destructive_action_is_styled_as_the_primary_button():
    offenders = [
        f"{path.relative_to(PAGES)}:{line} {label}"
        for path in PAGES.rglob("*.py")
        for line, label in _primary_buttons(ast.parse(path.read_text()))
        if DESTRUCTIVE.search(label)
    ]
    assert offenders == []
