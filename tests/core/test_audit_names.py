"""The audit log's read names who acted and what they acted on, in one query."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import event

from core import audit
from core.marketplace import campaigns
from tests import factories as f


def test_the_audit_log_names_who_acted_and_on_what(database):
    admin = f.admin(database)
    sponsor = f.sponsor(database, name="Bright Wave")
    campaign_id = f.campaign(database, sponsor, name="Glow serum launch")
    f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="Spam"))

    frame = f.read(database, lambda s: audit.list_entries(s, actor=admin))
    rows = {row.action: row for row in frame.itertuples()}
    flagged, approved = rows["campaign.flagged"], rows["sponsor.approved"]
    assert (flagged.actor_name, flagged.target) == (f"@{admin.username}", "Glow serum launch")
    assert approved.target == f"Bright Wave (@{sponsor.username})"
    assert approved.target_id == sponsor.id and approved.actor == admin.username


def test_a_target_without_a_name_or_an_actor_keeps_none_for_the_page_to_word(database):
    admin = f.admin(database)
    f.write(database, lambda s: audit.record(s, None, "reminders.sent", "reminder_day", 20260301))
    row = f.read(database, lambda s: audit.list_entries(s, actor=admin)).iloc[0]
    assert row["actor_name"] is None and row["target"] is None and row["target_id"] == 20260301


def test_names_are_read_in_one_query_however_many_rows(database):
    admin = f.admin(database)
    for n in range(5):
        sponsor = f.sponsor(database, name=f"Firm {n}")
        f.campaign(database, sponsor, name=f"Campaign {n}")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        frame = f.read(database, lambda s: audit.list_entries(s, actor=admin))
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert frame["target"].notna().sum() >= 10
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_a_request_an_organization_and_a_user_target_are_named_from_their_own_rows(database):
    admin = f.admin(database)
    sponsor = f.sponsor(database, name="Bright Wave")
    creator = f.influencer(database, name="Maya Lopez")
    campaign_id = f.campaign(database, sponsor, name="Glow serum launch")
    request_id = f.request(database, sponsor, campaign_id, creator)
    for kind, target_id in (
        ("ad_request", request_id),
        ("organization", sponsor.organization_id),
        ("user", creator.id),
    ):
        f.write(
            database, lambda s, kind=kind, target_id=target_id: audit.record(s, admin, f"test.{kind}", kind, target_id)
        )
    f.write(database, lambda s: audit.record(s, admin, "test.gone", "ad_request", request_id + 1000))

    rows = {
        row.action: row.target for row in f.read(database, lambda s: audit.list_entries(s, actor=admin)).itertuples()
    }

    assert rows["test.ad_request"] == "Glow serum launch · Maya Lopez"
    assert rows["test.organization"] == "Bright Wave"
    assert rows["test.user"] == f"Maya Lopez (@{creator.username})"
    assert pd.isna(rows["test.gone"])  # a target row that is gone keeps no name
