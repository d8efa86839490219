"""My account: own profile, reminder channels and password, for the logged-in user only."""

from __future__ import annotations

from sqlalchemy import select

from core.models import SponsorProfile, User
from core.platform.passwords import verify_password
from tests import factories as f
from tests.pages.conftest import app_test

PAGE = "pages/account/my_account.py"


def _texts(at) -> str:
    return " ".join(str(e.value) for e in (*at.error, *at.warning, *at.success, *at.info))


def test_a_sponsor_edits_their_own_profile_and_budget(app_db):
    sponsor = f.sponsor(app_db)
    at = app_test(PAGE, sponsor.id).run()
    form_inputs = [w for w in at.text_input if w.label == "Your name"]
    form_inputs[0].input("Renamed Co")
    [w for w in at.number_input if w.label.startswith("Total marketing budget")][0].set_value(1234.5)
    [b for b in at.button if b.label == "Save profile"][0].click()
    at.run()
    assert not at.exception
    with app_db.ReadSession.begin() as s:
        profile = s.get(SponsorProfile, sponsor.id)
        assert (profile.name, profile.budget_cents) == ("Renamed Co", 123_450)


def test_a_wrong_current_password_is_refused_and_the_hash_is_unchanged(app_db):
    influencer = f.influencer(app_db)
    at = app_test(PAGE, influencer.id).run()
    fields = {w.label: w for w in at.text_input}
    fields["Current password"].input("Not-my-pass-1")
    fields["New password"].input("Brand-new-pass-2")
    fields["Repeat new password"].input("Brand-new-pass-2")
    [b for b in at.button if b.label == "Change password"][0].click()
    at.run()
    assert "current password is not correct" in _texts(at)
    with app_db.ReadSession.begin() as s:
        assert verify_password(f.PASSWORD, s.scalar(select(User.password_hash).where(User.id == influencer.id)))


def test_a_password_change_with_the_right_current_password_works(app_db):
    influencer = f.influencer(app_db)
    at = app_test(PAGE, influencer.id).run()
    fields = {w.label: w for w in at.text_input}
    fields["Current password"].input(f.PASSWORD)
    fields["New password"].input("Brand-new-pass-2")
    fields["Repeat new password"].input("Brand-new-pass-2")
    [b for b in at.button if b.label == "Change password"][0].click()
    at.run()
    with app_db.ReadSession.begin() as s:
        assert verify_password("Brand-new-pass-2", s.scalar(select(User.password_hash).where(User.id == influencer.id)))


def test_the_account_page_stops_without_a_logged_in_user(app_db):
    at = app_test(PAGE).run()
    assert "Please log in" in _texts(at)
    assert not at.text_input
