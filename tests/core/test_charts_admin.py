"""The admin dashboard's chart builders: expected traces for given frames, and no crash on empty ones."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.marketplace import stats
from core.reporting.charts import admin as charts
from tests import factories as f

USERS = {
    "total": 9,
    "admins": 1,
    "sponsors": 3,
    "influencers": 5,
    "active": 6,
    "pending_sponsors": 1,
    "flagged": 1,
    "deactivated": 1,
    "logged_in_30d": 4,
}
REQUESTS = {
    "total": 7,
    "pending": 2,
    "negotiating": 1,
    "accepted": 2,
    "rejected": 1,
    "withdrawn": 0,
    "completed": 1,
    "paid_cents": 12_000,
}


def empty(*columns: str) -> pd.DataFrame:
    """An empty frame shaped like admin_statistics' frames on a fresh database."""
    return pd.DataFrame([], columns=list(columns))


def is_empty_figure(fig: go.Figure) -> bool:
    return len(fig.data) == 0 and [a.text for a in fig.layout.annotations] == [charts.EMPTY_TEXT]


def vega_values(chart) -> list[dict]:
    spec = chart.to_dict()
    return next(iter(spec["datasets"].values())) if spec.get("datasets") else spec["data"].get("values", [])


def test_user_frames_count_each_role_and_standing():
    assert dict(charts.users_by_role_frame(USERS).values.tolist()) == {"sponsor": 3, "influencer": 5, "admin": 1}
    assert dict(charts.users_by_state_frame(USERS).values.tolist()) == {
        "active": 6,
        "pending": 1,
        "flagged": 1,
        "deactivated": 1,
    }


def test_users_by_role_chart_is_one_donut_without_empty_roles():
    fig = charts.users_by_role_chart(charts.users_by_role_frame({**USERS, "admins": 0}))
    assert [type(t).__name__ for t in fig.data] == ["Pie"]
    assert list(fig.data[0].labels) == ["sponsor", "influencer"]
    assert list(fig.data[0].values) == [3, 5]
    assert fig.data[0].hole > 0


def test_users_by_state_chart_has_one_bar_per_standing():
    fig = charts.users_by_state_chart(charts.users_by_state_frame(USERS))
    assert [type(t).__name__ for t in fig.data] == ["Bar"]
    assert list(fig.data[0].x) == ["active", "pending", "flagged", "deactivated"]
    assert list(fig.data[0].y) == [6, 1, 1, 1]


def test_requests_by_status_chart_has_every_status_in_lifecycle_order():
    fig = charts.requests_by_status_chart(charts.requests_by_status_frame(REQUESTS))
    assert list(fig.data[0].x) == ["pending", "negotiating", "accepted", "rejected", "withdrawn", "completed"]
    assert list(fig.data[0].y) == [2, 1, 2, 1, 0, 1]


def test_money_chart_shows_committed_and_paid_per_month_in_dollars():
    frame = pd.DataFrame(
        {"month": ["2026-09", "2026-10"], "committed_cents": [65_000, 120_050], "paid_cents": [0, 80_000]}
    )
    fig = charts.money_by_month_chart(frame)
    assert [t.name for t in fig.data] == ["Committed", "Paid"]
    assert list(fig.data[0].y) == [650.0, 1200.5]
    assert list(fig.data[1].y) == [0.0, 800.0]
    assert [pd.Timestamp(x).strftime("%Y-%m-%d") for x in fig.data[0].x] == ["2026-09-01", "2026-10-01"]
    assert fig.layout.barmode == "group"


def test_plotly_charts_of_empty_data_say_there_is_no_data_yet():
    assert is_empty_figure(charts.users_by_role_chart(charts.users_by_role_frame({})))
    assert is_empty_figure(charts.users_by_state_chart(charts.users_by_state_frame({})))
    assert is_empty_figure(charts.requests_by_status_chart(charts.requests_by_status_frame({})))
    assert is_empty_figure(charts.money_by_month_chart(empty("month", "committed_cents", "paid_cents")))
    assert is_empty_figure(charts.users_by_role_chart(empty("role", "count")))


def test_activity_chart_puts_sign_ups_per_role_and_ad_requests_side_by_side_per_month():
    signups = pd.DataFrame(
        {
            "month": ["2026-10", "2026-10", "2026-10", "2026-11"],
            "role": ["admin", "sponsor", "influencer", "influencer"],
            "count": [1, 2, 5, 3],
        }
    )
    requests = pd.DataFrame({"month": ["2026-11"], "count": [4]})
    frame = charts.activity_frame(signups, requests)
    assert frame[["series", "count"]].values.tolist() == [
        ["Sign-ups: influencers", 5],
        ["Sign-ups: sponsors", 2],
        ["Ad requests", 4],
        ["Sign-ups: influencers", 3],
    ]
    assert [m.strftime("%Y-%m") for m in frame["month"]] == ["2026-10", "2026-10", "2026-11", "2026-11"]
    chart = charts.activity_chart(frame)
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["xOffset"]["field"] == "series"
    assert len(vega_values(chart)) == 4


def test_category_charts_rank_categories_with_budget_in_dollars():
    top = pd.DataFrame({"category": ["Fitness", "Tech"], "campaigns": [4, 1], "budget_cents": [1_000_000, 25_050]})
    chart = charts.top_categories_chart(top)
    assert chart.to_dict()["encoding"]["y"]["sort"] == "-x"
    assert [(v["category"], v["budget"]) for v in vega_values(chart)] == [("Fitness", 10_000.0), ("Tech", 250.5)]
    infl = charts.influencer_categories_chart(pd.DataFrame({"category": ["Food"], "influencers": [7]}))
    assert vega_values(infl) == [{"category": "Food", "influencers": 7}]


def test_altair_charts_of_empty_frames_build_empty_specs():
    no_activity = charts.activity_frame(empty("month", "role", "count"), empty("month", "count"))
    assert no_activity.empty and list(no_activity.columns) == ["month", "series", "count"]
    for chart in (
        charts.activity_chart(no_activity),
        charts.top_categories_chart(empty("category", "campaigns", "budget_cents")),
        charts.influencer_categories_chart(empty("category", "influencers")),
    ):
        assert vega_values(chart) == []


def test_the_builders_accept_admin_statistics_from_a_fresh_and_a_busy_database(database):
    admin = f.admin(database)
    for populate in (False, True):
        if populate:
            sponsor = f.sponsor(database)
            influencer = f.influencer(database)
            f.request(database, sponsor, f.campaign(database, sponsor), influencer)
        with database.ReadSession.begin() as s:
            figures = stats.admin_statistics(s, actor=admin)
        roles = charts.users_by_role_chart(charts.users_by_role_frame(figures["users"]))
        assert list(roles.data[0].values) == ([1, 1, 1] if populate else [1])
        by_status = charts.requests_by_status_chart(charts.requests_by_status_frame(figures["ad_requests"]))
        assert is_empty_figure(by_status) is not populate
        assert is_empty_figure(charts.money_by_month_chart(figures["money_by_month"]))  # nothing accepted yet
        activity = charts.activity_frame(figures["signups_by_month"], figures["ad_requests_by_month"])
        assert charts.activity_chart(activity).to_dict()["mark"]["type"] == "bar"
        charts.top_categories_chart(figures["top_categories"]).to_dict()
        charts.influencer_categories_chart(figures["influencer_categories"]).to_dict()
        assert set(activity["series"]) == (
            {"Sign-ups: sponsors", "Sign-ups: influencers", "Ad requests"} if populate else set()
        )
