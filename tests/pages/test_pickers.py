"""Defect 1 of Step 8: a picker never shows one record while acting on another."""

from __future__ import annotations

import ast
from pathlib import Path

from core.models import AdRequest
from tests import factories as f
from tests.pages.conftest import app_test, select_result_rows

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _preview_name(at) -> str:
    return next(s.value for s in at.subheader)


def test_the_preview_and_the_send_form_are_about_the_selected_result_row(app_db):
    sponsor = f.sponsor(app_db)
    f.campaign(app_db, sponsor)
    f.influencer(app_db, name="Ana Active", followers=90_000)
    bea = f.influencer(app_db, name="Bea Baker", followers=40_000)
    at = select_result_rows(app_test("pages/sponsor/find_influencers.py", sponsor.id).run(), 1)
    assert not at.exception and not at.error
    assert _preview_name(at) == "Bea Baker"
    assert any(m.value.endswith("Send Bea Baker an ad request**") for m in at.markdown)
    assert at.button(key=f"send-submit-{bea.id}")


def test_a_new_search_clears_the_selection_so_no_creator_from_the_old_results_stays_on_screen(app_db):
    sponsor = f.sponsor(app_db)
    f.campaign(app_db, sponsor)
    f.influencer(app_db, name="Ana Active", category="Fitness")
    f.influencer(app_db, name="Chef Omar", category="Food")
    at = app_test("pages/sponsor/find_influencers.py", sponsor.id).run()
    names = at.dataframe[0].value["display_name"].tolist()
    at = select_result_rows(at, names.index("Ana Active"))
    assert _preview_name(at) == "Ana Active"
    at.selectbox(key="f-category").select("Food")
    at.button(key="f-submit").click().run()
    assert at.dataframe[0].value["display_name"].tolist() == ["Chef Omar"]
    assert not at.subheader, "a creator outside the new results is still previewed"
    assert any("Select a single row" in i.value for i in at.info)


def test_selecting_several_rows_previews_nobody_and_says_why(app_db):
    sponsor = f.sponsor(app_db)
    f.campaign(app_db, sponsor)
    f.influencer(app_db, name="Ana Active")
    f.influencer(app_db, name="Bea Baker")
    at = select_result_rows(app_test("pages/sponsor/find_influencers.py", sponsor.id).run(), 0, 1)
    assert not at.subheader
    assert any("2 creators selected" in i.value for i in at.info)
    with app_db.ReadSession.begin() as s:
        assert s.query(AdRequest).count() == 0


def _label_lookups(tree: ast.AST):
    """selectbox calls whose format_func looks labels up in a dict built at run time (a lower-case name)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "selectbox":
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "format_func" and isinstance(value, ast.Attribute) and value.attr == "get":
                    if isinstance(value.value, ast.Name) and not value.value.id.isupper():
                        yield node.lineno


def test_every_record_picker_goes_through_the_one_picker_whose_label_is_its_value():
    offenders = [
        f"{path.relative_to(PAGES)}:{line}"
        for path in PAGES.rglob("*.py")
        if path.name != "pickers.py"
        for line in _label_lookups(ast.parse(path.read_text()))
    ]
    assert offenders == [], "use pages.common.pickers.pick for id -> label lists: " + ", ".join(offenders)


def _none_option_script() -> None:
    import streamlit as st

    from pages.common.pickers import pick

    st.session_state["picked"] = pick("For campaign", {None: "No campaign", 7: "Spring run"}, key="for-campaign")


def test_a_none_option_is_shown_by_its_label_not_as_an_empty_choice():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_none_option_script).run()
    box = at.selectbox[0]
    assert box.value == "(none)" and box.format_func(box.value) == "No campaign"
    assert at.session_state["picked"] is None
    box.select(7).run()
    assert at.session_state["picked"] == 7
