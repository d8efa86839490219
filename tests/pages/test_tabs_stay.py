"""Defect 5 of Step 8: after an action the user stays on the tab where they acted."""

from __future__ import annotations

import ast
from pathlib import Path

from streamlit.proto.Block_pb2 import Block as BlockProto

from tests import factories as f
from tests.pages.conftest import app_test

PAGES = Path(__file__).resolve().parents[2] / "pages"
SETTINGS = "⚙️ Status, visibility, delete"


def _tab_containers(node):
    """Every st.tabs block in the rendered tree, depth first."""
    proto = getattr(node, "proto", None)
    if isinstance(proto, BlockProto) and proto.WhichOneof("type") == "tab_container":
        yield proto.tab_container
    for child in getattr(node, "children", {}).values():
        yield from _tab_containers(child)


def test_making_a_campaign_private_keeps_the_settings_tab_open_though_a_banner_appears_above_it(app_db):
    sponsor = f.sponsor(app_db)
    campaign_id = f.campaign(app_db, sponsor, is_public=True)
    at = app_test("pages/sponsor/campaigns.py", sponsor.id)
    at.session_state["campaign-section"] = SETTINGS  # the user opened the settings tab
    at.run()
    before = {t.id for t in _tab_containers(at._tree)}
    at.button(key=f"visibility-{campaign_id}").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Visibility changed"]
    after = list(_tab_containers(at._tree))
    # The tabs keep their identity (the browser keeps the open tab) and the server still has the settings tab.
    assert before and all(t.id for t in after) and {t.id for t in after} == before
    assert at.session_state["campaign-section"] == SETTINGS


def test_every_page_tab_bar_keeps_its_choice_across_reruns():
    unkeyed = [
        f"{path.relative_to(PAGES)}:{node.lineno}"
        for path in PAGES.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", None) == "tabs"
        and not any(k.arg == "key" for k in node.keywords)
    ]
    assert unkeyed == [], "use pages.common.widgets.tabs(labels, key=...): " + ", ".join(unkeyed)
