"""Who may do what: every role against every service, allowed and denied, own objects and other people's.

Each service is tried by five actors on the same prepared platform: the admin, the sponsor who owns the
objects, another sponsor, the influencer who holds the requests, and another influencer. Every attempt runs in
its own transaction that is rolled back afterwards, so each actor meets the same state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import delete

from core import audit, permissions
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.deals import earnings
from core.marketplace import accounts, ad_requests, campaigns, search, stats
from core.messaging import notifications
from core.models import role_permissions
from core.permissions import Actor
from core.platform.timeutil import today
from tests import factories as f
from tests.conftest import ADMIN_PASSWORD

ROLES = ("admin", "sponsor", "other_sponsor", "influencer", "other_influencer")
OK = "ok"
PD, NF, CF = PermissionDenied, NotFound, Conflict


@dataclass
class World:
    actors: dict[str, Actor]
    passwords: dict[str, str]
    pending_sponsor: int
    flagged_user: int
    deactivated_user: int
    campaign: int  # the sponsor's public active campaign with the requests below
    private_campaign: int  # the sponsor's private campaign; the influencer holds a request on it
    empty_campaign: int  # the sponsor's campaign without requests
    flagged_campaign: int
    open_campaign: int  # a public campaign nobody has asked to join yet
    offer: int  # sponsor → influencer, pending, the influencer's turn
    ask: int  # influencer → sponsor, pending, the sponsor's turn
    accepted: int  # accepted, waiting to be completed


def _build(db) -> World:
    admin = f.admin(db)
    sponsor, other_sponsor = f.sponsor(db), f.sponsor(db)
    influencer, other_influencer = f.influencer(db), f.influencer(db, is_public=False)
    pending_sponsor = f.sponsor(db, approved=False)
    flagged_user, deactivated_user = f.influencers(db, [{}, {}])
    f.write(db, lambda s: accounts.flag_user(s, actor=admin, user_id=flagged_user, reason="Spam"))
    f.write(db, lambda s: accounts.deactivate_user(s, actor=admin, user_id=deactivated_user, reason="Left"))
    c = {
        name: f.campaign(db, sponsor, is_public=name != "private")
        for name in ("campaign", "private", "empty", "flagged", "open", "asked", "accepted")
    }
    f.campaign(db, other_sponsor)
    f.write(db, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=c["flagged"], reason="Spam"))
    offer = f.request(db, sponsor, c["campaign"], influencer)
    f.request(db, sponsor, c["private"], influencer)
    ask = f.ask(db, influencer, c["asked"])
    accepted = f.request(db, sponsor, c["accepted"], influencer)
    f.write(
        db,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=accepted, expected_version=ad_requests.current_version(s, accepted)
        ),
    )
    actors = {
        "admin": admin,
        "sponsor": sponsor,
        "other_sponsor": other_sponsor,
        "influencer": influencer,
        "other_influencer": other_influencer,
    }
    passwords = {name: ADMIN_PASSWORD if name == "admin" else f.PASSWORD for name in ROLES}
    return World(
        actors,
        passwords,
        pending_sponsor,
        flagged_user,
        deactivated_user,
        c["campaign"],
        c["private"],
        c["empty"],
        c["flagged"],
        c["open"],
        offer,
        ask,
        accepted,
    )


def _dates():
    return {"start_date": today(), "end_date": today() + dt.timedelta(days=9)}


# service name → (call(session, actor, world, role), expected outcome per role in ROLES order)
MATRIX = {
    # accounts
    "accounts.approve_sponsor": (
        lambda s, a, w, r: accounts.approve_sponsor(s, actor=a, user_id=w.pending_sponsor),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.reject_sponsor": (
        lambda s, a, w, r: accounts.reject_sponsor(s, actor=a, user_id=w.pending_sponsor, reason="No"),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.flag_user": (
        lambda s, a, w, r: accounts.flag_user(s, actor=a, user_id=w.actors["influencer"].id, reason="x"),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.unflag_user": (
        lambda s, a, w, r: accounts.unflag_user(s, actor=a, user_id=w.flagged_user),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.deactivate_user": (
        lambda s, a, w, r: accounts.deactivate_user(s, actor=a, user_id=w.actors["sponsor"].id, reason="x"),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.reactivate_user": (
        lambda s, a, w, r: accounts.reactivate_user(s, actor=a, user_id=w.deactivated_user),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.list_users": (lambda s, a, w, r: accounts.list_users(s, actor=a), (OK, PD, PD, PD, PD)),
    "accounts.list_pending_sponsors": (
        lambda s, a, w, r: accounts.list_pending_sponsors(s, actor=a),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.pending_sponsors_summary": (
        lambda s, a, w, r: accounts.pending_sponsors_summary(s, actor=a),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.count_pending_sponsors": (
        lambda s, a, w, r: accounts.count_pending_sponsors(s, actor=a),
        (OK, PD, PD, PD, PD),
    ),
    "accounts.update_influencer_profile": (
        lambda s, a, w, r: accounts.update_influencer_profile(
            s, actor=a, display_name="Me", category="Food", platform="tiktok", followers=10, engagement_rate=1
        ),
        (PD, PD, PD, OK, OK),
    ),
    "accounts.update_sponsor_profile": (
        lambda s, a, w, r: accounts.update_sponsor_profile(
            s, actor=a, name="Us", kind="company", industry="", budget_cents=0
        ),
        (PD, OK, OK, PD, PD),
    ),
    "accounts.change_password": (
        lambda s, a, w, r: accounts.change_password(
            s, actor=a, current_password=w.passwords[r], new_password="Another-pass-3"
        ),
        (OK, OK, OK, OK, OK),
    ),
    "accounts.update_notification_settings": (
        lambda s, a, w, r: accounts.update_notification_settings(s, actor=a, email=False, gchat=False, inapp=True),
        (OK, OK, OK, OK, OK),
    ),
    "accounts.get_own_account": (lambda s, a, w, r: accounts.get_own_account(s, actor=a), (OK, OK, OK, OK, OK)),
    "accounts.get_influencer_profile (public)": (
        lambda s, a, w, r: accounts.get_influencer_profile(s, actor=a, influencer_id=w.actors["influencer"].id),
        (OK, OK, OK, OK, OK),
    ),
    "accounts.get_influencer_profile (private)": (
        lambda s, a, w, r: accounts.get_influencer_profile(s, actor=a, influencer_id=w.actors["other_influencer"].id),
        (OK, NF, NF, NF, OK),
    ),
    # campaigns
    "campaigns.create_campaign": (
        lambda s, a, w, r: campaigns.create_campaign(
            s, actor=a, name="New", category="Food", budget_cents=1_000, **_dates()
        ),
        (PD, OK, OK, PD, PD),
    ),
    "campaigns.update_campaign": (
        lambda s, a, w, r: campaigns.update_campaign(
            s, actor=a, campaign_id=w.campaign, name="Edited", category="Food", budget_cents=200_000, **_dates()
        ),
        (PD, OK, PD, PD, PD),
    ),
    "campaigns.set_visibility": (
        lambda s, a, w, r: campaigns.set_visibility(s, actor=a, campaign_id=w.campaign, is_public=False),
        (PD, OK, PD, PD, PD),
    ),
    "campaigns.set_status": (
        lambda s, a, w, r: campaigns.set_status(s, actor=a, campaign_id=w.campaign, status="cancelled"),
        (PD, OK, PD, PD, PD),
    ),
    "campaigns.delete_campaign": (
        lambda s, a, w, r: campaigns.delete_campaign(s, actor=a, campaign_id=w.empty_campaign),
        (PD, OK, PD, PD, PD),
    ),
    "campaigns.flag_campaign": (
        lambda s, a, w, r: campaigns.flag_campaign(s, actor=a, campaign_id=w.campaign, reason="x"),
        (OK, PD, PD, PD, PD),
    ),
    "campaigns.unflag_campaign": (
        lambda s, a, w, r: campaigns.unflag_campaign(s, actor=a, campaign_id=w.flagged_campaign),
        (OK, PD, PD, PD, PD),
    ),
    "campaigns.get_campaign (public)": (
        lambda s, a, w, r: campaigns.get_campaign(s, actor=a, campaign_id=w.campaign),
        (OK, OK, NF, OK, OK),
    ),
    "campaigns.get_campaign (private)": (
        lambda s, a, w, r: campaigns.get_campaign(s, actor=a, campaign_id=w.private_campaign),
        (OK, OK, NF, OK, NF),
    ),
    "campaigns.get_campaign (flagged)": (
        lambda s, a, w, r: campaigns.get_campaign(s, actor=a, campaign_id=w.flagged_campaign),
        (OK, OK, NF, NF, NF),
    ),
    "campaigns.list_sponsor_campaigns": (
        lambda s, a, w, r: campaigns.list_sponsor_campaigns(s, actor=a),
        (PD, OK, OK, PD, PD),
    ),
    "campaigns.budget_burn": (lambda s, a, w, r: campaigns.budget_burn(s, actor=a), (PD, OK, OK, PD, PD)),
    "campaigns.sponsor_campaign_options": (
        lambda s, a, w, r: campaigns.sponsor_campaign_options(s, actor=a),
        (PD, OK, OK, PD, PD),
    ),
    "campaigns.list_all_campaigns": (lambda s, a, w, r: campaigns.list_all_campaigns(s, actor=a), (OK, PD, PD, PD, PD)),
    # ad requests
    "ad_requests.send_ad_request": (
        lambda s, a, w, r: ad_requests.send_ad_request(
            s,
            actor=a,
            campaign_id=w.open_campaign,
            influencer_id=w.actors["influencer"].id,
            payment_cents=1_000,
            requirements="A post",
        ),
        (PD, OK, PD, PD, PD),
    ),
    "ad_requests.ask_to_join": (
        lambda s, a, w, r: ad_requests.ask_to_join(
            s, actor=a, campaign_id=w.open_campaign, payment_cents=1_000, message="Me!"
        ),
        (PD, PD, PD, OK, OK),
    ),
    "ad_requests.accept (influencer's turn)": (
        lambda s, a, w, r: ad_requests.accept(
            s, actor=a, ad_request_id=w.offer, expected_version=ad_requests.current_version(s, w.offer)
        ),
        (PD, CF, PD, OK, PD),
    ),
    "ad_requests.accept (sponsor's turn)": (
        lambda s, a, w, r: ad_requests.accept(
            s, actor=a, ad_request_id=w.ask, expected_version=ad_requests.current_version(s, w.ask)
        ),
        (PD, OK, PD, CF, PD),
    ),
    "ad_requests.reject (influencer's turn)": (
        lambda s, a, w, r: ad_requests.reject(
            s, actor=a, ad_request_id=w.offer, expected_version=ad_requests.current_version(s, w.offer)
        ),
        (PD, CF, PD, OK, PD),
    ),
    "ad_requests.reject (sponsor's turn)": (
        lambda s, a, w, r: ad_requests.reject(
            s, actor=a, ad_request_id=w.ask, expected_version=ad_requests.current_version(s, w.ask)
        ),
        (PD, OK, PD, CF, PD),
    ),
    "ad_requests.counter_offer (influencer's turn)": (
        lambda s, a, w, r: ad_requests.counter_offer(
            s,
            actor=a,
            ad_request_id=w.offer,
            expected_version=ad_requests.current_version(s, w.offer),
            payment_cents=12_000,
            message="More",
        ),
        (PD, CF, PD, OK, PD),
    ),
    "ad_requests.counter_offer (sponsor's turn)": (
        lambda s, a, w, r: ad_requests.counter_offer(
            s,
            actor=a,
            ad_request_id=w.ask,
            expected_version=ad_requests.current_version(s, w.ask),
            payment_cents=9_000,
            message="Less",
        ),
        (PD, OK, PD, CF, PD),
    ),
    "ad_requests.withdraw (influencer's turn)": (
        lambda s, a, w, r: ad_requests.withdraw(
            s, actor=a, ad_request_id=w.offer, expected_version=ad_requests.current_version(s, w.offer)
        ),
        (PD, OK, PD, CF, PD),
    ),
    "ad_requests.withdraw (sponsor's turn)": (
        lambda s, a, w, r: ad_requests.withdraw(
            s, actor=a, ad_request_id=w.ask, expected_version=ad_requests.current_version(s, w.ask)
        ),
        (PD, CF, PD, OK, PD),
    ),
    "ad_requests.edit_ad_request (sponsor's offer)": (
        lambda s, a, w, r: ad_requests.edit_ad_request(
            s,
            actor=a,
            ad_request_id=w.offer,
            expected_version=ad_requests.current_version(s, w.offer),
            requirements="Edited",
            payment_cents=11_000,
        ),
        (PD, OK, PD, PD, PD),
    ),
    "ad_requests.edit_ad_request (influencer's ask)": (
        lambda s, a, w, r: ad_requests.edit_ad_request(
            s,
            actor=a,
            ad_request_id=w.ask,
            expected_version=ad_requests.current_version(s, w.ask),
            requirements="Edited",
            payment_cents=11_000,
        ),
        (PD, PD, PD, OK, PD),
    ),
    "ad_requests.mark_completed": (
        lambda s, a, w, r: ad_requests.mark_completed(
            s, actor=a, ad_request_id=w.accepted, expected_version=ad_requests.current_version(s, w.accepted)
        ),
        (PD, OK, PD, PD, PD),
    ),
    "ad_requests.bulk_reject": (
        lambda s, a, w, r: ad_requests.bulk_reject(
            s, actor=a, expected_versions={i: ad_requests.current_version(s, i) for i in [w.offer]}
        ),
        (PD, PD, PD, OK, PD),
    ),
    "ad_requests.get_thread": (
        lambda s, a, w, r: ad_requests.get_thread(s, actor=a, ad_request_id=w.offer),
        (OK, OK, PD, OK, PD),
    ),
    "ad_requests.campaign_requests": (
        lambda s, a, w, r: ad_requests.campaign_requests(s, actor=a, campaign_id=w.campaign),
        (OK, OK, PD, PD, PD),
    ),
    "ad_requests.inbox": (lambda s, a, w, r: ad_requests.inbox(s, actor=a), (PD, PD, PD, OK, OK)),
    "earnings.summary": (lambda s, a, w, r: earnings.summary(s, actor=a), (PD, PD, PD, OK, OK)),
    "earnings.by_month": (lambda s, a, w, r: earnings.by_month(s, actor=a), (PD, PD, PD, OK, OK)),
    "ad_requests.list_sponsor_requests": (
        lambda s, a, w, r: ad_requests.list_sponsor_requests(s, actor=a),
        (PD, OK, OK, PD, PD),
    ),
    "ad_requests.list_all_requests": (
        lambda s, a, w, r: ad_requests.list_all_requests(s, actor=a),
        (OK, PD, PD, PD, PD),
    ),
    # search, statistics, audit
    "search.search_influencers": (lambda s, a, w, r: search.search_influencers(s, actor=a), (OK, OK, OK, PD, PD)),
    "search.search_campaigns": (lambda s, a, w, r: search.search_campaigns(s, actor=a), (PD, PD, PD, OK, OK)),
    "stats.admin_statistics": (lambda s, a, w, r: stats.admin_statistics(s, actor=a), (OK, PD, PD, PD, PD)),
    "audit.list_entries": (lambda s, a, w, r: audit.list_entries(s, actor=a), (OK, PD, PD, PD, PD)),
}


def _outcome(db, call, actor, world, role):
    session = db.Session()
    try:
        session.begin()
        call(session, actor, world, role)
        session.flush()
        return OK
    except DomainError as error:
        assert error.message, "a domain error without a message for the user"
        return type(error)
    finally:
        session.rollback()
        session.close()


# Grouped by module so that each test prepares the platform once and tries that module's services on it.
GROUPS: dict[str, list[str]] = {}
for _name in MATRIX:
    GROUPS.setdefault(
        _name.split(".")[0]
        if _name.split(".")[0] in ("accounts", "campaigns", "ad_requests")
        else "search, stats and audit",
        [],
    ).append(_name)


@pytest.mark.parametrize("group", list(GROUPS))
def test_each_role_is_allowed_or_refused_each_service(database, group):
    world = _build(database)
    outcomes, expected = {}, {}
    for service in GROUPS[group]:
        call, allowed = MATRIX[service]
        for role, wanted in zip(ROLES, allowed):
            outcomes[service, role] = _outcome(database, call, world.actors[role], world, role)
            expected[service, role] = wanted
    assert outcomes == expected


def test_refused_ad_request_actions_on_someone_elses_request_say_it_is_not_theirs(database):
    world = _build(database)
    with pytest.raises(PermissionDenied, match="not yours"):
        f.write(
            database,
            lambda s: ad_requests.accept(
                s,
                actor=world.actors["other_influencer"],
                ad_request_id=world.offer,
                expected_version=ad_requests.current_version(s, world.offer),
            ),
        )
    with pytest.raises(PermissionDenied, match="not yours"):
        f.write(
            database,
            lambda s: ad_requests.withdraw(
                s,
                actor=world.actors["other_sponsor"],
                ad_request_id=world.offer,
                expected_version=ad_requests.current_version(s, world.offer),
            ),
        )


def test_permissions_are_data_a_revoked_grant_takes_effect_on_the_next_request(database):
    sponsor = f.sponsor(database)
    assert sponsor.can("campaign.manage")
    f.write(
        database,
        lambda s: s.execute(
            delete(role_permissions).where(
                role_permissions.c.role == "sponsor", role_permissions.c.permission == "campaign.manage"
            )
        ),
    )
    reloaded = f.actor(database, sponsor.id)
    assert not reloaded.can("campaign.manage") and reloaded.can("ad_request.send")
    with pytest.raises(PermissionDenied, match="not allowed"):
        f.campaign(database, reloaded)
    # Seeding again restores the default grants without duplicating anything.
    f.write(database, permissions.seed)
    f.write(database, permissions.seed)
    assert f.actor(database, sponsor.id).can("campaign.manage")
    granted = f.read(database, lambda s: permissions.permissions_of(s, "sponsor"))
    assert granted == frozenset(permissions.DEFAULT_GRANTS["sponsor"])


def test_nobody_logged_in_is_refused_everywhere(database):
    world = _build(database)
    outcomes = {}
    for service, (call, _) in MATRIX.items():
        try:
            outcomes[service] = _outcome(database, call, None, world, "admin")
        except Exception as error:  # a crash instead of a refusal is what this test looks for
            outcomes[service] = type(error)
    assert {service: o for service, o in outcomes.items() if o not in (PermissionDenied, NotFound)} == {}


def test_marking_notifications_read_only_touches_your_own(database):
    world = _build(database)
    sponsor, influencer = world.actors["sponsor"], world.actors["influencer"]
    theirs = f.read(database, lambda s: list(notifications.list_notifications(s, actor=influencer)["id"]))
    assert theirs
    changed = f.write(database, lambda s: notifications.mark_read(s, actor=sponsor, notification_ids=theirs))
    assert changed == 0
    assert f.read(database, lambda s: notifications.unread_count(s, actor=influencer)) == len(theirs)
