"""Dashboard trend panels (empty state, then charts) and the similar-creators panel on Find influencers."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from core.crm import snapshots
from core.platform.timeutil import utcnow
from tests import factories as f
from tests.pages.conftest import app_test, select_result_rows


def open_page(path: str, actor_id: int) -> AppTest:
    return app_test(path, actor_id).run()


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])


def _snapshots_until_yesterday(db) -> None:
    snapshots.catch_up(db, max_days=5, now=utcnow())


def open_trend_tab(sponsor_id: int) -> AppTest:
    """The sponsor dashboard with its 90-day trend tab open (only the open tab is built)."""
    at = app_test("pages/sponsor/dashboard.py", sponsor_id)
    at.session_state["dashboard-tab"] = "📈 90-day trend"
    return at.run()


def test_the_sponsor_dashboard_trend_says_when_the_first_snapshot_comes_then_charts_it(app_db):
    sponsor = f.sponsor(app_db)
    f.campaign(app_db, sponsor, start=dt.date.today() - dt.timedelta(days=10))
    at = open_trend_tab(sponsor.id)
    assert not at.exception and not at.error
    assert "No daily snapshots yet" in texts(at)
    charts_before = len(at.get("plotly_chart"))
    _snapshots_until_yesterday(app_db)
    at = open_trend_tab(sponsor.id)
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) == charts_before + 2
    assert "No daily snapshots yet" not in texts(at)


def test_the_admin_dashboard_charts_the_platform_trend_once_snapshots_exist(app_db):
    admin = f.admin(app_db)
    at = open_page("pages/admin/dashboard.py", admin.id)
    assert "No daily snapshots yet" in texts(at)
    _snapshots_until_yesterday(app_db)
    at = open_page("pages/admin/dashboard.py", admin.id)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 6  # the four platform charts and the two trend charts
    assert "paid to creators" in texts(at)


def test_find_influencers_shows_similar_creators_with_what_they_share_once_the_index_is_built(app_db):
    from core.crm import similar

    sponsor = f.sponsor(app_db)
    f.influencers(
        app_db,
        [
            {"display_name": "Trail Tess", "niche": "trail running", "bio": "Mountain trail runs."},
            {"display_name": "Ultra Uma", "niche": "trail running", "bio": "Ultra trail races."},
        ],
    )
    at = select_result_rows(open_page("pages/sponsor/find_influencers.py", sponsor.id), 0)
    assert not at.exception and not at.error
    assert "No similar creators found yet" in texts(at)
    f.write(app_db, lambda s: similar.build_index(s))
    at = select_result_rows(open_page("pages/sponsor/find_influencers.py", sponsor.id), 0)
    assert not at.exception and not at.error
    table = at.dataframe[-1].value
    assert len(table) == 1 and "shared: " in table["why"].iloc[0] and "trail" in table["why"].iloc[0]
