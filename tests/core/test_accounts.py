"""Accounts: registration, login with lockout, approval, moderation and own-profile use cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts, cached_reads, organizations, search
from core.messaging import notifications
from core.models import AuditLog, Campaign, InfluencerProfile, SponsorProfile, User
from core.platform import cache
from core.platform.timeutil import utcnow
from tests import factories as f
from tests.conftest import ADMIN_PASSWORD


def _user(db, user_id) -> User:
    return f.read(db, lambda s: s.get(User, user_id))


def _login(db, username, password):
    return f.write(db, lambda s: accounts.authenticate(s, username=username, password=password))


def _audit_actions(db, user_id) -> list[str]:
    return f.read(
        db,
        lambda s: list(
            s.scalars(
                select(AuditLog.action)
                .where(AuditLog.target_type == "user", AuditLog.target_id == user_id)
                .order_by(AuditLog.id)
            )
        ),
    )


# ---- registration ------------------------------------------------------------------------------------------


def test_a_registered_influencer_can_log_in_at_once_and_is_listed_with_reach_and_score(database):
    user_id = f.write(
        database,
        lambda s: accounts.register_influencer(
            s,
            username="  Yoga.Mia ",
            email="Mia@Example.com",
            password="Sunny-day-42",
            display_name="Mia Moves",
            category="Fitness",
            niche="yoga",
            platform="Instagram",
            followers=120_000,
            engagement_rate=5.5,
            profile_url="https://instagram.com/mia",
            bio="Morning flows",
        ),
    )
    user = _user(database, user_id)
    profile = f.read(database, lambda s: s.get(InfluencerProfile, user_id))
    assert (user.username, user.email, user.role, user.approval) == (
        "yoga.mia",
        "mia@example.com",
        "influencer",
        "approved",
    )
    assert user.password_hash != "Sunny-day-42" and user.password_hash.startswith("$2")
    assert profile.platform == "instagram" and profile.listed is True
    assert profile.reach == round(120_000 * (0.10 + 0.055)) and 0 < profile.score <= 100

    result = _login(database, "YOGA.MIA", "Sunny-day-42")
    assert result.ok and result.actor.id == user_id and result.actor.role == "influencer"
    assert result.actor.display_name == "Mia Moves" and result.actor.can("ad_request.respond")
    assert _user(database, user_id).last_login_at is not None


def test_a_registered_sponsor_waits_for_approval_and_the_admins_are_told(database):
    user_id = f.sponsor(database, approved=False)
    user = _user(database, user_id)
    assert (user.role, user.approval) == ("sponsor", "pending")
    admin = f.admin(database)
    titles = f.read(database, lambda s: list(notifications.list_notifications(s, actor=admin)["title"]))
    assert any("awaiting approval" in t for t in titles)

    result = _login(database, user.username, f.PASSWORD)
    assert not result.ok and "awaiting approval" in result.message
    pending = f.read(database, lambda s: accounts.list_pending_sponsors(s, actor=admin))
    assert list(pending["id"]) == [user_id]
    assert f.read(database, lambda s: accounts.count_pending_sponsors(s, actor=admin)) == 1


def test_an_approved_sponsor_can_log_in_and_is_notified(database):
    user_id = f.sponsor(database, approved=False)
    admin = f.admin(database)
    f.write(database, lambda s: accounts.approve_sponsor(s, actor=admin, user_id=user_id))
    user = _user(database, user_id)
    assert user.approval == "approved"
    result = _login(database, user.username, f.PASSWORD)
    assert result.ok and result.actor.role == "sponsor" and result.actor.can("campaign.manage")
    assert "sponsor.approved" in _audit_actions(database, user_id)
    sponsor = result.actor
    assert f.read(database, lambda s: notifications.unread_count(s, actor=sponsor)) == 1
    assert f.read(database, lambda s: accounts.count_pending_sponsors(s, actor=admin)) == 0


def test_a_rejected_sponsor_sees_the_reason_when_trying_to_log_in(database):
    user_id = f.sponsor(database, approved=False)
    admin = f.admin(database)
    f.write(
        database,
        lambda s: accounts.reject_sponsor(s, actor=admin, user_id=user_id, reason="We could not verify the company"),
    )
    user = _user(database, user_id)
    assert (user.approval, user.approval_note) == ("rejected", "We could not verify the company")
    result = _login(database, user.username, f.PASSWORD)
    assert not result.ok
    assert "not approved" in result.message and "We could not verify the company" in result.message
    assert "sponsor.rejected" in _audit_actions(database, user_id)


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_a_sponsor_can_be_decided_on_only_once(database, decide):
    user_id = f.sponsor(database, approved=False)
    admin = f.admin(database)
    f.write(database, lambda s: accounts.approve_sponsor(s, actor=admin, user_id=user_id))
    with pytest.raises(Conflict, match="already approved"):
        if decide == "approve":
            f.write(database, lambda s: accounts.approve_sponsor(s, actor=admin, user_id=user_id))
        else:
            f.write(database, lambda s: accounts.reject_sponsor(s, actor=admin, user_id=user_id, reason="No"))
    assert _user(database, user_id).approval == "approved"


def test_only_sponsors_go_through_approval(database):
    influencer = f.influencer(database)
    admin = f.admin(database)
    with pytest.raises(Conflict, match="Only sponsor"):
        f.write(database, lambda s: accounts.approve_sponsor(s, actor=admin, user_id=influencer.id))
    with pytest.raises(NotFound):
        f.write(database, lambda s: accounts.approve_sponsor(s, actor=admin, user_id=987_654))


# ---- login and lockout -------------------------------------------------------------------------------------


def test_failed_logins_are_counted_in_the_database_and_lock_the_account(database):
    influencer = f.influencer(database)
    name = influencer.username
    messages = [_login(database, name, "Wrong-pass-9").message for _ in range(4)]
    assert set(messages) == {accounts.LOGIN_FAILED}  # no "n attempts left": that told a guesser the name exists
    assert _user(database, influencer.id).failed_logins == 4

    locked = _login(database, name, "Wrong-pass-9")
    assert not locked.ok and locked.message == accounts.LOGIN_FAILED and locked.locked_out_user_id == influencer.id
    user = _user(database, influencer.id)
    assert user.locked_until is not None and user.locked_until > utcnow() + dt.timedelta(minutes=14)
    assert "user.locked_out" in _audit_actions(database, influencer.id)

    # Even the right password is refused while locked, with the same words: the guesser learns nothing.
    still_locked = _login(database, name, f.PASSWORD)
    assert not still_locked.ok and still_locked.message == accounts.LOGIN_FAILED
    assert still_locked.locked_out_user_id is None  # the owner is told once, when the lock starts
    assert _user(database, influencer.id).last_login_at is None


def test_the_lockout_notice_goes_to_the_owner_not_to_the_guesser(database):
    influencer = f.influencer(database)
    for _ in range(5):
        _login(database, influencer.username, "Wrong-pass-9")
    frame = f.read(database, lambda s: notifications.list_notifications(s, actor=influencer))
    notice = frame[frame["kind"] == "security"]
    assert len(notice) == 1 and "locked" in notice.iloc[0]["title"].lower()
    assert "change your password" in notice.iloc[0]["body"]
    email = f.read(database, lambda s: accounts.lockout_notice(s, influencer.id))
    assert email["To"] == f"{influencer.username}@example.com" and "locked" in email["Subject"].lower()
    assert "change your password" in email.get_content()


def test_the_lockout_ends_after_its_time_and_a_good_login_resets_the_counter(database):
    influencer = f.influencer(database)
    for _ in range(5):
        _login(database, influencer.username, "Wrong-pass-9")
    # Time passes: the lock is in the past.
    f.write(
        database,
        lambda s: s.execute(
            update(User).where(User.id == influencer.id).values(locked_until=utcnow() - dt.timedelta(seconds=1))
        ),
    )
    _login(database, influencer.username, "Wrong-pass-9")
    assert _user(database, influencer.id).failed_logins == 1
    result = _login(database, influencer.username, f.PASSWORD)
    assert result.ok
    user = _user(database, influencer.id)
    assert (user.failed_logins, user.locked_until) == (0, None) and user.last_login_at is not None


def test_an_unknown_username_gets_the_same_message_as_a_wrong_password(database):
    result = _login(database, "nobody-here", f.PASSWORD)
    assert not result.ok and result.message == accounts.LOGIN_FAILED
    assert _login(database, "", "").message == accounts.LOGIN_FAILED


@pytest.mark.parametrize(
    "username, password",
    [
        ("bad\x00name", f.PASSWORD),
        ("\x00", ""),
        ("admin\x00", ADMIN_PASSWORD),
        ("admin", "Admin-pass-1\x00"),
        ("nobody-here", "pass\x00word-1"),
        ("bad\ud800name", "pass\ud800word-1"),  # a lone surrogate cannot even be encoded for the database
        ("x" * 5000, "y" * 5000),
    ],
    ids=[
        "nul-in-name",
        "only-nul",
        "nul-after-real-name",
        "nul-in-real-password",
        "nul-in-password",
        "surrogate",
        "huge",
    ],
)
def test_control_characters_or_huge_input_in_a_login_are_a_plain_wrong_username_or_password(
    database, username, password
):
    before = f.snapshot(database, ("users", "audit_log", "notifications"))
    result = _login(database, username, password)
    assert not result.ok and result.message == accounts.LOGIN_FAILED
    if not username.startswith("admin"):
        assert f.snapshot(database, ("users", "audit_log", "notifications")) == before


class _CountingCheckpw:
    """Counts bcrypt verifications (the expensive step) while running the real ones."""

    def __init__(self, real):
        self.real, self.calls = real, 0

    def __call__(self, password, hashed):
        self.calls += 1
        return self.real(password, hashed)


def test_every_login_attempt_costs_exactly_one_bcrypt_verification_whatever_the_account_state(database, monkeypatch):
    import bcrypt

    admin = f.admin(database)
    ok, locked, pending, flagged = (f.influencer(database) for _ in range(4))
    pending_id = f.sponsor(database, approved=False)
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=flagged.id, reason="Spam"))
    f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=pending.id, reason="Asked"))
    for _ in range(5):
        _login(database, locked.username, "Wrong-pass-9")
    pending_name = _user(database, pending_id).username
    counter = _CountingCheckpw(bcrypt.checkpw)
    monkeypatch.setattr(bcrypt, "checkpw", counter)
    attempts = [
        ("nobody-here", f.PASSWORD),
        ("bad\x00name", f.PASSWORD),
        ("", ""),
        (ok.username, "Wrong-pass-9"),
        (ok.username, "x" * 100),
        (ok.username, "nul\x00inside-1"),
        (locked.username, "Wrong-pass-9"),
        (locked.username, f.PASSWORD),
        (pending_name, "Wrong-pass-9"),
        (pending_name, f.PASSWORD),
        (flagged.username, "Wrong-pass-9"),
        (flagged.username, f.PASSWORD),
        (pending.username, f.PASSWORD),
        (ok.username, f.PASSWORD),
    ]
    for username, password in attempts:
        before = counter.calls
        _login(database, username, password)
        assert counter.calls - before == 1, (username, password)


@pytest.mark.parametrize("standing", ["flagged", "deactivated", "pending"])
def test_the_reason_an_account_cannot_log_in_is_shown_only_after_the_right_password(database, standing):
    admin = f.admin(database)
    if standing == "pending":
        username = _user(database, f.sponsor(database, approved=False)).username
    else:
        influencer = f.influencer(database)
        username = influencer.username
        if standing == "flagged":
            f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=influencer.id, reason="Spam"))
        else:
            f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=influencer.id, reason="x"))
    assert _login(database, username, "Wrong-pass-9").message == accounts.LOGIN_FAILED
    right = _login(database, username, f.PASSWORD)
    assert not right.ok and right.message != accounts.LOGIN_FAILED


@pytest.mark.parametrize(
    "standing, expected",
    [
        ("flagged", "flagged by an administrator"),
        ("deactivated", "deactivated"),
        ("pending", "awaiting approval"),
        ("rejected", "not approved"),
    ],
)
def test_users_not_in_good_standing_cannot_log_in_and_their_cookie_stops_working(database, standing, expected):
    admin = f.admin(database)
    if standing in ("pending", "rejected"):
        user_id = f.sponsor(database, approved=False)
        if standing == "rejected":
            f.write(database, lambda s: accounts.reject_sponsor(s, actor=admin, user_id=user_id, reason="Spam"))
    else:
        user_id = f.influencer(database).id
        assert f.actor(database, user_id) is not None
        if standing == "flagged":
            f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=user_id, reason="Fake followers"))
        else:
            f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=user_id, reason="Asked to"))
    username = _user(database, user_id).username
    result = _login(database, username, f.PASSWORD)
    assert not result.ok and expected in result.message
    assert f.actor(database, user_id) is None
    assert f.read(database, lambda s: accounts.load_actor_by_username(s, username)) is None
    assert expected in f.read(database, lambda s: accounts.login_problem_for(s, username))
    if standing == "flagged":
        assert "Fake followers" in result.message


def test_a_cookie_for_a_deleted_account_is_refused(database):
    assert f.read(database, lambda s: accounts.login_problem_for(s, "ghost")) == "This account no longer exists."
    assert f.read(database, lambda s: accounts.load_actor(s, 424_242)) is None


# ---- moderation --------------------------------------------------------------------------------------------


def _listed(db, influencer_id) -> bool:
    return f.read(db, lambda s: s.get(InfluencerProfile, influencer_id).listed)


def test_flagging_hides_an_influencer_and_unflagging_brings_them_back(database):
    admin = f.admin(database)
    influencer = f.influencer(database)
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=influencer.id, reason="Bought likes"))
    user = _user(database, influencer.id)
    assert (user.flagged, user.flag_reason) == (True, "Bought likes") and not _listed(database, influencer.id)
    with pytest.raises(Conflict, match="already flagged"):
        f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=influencer.id, reason="Again"))

    f.write(database, lambda s: accounts.unflag_user(s, actor=admin, user_id=influencer.id, note="Appeal upheld"))
    user = _user(database, influencer.id)
    assert (user.flagged, user.flag_reason) == (False, None) and _listed(database, influencer.id)
    assert _login(database, user.username, f.PASSWORD).ok
    with pytest.raises(Conflict, match="not flagged"):
        f.write(database, lambda s: accounts.unflag_user(s, actor=admin, user_id=influencer.id))
    assert _audit_actions(database, influencer.id) == ["user.flagged", "user.unflagged"]


def test_deactivating_a_sponsor_unlists_their_campaigns_and_reactivating_relists_them(database):
    admin = f.admin(database)
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor)

    def listed():
        return f.read(database, lambda s: s.get(Campaign, campaign_id).listed)

    assert listed()
    f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=sponsor.id, reason="Closed"))
    assert not listed() and _user(database, sponsor.id).is_active is False
    with pytest.raises(Conflict, match="already deactivated"):
        f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=sponsor.id, reason="Again"))

    f.write(database, lambda s: accounts.reactivate_user(s, actor=admin, user_id=sponsor.id))
    assert listed() and _user(database, sponsor.id).is_active is True
    with pytest.raises(Conflict, match="already active"):
        f.write(database, lambda s: accounts.reactivate_user(s, actor=admin, user_id=sponsor.id))
    assert _audit_actions(database, sponsor.id)[-2:] == ["user.deactivated", "user.reactivated"]


def test_administrator_accounts_cannot_be_moderated(database):
    admin = f.admin(database)
    for action in (
        lambda s: accounts.flag_user(s, actor=admin, user_id=admin.id, reason="x"),
        lambda s: accounts.deactivate_user(s, actor=admin, user_id=admin.id, reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            f.write(database, action)
    assert _user(database, admin.id).is_active and not _user(database, admin.id).flagged


# ---- own profile, password, notifications ------------------------------------------------------------------


def test_an_influencer_updates_their_profile_and_reach_and_score_are_recomputed(database):
    influencer = f.influencer(database, followers=1_000, engagement_rate=1.0)
    before = f.read(database, lambda s: s.get(InfluencerProfile, influencer.id))
    f.write(
        database,
        lambda s: accounts.update_influencer_profile(
            s,
            actor=influencer,
            display_name="New Name",
            category="Food",
            platform="youtube",
            followers=2_000_000,
            engagement_rate=8.0,
            niche="vegan",
            profile_url="https://youtube.com/@new",
            bio="Plant power",
            is_public=False,
        ),
    )
    after = f.read(database, lambda s: s.get(InfluencerProfile, influencer.id))
    assert (after.display_name, after.category, after.niche, after.platform, after.bio) == (
        "New Name",
        "Food",
        "vegan",
        "youtube",
        "Plant power",
    )
    assert after.reach == round(2_000_000 * 0.18) and after.score > before.score
    assert after.is_public is False and after.listed is False
    account = f.read(database, lambda s: accounts.get_own_account(s, actor=influencer))
    assert account["profile"]["display_name"] == "New Name" and "reach" in account["profile"]["score_reasons"]


def test_a_sponsor_updates_their_profile(database):
    sponsor = f.sponsor(database)
    f.write(
        database,
        lambda s: accounts.update_sponsor_profile(
            s, actor=sponsor, name="Acme Kids", kind="individual", industry="Toys", budget_cents=123_400
        ),
    )
    profile = f.read(database, lambda s: s.get(SponsorProfile, sponsor.id))
    assert (profile.name, profile.kind, profile.industry, profile.budget_cents) == (
        "Acme Kids",
        "individual",
        "Toys",
        123_400,
    )
    assert f.read(database, lambda s: accounts.get_own_account(s, actor=sponsor))["profile"]["name"] == "Acme Kids"


def test_changing_the_password_needs_the_current_one_and_the_old_one_stops_working(database):
    influencer = f.influencer(database)
    with pytest.raises(InvalidInput, match="current password is not correct"):
        f.write(
            database,
            lambda s: accounts.change_password(
                s, actor=influencer, current_password="Nope-12345", new_password="Brand-new-77"
            ),
        )
    with pytest.raises(InvalidInput, match="must differ"):
        f.write(
            database,
            lambda s: accounts.change_password(
                s, actor=influencer, current_password=f.PASSWORD, new_password=f.PASSWORD
            ),
        )
    with pytest.raises(InvalidInput, match="at least 8"):
        f.write(
            database,
            lambda s: accounts.change_password(s, actor=influencer, current_password=f.PASSWORD, new_password="a1"),
        )
    assert _login(database, influencer.username, f.PASSWORD).ok

    f.write(
        database,
        lambda s: accounts.change_password(
            s, actor=influencer, current_password=f.PASSWORD, new_password="Brand-new-77"
        ),
    )
    assert not _login(database, influencer.username, f.PASSWORD).ok
    assert _login(database, influencer.username, "Brand-new-77").ok
    assert "user.password_changed" in _audit_actions(database, influencer.id)


def test_the_admin_can_change_their_own_password(database):
    admin = f.admin(database)
    f.write(
        database,
        lambda s: accounts.change_password(
            s, actor=admin, current_password=ADMIN_PASSWORD, new_password="Even-better-2"
        ),
    )
    assert _login(database, "admin", "Even-better-2").ok


def test_notification_settings_are_saved_and_a_webhook_must_be_https(database):
    sponsor = f.sponsor(database)
    f.write(
        database,
        lambda s: accounts.update_notification_settings(
            s,
            actor=sponsor,
            email=False,
            gchat=True,
            inapp=False,
            gchat_webhook_url="https://chat.googleapis.com/v1/spaces/x/messages?key=k",
        ),
    )
    user = _user(database, sponsor.id)
    assert (user.notify_email, user.notify_gchat, user.notify_inapp) == (False, True, False)
    assert user.gchat_webhook_url.startswith("https://chat.googleapis.com/")
    for bad in (
        "http://chat.example.com/hook",
        "not a url",
        "https://internal.example.com/admin",
        "https://chat.googleapis.com.evil.test/v1/spaces/x",
    ):
        with pytest.raises(InvalidInput, match="Google Chat webhook URL"):
            f.write(
                database,
                lambda s: accounts.update_notification_settings(
                    s, actor=sponsor, email=True, gchat=True, inapp=True, gchat_webhook_url=bad
                ),
            )
    user = _user(database, sponsor.id)
    assert (user.notify_email, user.gchat_webhook_url.startswith("https://")) == (False, True)
    f.write(
        database,
        lambda s: accounts.update_notification_settings(
            s, actor=sponsor, email=True, gchat=False, inapp=True, gchat_webhook_url=""
        ),
    )
    assert _user(database, sponsor.id).gchat_webhook_url is None


# ---- reading profiles and users ----------------------------------------------------------------------------


def test_a_private_influencer_profile_is_visible_only_to_its_owner_and_admins(database):
    hidden = f.influencer(database, is_public=False, name="Quiet One")
    sponsor = f.sponsor(database)
    other = f.influencer(database)
    admin = f.admin(database)
    for viewer in (admin, hidden):
        assert (
            f.read(database, lambda s: accounts.get_influencer_profile(s, actor=viewer, influencer_id=hidden.id))[
                "display_name"
            ]
            == "Quiet One"
        )
    for viewer in (sponsor, other):
        with pytest.raises(NotFound):
            f.read(database, lambda s: accounts.get_influencer_profile(s, actor=viewer, influencer_id=hidden.id))
    shown = f.read(database, lambda s: accounts.get_influencer_profile(s, actor=sponsor, influencer_id=other.id))
    assert shown["user_id"] == other.id and shown["flagged"] is False
    with pytest.raises(NotFound):
        f.read(database, lambda s: accounts.get_influencer_profile(s, actor=sponsor, influencer_id=99_999))


def test_the_admin_user_list_filters_by_text_role_and_state_and_pages_by_id(database):
    admin = f.admin(database)
    sponsor = f.sponsor(database, name="Zebra Foods")
    pending_id = f.sponsor(database, approved=False)
    flagged = f.influencer(database, name="Flaggy")
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=flagged.id, reason="Spam"))
    extra = [f.influencer(database).id for _ in range(3)]

    def ids(**kw):
        frame, total = f.read(database, lambda s: accounts.list_users(s, actor=admin, **kw))
        assert total == len(frame)
        return list(frame["id"]), total

    assert ids(text="zebra") == ([sponsor.id], 1)
    assert ids(state="pending") == ([pending_id], 1)
    assert ids(state="flagged") == ([flagged.id], 1)
    assert ids(role="influencer")[0] == sorted(extra + [flagged.id], reverse=True)
    all_ids, total = ids()
    assert total == 7 and all_ids == sorted(all_ids, reverse=True)
    walked, after = [], None
    while True:
        frame, page_total = f.read(database, lambda s: accounts.list_users(s, actor=admin, after_id=after, limit=3))
        assert page_total == 7
        if frame.empty:
            break
        walked += list(frame["id"])
        after = int(frame["id"].iloc[-1])
    assert walked == all_ids
    with pytest.raises(InvalidInput):
        f.read(database, lambda s: accounts.list_users(s, actor=admin, state="sleepy"))


def test_flagged_influencers_disappear_from_search_at_once(database):
    admin = f.admin(database)
    sponsor = f.sponsor(database)
    influencer = f.influencer(database, name="Gone Soon")

    def found():
        return list(f.read(database, lambda s: search.search_influencers(s, actor=sponsor)).rows["user_id"])

    assert found() == [influencer.id]
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=influencer.id, reason="Spam"))
    assert found() == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("username", "nul\x00name"),
        ("email", "nul\x00@example.com"),
        ("email", "tab\there@example.com"),
        ("password", "Good-pass\x001"),
        ("password", "Good-pass\x7f1"),
    ],
)
def test_registration_refuses_control_characters_before_they_reach_the_database(database, field, value):
    fields = {"username": "fresh.face", "email": "fresh@example.com", "password": "Good-pass-1", field: value}
    before = f.snapshot(database, ("users", "sponsor_profiles", "notifications"))
    with pytest.raises(InvalidInput):
        f.write(database, lambda s: accounts.register_sponsor(s, name="Fresh Co", **fields))
    assert f.snapshot(database, ("users", "sponsor_profiles", "notifications")) == before


def test_a_password_change_refuses_control_characters_in_either_password(database):
    influencer = f.influencer(database)
    with pytest.raises(InvalidInput, match="control characters"):
        f.write(
            database,
            lambda s: accounts.change_password(
                s, actor=influencer, current_password=f.PASSWORD, new_password="New-pass\x00-1"
            ),
        )
    with pytest.raises(InvalidInput, match="current password is not correct"):
        f.write(
            database,
            lambda s: accounts.change_password(
                s, actor=influencer, current_password=f.PASSWORD + "\x00", new_password="New-pass-1"
            ),
        )
    assert _login(database, influencer.username, f.PASSWORD).ok


def test_campaign_search_shows_the_organizations_name_not_a_teammates_personal_one(database):
    cache.use(cache.build(None))
    try:
        sponsor = f.sponsor(database, name="Old Name Ltd")
        f.campaign(database, sponsor, name="Summer yoga")
        yogi = f.influencer(database)
        before = cached_reads.search_campaigns(database, actor=yogi, text="yoga")
        assert list(before.rows["sponsor"]) == ["Old Name Ltd"]
        f.write(
            database,
            lambda s: accounts.update_sponsor_profile(
                s, actor=sponsor, name="Jo Smith", kind="individual", industry="Retail", budget_cents=10_000_000
            ),
        )
        assert list(cached_reads.search_campaigns(database, actor=yogi, text="yoga").rows["sponsor"]) == [
            "Old Name Ltd"
        ]
        f.write(database, lambda s: organizations.update_organization(s, actor=sponsor, name="New Name Ltd"))
        after = cached_reads.search_campaigns(database, actor=yogi, text="yoga")
        assert list(after.rows["sponsor"]) == ["New Name Ltd"]
    finally:
        cache.use(None)


def test_the_pending_queue_reads_one_page_with_limit_and_offset_and_its_summary_covers_every_page(database):
    ids = [f.sponsor(database, approved=False) for _ in range(5)]
    f.sponsor(database)  # approved: in neither
    admin = f.admin(database)
    everyone = list(f.read(database, lambda s: accounts.list_pending_sponsors(s, actor=admin))["id"])
    second = f.read(database, lambda s: accounts.list_pending_sponsors(s, actor=admin, limit=2, offset=2))
    summary = f.read(database, lambda s: accounts.pending_sponsors_summary(s, actor=admin))
    assert sorted(everyone) == sorted(ids) and list(second["id"]) == everyone[2:4]
    assert summary["count"] == 5 and summary["oldest"] is not None
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: accounts.pending_sponsors_summary(s, actor=f.influencer(database)))
