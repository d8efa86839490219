"""Defect 6 of Step 8: a success message shows once, on the page where the action happened."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page_with_an_action(rerun_after: bool) -> None:
    import streamlit as st

    from pages.common import session

    def page() -> None:
        session.show_flash()
        if st.button("Save", key="save") and session.run_action(lambda s: 1, success="Saved"):
            if st.session_state.get("rerun_after"):
                st.rerun()
        st.button("Something else", key="other")

    st.session_state.setdefault("rerun_after", rerun_after)
    session.run_page(page)


def _run(rerun_after: bool, app_db) -> AppTest:
    at = AppTest.from_function(_page_with_an_action, args=(rerun_after,), default_timeout=30)
    return at.run()


def test_a_success_is_shown_once_as_a_banner_and_never_also_as_a_toast(app_db):
    for rerun_after in (False, True):
        at = _run(rerun_after, app_db)
        at.button(key="save").click().run()
        assert [s.value for s in at.success] == ["Saved"], rerun_after
        assert not at.toast


def test_the_next_click_after_an_action_shows_no_stale_success_there_or_on_another_page(app_db):
    for rerun_after in (False, True):
        at = _run(rerun_after, app_db)
        at.button(key="save").click().run()
        at.button(key="other").click().run()
        assert not at.success, rerun_after
