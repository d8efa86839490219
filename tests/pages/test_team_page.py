"""The Organization & team page and the invitation link, driven through AppTest on a real database."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from core.marketplace import invites
from core.models import OrgInvite, OrgMember, User
from tests import factories as f
from tests.pages.conftest import app_test, picker


def _texts(at) -> str:
    return " ".join(str(e.value) for e in (*at.error, *at.warning, *at.success, *at.info, *at.caption, *at.markdown))


INVITATIONS = "✉️ Invitations"


def test_an_owner_invites_a_teammate_and_is_shown_the_link_once(app_db):
    owner = f.sponsor(app_db, name="Acme Outdoor")
    at = app_test("pages/sponsor/team.py", owner.id)
    at.session_state["team-tab"] = INVITATIONS  # the owner opened the tab
    at.run()
    assert not at.exception
    at.text_input[0].input("jo@acme.example")
    at.button(key="FormSubmitter:invite_form-Send invitation").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Invitation for jo@acme.example created" in _texts(at)
    (link,) = [c.value for c in at.code]
    with app_db.ReadSession.begin() as s:
        invite = s.scalar(select(OrgInvite).where(OrgInvite.email == "jo@acme.example"))
        assert invite.org_role == "manager" and invite.organization_id == owner.organization_id
        assert parse_qs(urlsplit(link).query)[invites.LINK_PARAMETER][0] not in invite.token_hash


def test_an_analyst_sees_the_team_but_no_invitation_form_or_role_controls(app_db):
    owner = f.sponsor(app_db)
    analyst = f.teammate(app_db, owner, org_role="analyst")
    at = app_test("pages/sponsor/team.py", analyst.id).run()
    assert not at.exception
    assert "Only owners change roles or remove teammates." in _texts(at)
    at.session_state["team-tab"] = INVITATIONS
    at.run()
    assert "Only owners invite teammates." in _texts(at)
    assert not [b for b in at.button if b.key in ("member_change", "member_remove", "invite_revoke")]


def test_only_the_open_tab_is_built_and_switching_tabs_builds_the_other(app_db):
    owner = f.sponsor(app_db)
    at = app_test("pages/sponsor/team.py", owner.id).run()
    assert not [b for b in at.button if b.key == "FormSubmitter:invite_form-Send invitation"]
    assert [b.key for b in at.button if b.key == "member_change"] == ["member_change"]
    at.session_state["team-tab"] = INVITATIONS
    at.run()
    assert not at.exception
    assert [b.key for b in at.button if b.key == "FormSubmitter:invite_form-Send invitation"]
    assert not [b for b in at.button if b.key == "member_change"]


def test_an_owner_changes_a_teammates_role_from_the_page(app_db):
    owner = f.sponsor(app_db)
    mate = f.teammate(app_db, owner, org_role="analyst")
    at = app_test("pages/sponsor/team.py", owner.id).run()
    picker(at, "member_pick").select(mate.id)
    at.run()
    at.selectbox(key="member_role").select("manager")
    at.run()
    at.button(key="member_change").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    with app_db.ReadSession.begin() as s:
        assert s.get(OrgMember, mate.id).org_role == "manager"


def test_an_invitation_link_opens_a_join_form_that_creates_the_teammates_login(app_db):
    owner = f.sponsor(app_db, name="Acme Outdoor")
    with app_db.Session.begin() as s:
        created = invites.invite_member(s, actor=owner, email="kim@acme.example", org_role="analyst")
    token = parse_qs(urlsplit(created.link).query)[invites.LINK_PARAMETER][0]
    at = app_test("app.py")
    at.query_params[invites.LINK_PARAMETER] = token
    at.run()
    assert not at.exception
    assert "Acme Outdoor" in _texts(at) and "analyst" in _texts(at)
    at.text_input(key="inv_name").input("Kim Park")
    at.text_input(key="inv_username").input("kim.park")
    at.text_input(key="inv_password").input(f.PASSWORD)
    at.button(key="FormSubmitter:accept_invite-Accept and create my login").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    with app_db.ReadSession.begin() as s:
        user_id = s.scalar(select(User.id).where(User.username == "kim.park"))
        assert s.get(OrgMember, user_id).organization_id == owner.organization_id


def test_a_used_or_unknown_invitation_link_says_so_and_shows_the_login(app_db):
    at = app_test("app.py")
    at.query_params[invites.LINK_PARAMETER] = "n" * 43
    at.run()
    assert not at.exception
    assert "not valid" in _texts(at)
    assert at.text_input(key="login_username") is not None
