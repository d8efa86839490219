"""Org roles against every service: a manager and an analyst of the owning organization meet the same prepared
platforms as the owner in the marketplace and deals matrices, and every organization service is tried by each
org role, another organization's owner, an influencer and the admin."""

from __future__ import annotations

import pytest

from core.errors import Conflict, NotFound, PermissionDenied
from core.marketplace import invites, organizations
from core.models import OrgMember
from tests import factories as f
from tests.core import test_permissions_matrix as marketplace_matrix
from tests.core import test_permissions_matrix_deals as deals_matrix

OK = "ok"
PD, NF, CF = PermissionDenied, NotFound, Conflict

# What an analyst may do: read everything of the organization, export, and manage their own account.
ANALYST_ALLOWED = {
    "accounts.update_sponsor_profile",
    "accounts.change_password",
    "accounts.update_notification_settings",
    "accounts.get_own_account",
    "accounts.get_influencer_profile (public)",
    "accounts.get_influencer_profile (private)",
    "campaigns.get_campaign (public)",
    "campaigns.get_campaign (private)",
    "campaigns.get_campaign (flagged)",
    "campaigns.list_sponsor_campaigns",
    "campaigns.budget_burn",
    "ad_requests.get_thread",
    "ad_requests.campaign_requests",
    "ad_requests.list_sponsor_requests",
    "search.search_influencers",
    "deliverables.get_deliverable",
    "deliverables.sponsor_queue",
    "documents.get_document",
    "payments.list_payments",
    "finance.budget_burn",
    "documents_pdf.document_html",
    "bookkeeping.documents_csv",
}
# Billing is the owner's; a review is edited only by its author (here the owner who wrote it).
OWNER_ONLY = {"documents.set_form_required", "payments.pay_invoice", "reviews.edit_review"}


def _expected(service: str, owner_outcome, org_role: str):
    """A teammate's outcome derived from the owner's: same, unless the org role withholds the permission."""
    if org_role == "manager":
        return PD if service in OWNER_ONLY else owner_outcome
    if service in ANALYST_ALLOWED:
        return owner_outcome
    return PD if owner_outcome in (OK, CF) else owner_outcome


@pytest.mark.parametrize("matrix", [marketplace_matrix, deals_matrix], ids=["marketplace", "deals"])
def test_managers_and_analysts_are_allowed_exactly_what_their_org_role_grants(database, matrix, tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))
    world = matrix._build(database)
    owner = world.actors["sponsor"]
    teammates = {role: f.teammate(database, owner, org_role=role) for role in ("manager", "analyst")}
    outcomes, expected = {}, {}
    for service, (call, allowed) in matrix.MATRIX.items():
        owner_outcome = allowed[marketplace_matrix.ROLES.index("sponsor")]
        run = call if matrix is marketplace_matrix else (lambda s, a, w, r, c=call: c(s, a, w))
        for role, actor in teammates.items():
            outcomes[service, role] = marketplace_matrix._outcome(database, run, actor, world, "sponsor")
            expected[service, role] = _expected(service, owner_outcome, role)
    assert {k: v for k, v in outcomes.items() if v != expected[k]} == {}


# ---- the organization's own services ---------------------------------------------------------------------------

ORG_ROLES_TRIED = ("owner", "manager", "analyst", "other_owner", "influencer", "admin")


def _org_world(db):
    owner = f.sponsor(db)
    actors = {
        "owner": owner,
        "manager": f.teammate(db, owner, org_role="manager"),
        "analyst": f.teammate(db, owner, org_role="analyst"),
        "other_owner": f.sponsor(db),
        "influencer": f.influencer(db),
        "admin": f.admin(db),
    }
    target = f.teammate(db, owner, org_role="analyst")
    with db.Session.begin() as s:
        invite = invites.invite_member(s, actor=owner, email="pending.mate@example.com", org_role="analyst")
        version = s.get(OrgMember, target.id).version
    return actors, target.id, version, invite.invite_id


ORG_MATRIX = {
    "organizations.get_organization": (
        lambda s, a, t, v, i: organizations.get_organization(s, actor=a),
        (OK, OK, OK, OK, PD, PD),
    ),
    "organizations.list_members": (
        lambda s, a, t, v, i: organizations.list_members(s, actor=a),
        (OK, OK, OK, OK, PD, PD),
    ),
    "organizations.update_organization": (
        lambda s, a, t, v, i: organizations.update_organization(s, actor=a, city="Lisbon"),
        (OK, PD, PD, OK, PD, PD),  # the other owner edits their own organization
    ),
    "organizations.add_brand": (
        lambda s, a, t, v, i: organizations.add_brand(s, actor=a, name="Side line"),
        (OK, PD, PD, OK, PD, PD),
    ),
    "organizations.change_member_role": (
        lambda s, a, t, v, i: organizations.change_member_role(
            s, actor=a, user_id=t, org_role="manager", expected_version=v
        ),  # fmt: skip
        (OK, PD, PD, NF, PD, PD),
    ),
    "organizations.remove_member": (
        lambda s, a, t, v, i: organizations.remove_member(s, actor=a, user_id=t, expected_version=v),
        (OK, PD, PD, NF, PD, PD),
    ),
    "invites.invite_member": (
        lambda s, a, t, v, i: invites.invite_member(s, actor=a, email="someone.new@example.com", org_role="analyst"),
        (OK, PD, PD, OK, PD, PD),
    ),
    "invites.revoke_invite": (
        lambda s, a, t, v, i: invites.revoke_invite(s, actor=a, invite_id=i),
        (OK, PD, PD, NF, PD, PD),
    ),
    "invites.list_invites": (lambda s, a, t, v, i: invites.list_invites(s, actor=a), (OK, OK, OK, OK, PD, PD)),
}


def test_each_org_role_is_allowed_or_refused_each_organization_service(database):
    actors, target, version, invite_id = _org_world(database)
    outcomes, expected = {}, {}
    for service, (call, allowed) in ORG_MATRIX.items():
        for role, wanted in zip(ORG_ROLES_TRIED, allowed, strict=True):
            outcomes[service, role] = marketplace_matrix._outcome(
                database, lambda s, a, w, r, c=call: c(s, a, target, version, invite_id), actors[role], None, role
            )
            expected[service, role] = wanted
    assert {k: v for k, v in outcomes.items() if v != expected[k]} == {}


def test_the_other_organizations_owner_sees_only_their_own_organization(database):
    actors, *_ = _org_world(database)
    with database.ReadSession.begin() as s:
        ours = organizations.list_members(s, actor=actors["owner"])["username"].tolist()
        theirs = organizations.list_members(s, actor=actors["other_owner"])["username"].tolist()
    assert actors["owner"].username in ours and actors["other_owner"].username not in ours
    assert theirs == [actors["other_owner"].username]
