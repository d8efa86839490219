"""The signed-in user's Actor in one statement per page run, and never stale: each change by another process shows."""

from __future__ import annotations

from sqlalchemy import delete, update

from bench.roundtrips import counted
from core.marketplace import accounts, signed_in
from core.models import OrgMember, User, role_permissions
from tests import factories as f


def _load(db, user_id, known=None, **who):
    with db.ReadSession.begin() as s:
        return signed_in.actor(s, user_id=user_id, known=known, **who)


def test_it_builds_the_same_actor_as_load_actor_for_each_role(database):
    for actor in (f.sponsor(database), f.influencer(database), f.admin(database)):
        found = _load(database, actor.id)
        assert found is not None and found[0] == f.actor(database, actor.id)


def test_a_rerun_with_nothing_changed_costs_one_statement_and_reuses_the_actor(database):
    sponsor = f.sponsor(database)
    known = _load(database, sponsor.id)
    with counted(database.engine) as trips:
        again = _load(database, sponsor.id, known)
    assert again is known
    assert len([s for s in trips.statements if s.lstrip().upper().startswith("SELECT")]) == 1, trips.summary()


def test_a_flag_committed_elsewhere_ends_the_session_on_the_next_run(database):
    influencer = f.influencer(database)
    known = _load(database, influencer.id)
    f.write(database, lambda s: accounts.flag_user(s, actor=f.admin(database), user_id=influencer.id, reason="Spam"))
    assert _load(database, influencer.id, known) is None


def test_an_org_role_change_or_a_revoked_permission_builds_a_new_actor(database):
    f.sponsor(database)  # another organization's owner first: the org role read must be this user's own
    sponsor = f.sponsor(database)
    known = _load(database, sponsor.id)
    f.write(
        database,
        lambda s: s.execute(update(OrgMember).where(OrgMember.user_id == sponsor.id).values(org_role="analyst")),
    )
    changed = _load(database, sponsor.id, known)
    assert changed is not known and changed[0].org_role == "analyst"
    granted = sorted(changed[0].permissions)[0]
    f.write(
        database,
        lambda s: s.execute(
            delete(role_permissions).where(
                role_permissions.c.role == "sponsor", role_permissions.c.permission == granted
            )
        ),
    )
    assert granted not in _load(database, sponsor.id, changed)[0].permissions


def test_a_session_at_an_old_version_is_refused(database):
    influencer = f.influencer(database)
    version = f.read(database, lambda s: s.get(User, influencer.id).session_version)
    assert _load(database, None, username=influencer.username, session_version=version) is not None
    f.write(database, lambda s: accounts.log_out(s, actor=influencer))
    assert _load(database, None, username=influencer.username, session_version=version) is None
