"""The Users page when the user count stopped at its cap: it says "more than" and still pages forward."""

from __future__ import annotations

from core.marketplace import accounts
from tests import factories as f
from tests.pages.test_admin_pages import button, open_page, texts


def test_past_the_count_cap_the_users_page_says_more_than_and_pages_on(app_db, monkeypatch):
    admin = f.admin(app_db)
    for n in range(22):
        f.influencer(app_db, name=f"Creator {n}")
    monkeypatch.setattr(accounts, "USERS_COUNT_CAP", 5)
    at = open_page("users", admin.id)
    assert "Showing 1–20 of more than 5 users" in texts(at)
    button(at, "Next →").click().run()
    assert "Showing 21–23 of more than 5 users" in texts(at)
    assert button(at, "Next →").disabled  # a short page is the last one
