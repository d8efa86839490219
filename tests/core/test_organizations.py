"""Organizations: sign-up founds one, owners invite teammates by single-use links, roles narrow permissions,
removal ends access, and no member of one organization sees or changes another's data."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from core.deals import cached as deal_cache
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts, ad_requests, cached_reads, campaigns, invites, organizations
from core.models import Campaign, OrgInvite, OrgMember, Organization, User
from core.platform.timeutil import today, utcnow
from tests import factories as f


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)[invites.LINK_PARAMETER][0]


def _invite(db, owner, email="new.mate@example.com", org_role="manager"):
    with db.Session.begin() as s:
        return invites.invite_member(s, actor=owner, email=email, org_role=org_role)


def _accept(db, token, username="newmate"):
    with db.Session.begin() as s:
        return invites.accept_invite(s, token=token, username=username, password=f.PASSWORD, display_name="New Mate")


def _member(db, user_id) -> OrgMember:
    with db.ReadSession.begin() as s:
        member = s.get(OrgMember, user_id)
        s.expunge(member)
        return member


def test_a_sponsor_sign_up_founds_an_organization_it_owns_with_one_brand(database):
    pending_id = f.sponsor(database, approved=False, name="Acme Outdoor")
    with database.ReadSession.begin() as s:
        member = s.get(OrgMember, pending_id)
        org = s.get(Organization, member.organization_id)
        assert (member.org_role, member.status, org.name, org.approval) == (
            "owner",
            "active",
            "Acme Outdoor",
            "pending",
        )
        assert len(organizations.brand_ids(s, org.id)) == 1


def test_the_admins_sponsor_approval_approves_the_organization(database):
    sponsor = f.sponsor(database)
    with database.ReadSession.begin() as s:
        assert s.get(Organization, sponsor.organization_id).approval == "approved"
    assert sponsor.org_role == "owner" and sponsor.can("org.members") and sponsor.can("finance.pay")


def test_an_invited_teammate_joins_the_organization_with_the_role_offered_and_needs_no_admin_approval(database):
    owner = f.sponsor(database)
    created = _invite(database, owner, org_role="analyst")
    with database.ReadSession.begin() as s:
        offer = invites.preview_invite(s, token=_token(created.link))
    assert (offer["org_role"], offer["email"]) == ("analyst", "new.mate@example.com")
    user_id = _accept(database, _token(created.link))
    with database.ReadSession.begin() as s:
        actor = accounts.load_actor(s, user_id)
    assert (actor.organization_id, actor.org_role) == (owner.organization_id, "analyst")


def test_an_invitation_link_works_once(database):
    owner = f.sponsor(database)
    token = _token(_invite(database, owner).link)
    _accept(database, token)
    with pytest.raises(Conflict, match="already used"):
        _accept(database, token, username="second")
    with database.ReadSession.begin() as s:
        assert s.scalar(select(User.id).where(User.username == "second")) is None


def test_an_expired_or_withdrawn_or_forged_link_is_refused_and_creates_nobody(database):
    owner = f.sponsor(database)
    expired = _invite(database, owner, email="late@example.com")
    withdrawn = _invite(database, owner, email="gone@example.com")
    with database.Session.begin() as s:
        s.execute(update(OrgInvite).where(OrgInvite.id == expired.invite_id).values(expires_at=utcnow()))
        invites.revoke_invite(s, actor=owner, invite_id=withdrawn.invite_id)
    users_before = f.snapshot(database)
    with pytest.raises(Conflict, match="expired"):
        _accept(database, _token(expired.link), username="late")
    with pytest.raises(Conflict, match="withdrawn"):
        _accept(database, _token(withdrawn.link), username="gone")
    with pytest.raises(InvalidInput, match="not valid"):
        _accept(database, "x" * 43, username="forger")
    assert f.snapshot(database) == users_before


def test_resending_an_invitation_withdraws_the_older_link(database):
    owner = f.sponsor(database)
    first = _invite(database, owner)
    second = _invite(database, owner)
    with pytest.raises(Conflict, match="withdrawn"):
        _accept(database, _token(first.link))
    assert _accept(database, _token(second.link))


def test_only_owners_of_an_approved_organization_invite_and_never_an_existing_account(database):
    owner = f.sponsor(database)
    manager = f.teammate(database, owner, org_role="manager")
    with pytest.raises(PermissionDenied):
        _invite(database, manager)
    with pytest.raises(Conflict, match="already has an IESCP account"):
        _invite(database, owner, email=manager.username + "@example.com")
    pending_id = f.sponsor(database, approved=False)
    with database.Session.begin() as s:
        pending_actor = accounts.actor_for(s, s.get(User, pending_id))
    with pytest.raises(Conflict, match="approved by an administrator"):
        _invite(database, pending_actor)


def test_the_invitation_email_carries_the_link_and_is_not_sent_once_withdrawn(database):
    owner = f.sponsor(database)
    created = _invite(database, owner)
    with database.ReadSession.begin() as s:
        message = invites.invite_message(s, invite_id=created.invite_id, link=created.link)
    assert message["To"] == created.email and created.link in message.get_content()
    with database.Session.begin() as s:
        invites.revoke_invite(s, actor=owner, invite_id=created.invite_id)
    with database.ReadSession.begin() as s:
        assert invites.invite_message(s, invite_id=created.invite_id, link=created.link) is None


def test_teammates_share_the_organizations_campaigns_and_roles_decide_who_writes(database):
    owner = f.sponsor(database)
    manager = f.teammate(database, owner, org_role="manager")
    analyst = f.teammate(database, owner, org_role="analyst")
    campaign_id = f.campaign(database, manager)
    with database.ReadSession.begin() as s:
        for member in (owner, manager, analyst):
            assert campaigns.list_sponsor_campaigns(s, actor=member)["id"].tolist() == [campaign_id]
            assert campaigns.get_campaign(s, actor=member, campaign_id=campaign_id)["organization_id"]
    with pytest.raises(PermissionDenied):
        f.campaign(database, analyst)
    with pytest.raises(PermissionDenied):
        with database.Session.begin() as s:
            campaigns.set_status(s, actor=analyst, campaign_id=campaign_id, status="cancelled")
    with database.Session.begin() as s:  # the owner may change what the manager created
        campaigns.set_status(s, actor=owner, campaign_id=campaign_id, status="completed")


def test_an_analyst_reads_requests_but_cannot_send_or_answer_them(database):
    owner = f.sponsor(database)
    analyst = f.teammate(database, owner, org_role="analyst")
    influencer = f.influencer(database)
    campaign_id = f.campaign(database, owner)
    request_id = f.request(database, owner, campaign_id, influencer)
    with database.ReadSession.begin() as s:
        assert ad_requests.list_sponsor_requests(s, actor=analyst)["id"].tolist() == [request_id]
    with pytest.raises(PermissionDenied):
        f.request(database, analyst, campaign_id, f.influencer(database))
    with pytest.raises(PermissionDenied):
        with database.Session.begin() as s:
            ad_requests.withdraw(
                s, actor=analyst, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
            )


def test_members_of_another_organization_see_and_change_nothing_of_ours(database):
    owner = f.sponsor(database)
    campaign_id = f.campaign(database, owner)
    stranger = f.teammate(database, f.sponsor(database), org_role="owner")
    before = f.snapshot(database)
    with database.ReadSession.begin() as s:
        assert campaigns.list_sponsor_campaigns(s, actor=stranger).empty
        assert ad_requests.list_sponsor_requests(s, actor=stranger).empty
    for action in (
        lambda s: organizations.change_member_role(
            s, actor=stranger, user_id=owner.id, org_role="analyst", expected_version=1
        ),
        lambda s: campaigns.set_status(s, actor=stranger, campaign_id=campaign_id, status="cancelled"),
        lambda s: organizations.remove_member(s, actor=stranger, user_id=owner.id, expected_version=1),
    ):
        with pytest.raises((PermissionDenied, NotFound)):
            with database.Session.begin() as s:
                action(s)
    assert f.snapshot(database) == before


def test_cached_dashboards_are_shared_within_an_organization_and_never_across(database):
    owner = f.sponsor(database)
    analyst = f.teammate(database, owner, org_role="analyst")
    other = f.sponsor(database)
    f.campaign(database, owner, name="Ours")
    f.campaign(database, other, name="Theirs")
    assert cached_reads.sponsor_dashboard(database, actor=owner)["campaigns"]["name"].tolist() == ["Ours"]
    assert cached_reads.sponsor_dashboard(database, actor=analyst)["campaigns"]["name"].tolist() == ["Ours"]
    assert cached_reads.sponsor_dashboard(database, actor=other)["campaigns"]["name"].tolist() == ["Theirs"]
    assert deal_cache.budget_burn(database, actor=other)["name"].tolist() == ["Theirs"]


def test_the_last_owner_can_neither_be_demoted_nor_leave(database):
    owner = f.sponsor(database)
    with pytest.raises(Conflict, match="at least one owner"):
        with database.Session.begin() as s:
            organizations.change_member_role(
                s,
                actor=owner,
                user_id=owner.id,
                org_role="manager",
                expected_version=_member(database, owner.id).version,
            )
    with pytest.raises(Conflict, match="last owner"):
        with database.Session.begin() as s:
            organizations.remove_member(
                s, actor=owner, user_id=owner.id, expected_version=_member(database, owner.id).version
            )
    second = f.teammate(database, owner, org_role="owner")
    with database.Session.begin() as s:  # with a second owner, the first may step down
        organizations.change_member_role(
            s, actor=second, user_id=owner.id, org_role="manager", expected_version=_member(database, owner.id).version
        )
    assert _member(database, owner.id).org_role == "manager"


def test_a_role_change_made_on_a_stale_page_is_refused(database):
    owner = f.sponsor(database)
    mate = f.teammate(database, owner, org_role="manager")
    seen = _member(database, mate.id).version
    with database.Session.begin() as s:
        organizations.change_member_role(s, actor=owner, user_id=mate.id, org_role="analyst", expected_version=seen)
    with pytest.raises(Conflict, match="changed by someone else"):
        with database.Session.begin() as s:
            organizations.remove_member(s, actor=owner, user_id=mate.id, expected_version=seen)
    assert _member(database, mate.id).status == "active"


def test_a_removed_member_keeps_their_history_but_can_no_longer_log_in_or_act(database):
    owner = f.sponsor(database)
    mate = f.teammate(database, owner, org_role="manager")
    campaign_id = f.campaign(database, mate)
    with database.ReadSession.begin() as s:
        version_before = s.get(User, mate.id).session_version
    with database.Session.begin() as s:
        organizations.remove_member(
            s, actor=owner, user_id=mate.id, expected_version=_member(database, mate.id).version
        )
    with database.Session.begin() as s:
        assert s.get(User, mate.id).session_version == version_before + 1  # open sessions end
        assert accounts.load_actor(s, mate.id) is None
        result = accounts.authenticate(s, username=mate.username, password=f.PASSWORD)
        assert not result.ok and "no longer a member" in result.message
        assert s.get(Campaign, campaign_id).sponsor_id == mate.id  # what they made stays, owned by the org
    with database.ReadSession.begin() as s:
        assert campaign_id in campaigns.list_sponsor_campaigns(s, actor=owner)["id"].tolist()


def test_a_member_may_leave_on_their_own(database):
    owner = f.sponsor(database)
    mate = f.teammate(database, owner, org_role="analyst")
    with database.Session.begin() as s:
        organizations.remove_member(s, actor=mate, user_id=mate.id, expected_version=_member(database, mate.id).version)
    assert _member(database, mate.id).status == "removed"


def test_only_owners_pay_invoices_and_managers_approve_them(database):
    owner = f.sponsor(database)
    manager = f.teammate(database, owner, org_role="manager")
    analyst = f.teammate(database, owner, org_role="analyst")
    assert manager.can("finance.approve") and not manager.can("finance.pay")
    assert not analyst.can("finance.approve") and not analyst.can("campaign.manage")
    assert analyst.can("export.own") and analyst.can("crm.view")


def test_campaigns_run_under_one_of_the_organizations_brands(database):
    owner = f.sponsor(database)
    other = f.sponsor(database)
    with database.Session.begin() as s:
        brand_id = organizations.add_brand(s, actor=owner, name="Acme Kids")
        with pytest.raises(Conflict, match="already has a brand"):
            organizations.add_brand(s, actor=owner, name="acme kids")
    with pytest.raises(InvalidInput, match="your organization's brands"):
        with database.Session.begin() as s:
            campaigns.create_campaign(
                s,
                actor=other,
                name="Borrowed brand",
                category="Fitness",
                start_date=today(),
                end_date=today() + dt.timedelta(days=5),
                budget_cents=1000,
                brand_id=brand_id,
            )
    with database.Session.begin() as s:
        campaign_id = campaigns.create_campaign(
            s,
            actor=owner,
            name="Kids line",
            category="Fitness",
            start_date=today(),
            end_date=today() + dt.timedelta(days=5),
            budget_cents=1000,
            brand_id=brand_id,
        )
        assert s.get(Campaign, campaign_id).brand_id == brand_id
