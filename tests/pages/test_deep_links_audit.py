"""The audit log page: names instead of ids, and a selected row opens its target where it has a page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.marketplace import campaigns
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def audit_page(admin) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "admin" / "audit.py"), default_timeout=30)
    at.session_state["actor_id"] = admin.id
    return at.run()


def shown(at: AppTest):
    (table,) = [d for d in at.dataframe if d.key and d.key.startswith("audit_rows_")]
    return table


def test_the_audit_log_shows_who_and_what_by_name_never_user_number(app_db):
    admin = f.admin(app_db)
    sponsor = f.sponsor(app_db, name="Bright Wave")
    campaign_id = f.campaign(app_db, sponsor, name="Glow serum launch")
    f.write(app_db, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="Spam"))
    at = audit_page(admin)
    assert not at.exception and not at.error
    frame = shown(at).value
    assert "campaign: Glow serum launch" in frame["target"].tolist()
    assert f"user: Bright Wave (@{sponsor.username})" in frame["target"].tolist()
    assert f"@{admin.username}" in frame["actor_name"].tolist()
    assert not any(str(t).startswith("user #") for t in frame["target"])


def test_selecting_a_campaign_row_offers_to_open_it_in_campaigns(app_db):
    admin = f.admin(app_db)
    sponsor = f.sponsor(app_db, name="Bright Wave")
    campaign_id = f.campaign(app_db, sponsor, name="Glow serum launch")
    f.write(app_db, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="Spam"))
    at = audit_page(admin)
    table = shown(at)
    row = table.value["action"].tolist().index("campaign.flagged")
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": []}}
    at = at.run()
    assert "Glow serum launch" in at.button(key="audit_open").label
    assert "Campaigns & requests" in at.button(key="audit_open").label
