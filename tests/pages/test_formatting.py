"""Defect 8 of Step 8: one way to show money, dates, counts and missing values, in every table."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.marketplace import ad_requests
from pages.common import formatting as fmt
from tests import factories as f
from tests.pages.conftest import app_test

PAGES = Path(__file__).resolve().parents[2] / "pages"


@pytest.mark.parametrize("missing", [None, np.nan, pd.NaT, pd.NA])
def test_every_kind_of_missing_value_is_shown_as_a_dash(missing):
    assert fmt.money(missing) == fmt.day(missing) == fmt.moment(missing) == fmt.count(missing) == "—"
    assert fmt.compact(missing) == fmt.text(missing) == "—"


def test_money_dates_and_counts_have_one_format_each():
    assert fmt.money(123456789) == "$1,234,567.89"
    assert fmt.day(dt.date(2026, 3, 7)) == fmt.day(pd.Timestamp("2026-03-07 23:59")) == "07 Mar 2026"
    assert fmt.moment(dt.datetime(2026, 3, 7, 14, 5)) == "07 Mar 2026, 14:05 UTC"
    assert (fmt.count(54321), fmt.compact(54321), fmt.compact(1_834_000)) == ("54,321", "54.3k", "1.8M")
    assert fmt.plural(1, "request") == "1 request" and fmt.plural(3, "request") == "3 requests"


def test_a_table_shows_a_dash_for_missing_text_but_keeps_numbers_and_link_addresses():
    frame = pd.DataFrame({"name": ["Ana", None], "note": ["", "hi"], "n": [1.5, np.nan], "url": [None, "x"]})
    shown = fmt.blank_missing(frame, keep=("url",))
    assert shown["name"].tolist() == ["Ana", "—"] and shown["note"].tolist() == ["—", "hi"]
    assert np.isnan(shown["n"].iloc[1]) and fmt.is_missing(shown["url"].iloc[0])


def test_a_request_without_messages_shows_a_dash_not_none_in_the_sponsors_table(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    with app_db.Session.begin() as s:
        ad_requests.send_ad_request(
            s,
            actor=sponsor,
            campaign_id=campaign_id,
            influencer_id=influencer.id,
            payment_cents=5_000,
            requirements="One reel",
            message="",
        )
    at = app_test("pages/sponsor/campaigns.py", sponsor.id).run()
    assert not at.exception
    requests = next(d.value for d in at.dataframe if "last_message" in d.value.columns)
    assert requests["last_message"].tolist() == ["—"]
    assert requests.columns[:3].tolist() == ["influencer", "payment", "status"]  # what a phone shows


def _calls(attr: str):
    for path in PAGES.rglob("*.py"):
        if path.name == "formatting.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr:
                yield f"{path.relative_to(PAGES)}:{node.lineno}", node


def test_every_table_and_date_column_goes_through_the_formatting_module():
    raw_tables = [where for where, _ in _calls("dataframe")]
    date_columns = [where for where, _ in _calls("DateColumn")] + [where for where, _ in _calls("DatetimeColumn")]
    assert raw_tables == [], "use pages.common.formatting.table"
    assert date_columns == [], "use formatting.day_column / moment_column"
