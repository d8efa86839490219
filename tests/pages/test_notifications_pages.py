"""Every role's Notifications page: its own notifications, unread first, read marks, and Open going to the object."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete
from streamlit.testing.v1 import AppTest

from core.messaging import notifications
from core.models import Notification
from pages.common import navigation
from tests import factories as f
from tests.pages.conftest import app_test

ROOT = Path(__file__).resolve().parents[2]


def notify(db, user_id: int, title: str, link: str | None = None) -> int:
    with db.Session.begin() as s:
        notifications.notify(s, user_id, "ad_request", title, "Body text", link=link)
    with db.ReadSession.begin() as s:
        return int(notifications.list_notifications(s, actor=f.actor(db, user_id), limit=1)["id"].iloc[0])


def page(role: str, actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / role / "notifications.py"), default_timeout=30)
    at.session_state["actor_id"] = actor.id
    return at.run()


def people(db) -> dict:
    return {"sponsor": f.sponsor(db, name="Bright Wave"), "influencer": f.influencer(db), "admin": f.admin(db)}


@pytest.mark.parametrize("role", ["sponsor", "influencer", "admin"])
def test_every_role_has_a_notifications_page_in_its_navigation(role):
    paths = [p for entries in navigation.ROLE_PAGES[role].values() for p, _, _ in entries]
    assert f"{role}/notifications.py" in paths
    assert (ROOT / "pages" / role / "notifications.py").exists()


@pytest.mark.parametrize("role", ["sponsor", "influencer", "admin"])
def test_every_roles_notifications_page_lists_its_own_notifications_only(app_db, role):
    everyone = people(app_db)
    me = everyone[role]
    for other_role, other in everyone.items():
        notify(app_db, other.id, f"For the {other_role}")
    at = page(role, me)
    assert not at.exception and not at.error
    assert at.title[0].value == "Notifications"
    shown = " ".join(m.value for m in at.markdown)
    assert f"For the {role}" in shown
    assert all(f"For the {r}" not in shown for r in everyone if r != role)


def test_a_linked_notification_has_an_open_button_and_a_legacy_one_has_none(app_db):
    sponsor = f.sponsor(app_db)
    linked = notify(app_db, sponsor.id, "Linked", link="deliverable:3")
    legacy = notify(app_db, sponsor.id, "Legacy", link="something-old")
    at = page("sponsor", sponsor)
    keys = {b.key for b in at.button}
    assert f"notif_open_{linked}" in keys and f"notif_open_{legacy}" not in keys
    assert any("in Content approvals" in c.value for c in at.caption)


def test_unread_notifications_come_first_even_past_the_page_limit(app_db):
    influencer = f.influencer(app_db)
    unread = notify(app_db, influencer.id, "The old unread one")
    for n in range(3):
        notify(app_db, influencer.id, f"Newer {n}")
    with app_db.Session.begin() as s:
        notifications.mark_read(s, actor=influencer, notification_ids=list(range(unread + 1, unread + 4)))
    with app_db.ReadSession.begin() as s:
        frame = notifications.list_notifications(s, actor=influencer, limit=2)
    assert frame["id"].tolist()[0] == unread


def test_timestamps_use_the_one_date_format(app_db):
    influencer = f.influencer(app_db)
    notify(app_db, influencer.id, "Dated")
    at = page("influencer", influencer)
    assert any(c.value.endswith("UTC") and "ad request · " in c.value for c in at.caption)


# ---- through the router: the sidebar badge opens the page, Open opens the object ----------------------------


def _login(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="FormSubmitter:login_form-Log in").click()
    return at.run()


def test_the_sidebar_badge_opens_notifications_and_open_goes_to_the_negotiation_marking_it_read(app_db):
    sponsor = f.sponsor(app_db, name="Bright Wave")
    influencer = f.influencer(app_db, name="Maya")
    f.campaign(app_db, sponsor, name="Glow serum launch")
    second = f.campaign(app_db, sponsor, name="Winter coats")
    request_id = f.request(app_db, sponsor, second, influencer)
    nid = notify(app_db, sponsor.id, "Maya countered", link=f"request:{request_id}")

    at = _login(app_test("app.py").run(), sponsor.username, f.PASSWORD)
    assert not at.exception
    at.sidebar.button(key="notif_badge").click()
    at = at.run()
    assert not at.exception
    assert at.title[0].value == "Notifications"

    at.button(key=f"notif_open_{nid}").click()
    at = at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Campaigns"
    assert "Winter coats" in at.subheader[0].value
    assert any(str(b.key).startswith("request-pick-") and b.value == request_id for b in at.selectbox)
    with app_db.ReadSession.begin() as s:
        unread = notifications.list_notifications(s, actor=sponsor, unread_only=True)["id"].tolist()
    assert nid not in unread, "opening a notification reads it"


# ---- paging: 20 a page, real LIMIT/OFFSET in the core, actions act on what is shown ----------------------------


def many(db, user_id: int, n: int) -> list[int]:
    """Exactly n notifications, "Note 0".."Note n-1" (the factory's welcome ones removed); ids in page order."""
    with db.Session.begin() as s:
        s.execute(delete(Notification).where(Notification.user_id == user_id))
        for k in range(n):
            notifications.notify(s, user_id, "ad_request", f"Note {k}", "Body text")
    with db.ReadSession.begin() as s:
        return notifications.list_notifications(s, actor=f.actor(db, user_id), limit=500)["id"].tolist()


def shown_titles(at: AppTest) -> list[str]:
    return [m.value.split("**")[1] for m in at.markdown if m.value.count("**") == 2 and "Note " in m.value]


def test_the_next_page_shows_the_next_twenty_notifications_and_the_last_page_the_rest(app_db):
    sponsor = f.sponsor(app_db)
    ids = many(app_db, sponsor.id, 45)
    at = page("sponsor", sponsor)
    assert shown_titles(at) == [f"Note {k}" for k in range(44, 24, -1)]
    assert at.button(key="notif_page:back").disabled
    at.button(key="notif_page:forward").click()
    at = at.run()
    assert shown_titles(at) == [f"Note {k}" for k in range(24, 4, -1)]
    at.button(key="notif_page:forward").click()
    at = at.run()
    assert shown_titles(at) == [f"Note {k}" for k in range(4, -1, -1)]
    assert at.button(key="notif_page:forward").disabled
    assert any("Page 3 of 3" in c.value and "41–45 of 45" in c.value for c in at.caption)
    assert {f"notif_read_{i}" for i in ids[40:]} <= {b.key for b in at.button}


def test_marking_one_read_on_page_two_marks_the_notification_shown_there(app_db):
    influencer = f.influencer(app_db)
    ids = many(app_db, influencer.id, 30)
    at = page("influencer", influencer)
    at.button(key="notif_page:forward").click()
    at = at.run()
    target = ids[25]
    at.button(key=f"notif_read_{target}").click()
    at.run()
    with app_db.ReadSession.begin() as s:
        unread = notifications.list_notifications(s, actor=influencer, unread_only=True, limit=500)["id"].tolist()
    assert target not in unread and len(unread) == 29


def test_mark_all_as_read_marks_every_page_not_only_the_one_shown(app_db):
    sponsor = f.sponsor(app_db)
    many(app_db, sponsor.id, 45)
    at = page("sponsor", sponsor)
    at.button(key="notif_mark_all").click()
    at = at.run()
    with app_db.ReadSession.begin() as s:
        assert notifications.counts(s, actor=sponsor) == {"total": 45, "unread": 0}
    assert at.button(key="notif_mark_all").disabled


def test_a_page_that_no_longer_exists_falls_back_to_the_last_one_and_an_empty_unread_list_says_so(app_db):
    admin = f.admin(app_db)
    ids = many(app_db, admin.id, 25)
    at = page("admin", admin)
    at.button(key="notif_page:forward").click()
    at = at.run()
    with app_db.Session.begin() as s:
        notifications.mark_read(s, actor=admin, notification_ids=ids[:10])
    at.toggle(key="notif_unread_only").set_value(True)
    at = at.run()
    assert not at.exception
    assert shown_titles(at) == [f"Note {k}" for k in range(14, -1, -1)]
    with app_db.Session.begin() as s:
        notifications.mark_read(s, actor=admin)
    at = at.run()
    assert shown_titles(at) == []
    assert any("all caught up" in i.value for i in at.info)


def test_the_core_pages_with_limit_and_offset_and_counts_only_the_actors_own(database):
    mine, other = f.influencer(database), f.influencer(database)
    ids = many(database, mine.id, 7)
    many(database, other.id, 3)
    with database.ReadSession.begin() as s:
        second = notifications.list_notifications(s, actor=mine, limit=3, offset=3)["id"].tolist()
        past = notifications.list_notifications(s, actor=mine, limit=3, offset=9)
        bad = notifications.list_notifications(s, actor=mine, limit=3, offset=-5)["id"].tolist()
        tally = notifications.counts(s, actor=mine)
    assert second == ids[3:6] and past.empty and bad == ids[:3]
    assert tally == {"total": 7, "unread": 7}
