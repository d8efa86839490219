"""The import job end to end through the queue (immediate mode), and a prospect claiming their profile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core.crm import imports, prospects
from core.errors import Conflict, NotFound, PermissionDenied
from core.marketplace import accounts, claims
from core.models import ImportRun, Prospect, ProspectClaim, User
from core.platform.config import get_settings
from tasks import imports as import_tasks
from tests import factories as f

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "creators-sample.csv"


def test_an_upload_runs_as_a_job_and_the_run_log_records_the_task_and_counts(bound_tasks):
    db = bound_tasks
    owner = f.sponsor(db)
    run_pk = f.write(
        db, lambda s: imports.start_import(s, actor=owner, file_name="sample.csv", data=SAMPLE.read_bytes())
    )
    import_tasks.enqueue_import(run_pk)

    run = f.read(db, lambda s: imports.get_run(s, actor=owner, run_pk=run_pk))
    assert run["status"] == "SUCCEEDED" and run["task_id"]
    assert (run["rows_created"], run["rows_rejected"]) == (18, 2)
    assert run["started_at"] <= run["finished_at"]
    assert not list(imports.imports_dir(get_settings()).glob("*"))  # the upload is deleted when the job ends
    runs = f.read(db, lambda s: imports.list_runs(s, actor=owner))
    assert list(runs["status"]) == ["SUCCEEDED"] and runs["progress"][0] == 1.0


def test_an_unreachable_queue_fails_the_run_with_a_message(bound_tasks, monkeypatch):
    db = bound_tasks
    owner = f.sponsor(db)
    run_pk = f.write(db, lambda s: imports.start_import(s, actor=owner, file_name="c.csv", data=SAMPLE.read_bytes()))

    def broken(_task):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(import_tasks.huey, "enqueue", broken)
    import_tasks.enqueue_import(run_pk)
    run = f.read(db, lambda s: s.get(ImportRun, run_pk))
    assert run.status == "FAILED" and "queue is unavailable" in run.status_message


def _imported_prospect(db, owner) -> int:
    run_pk = f.write(db, lambda s: imports.start_import(s, actor=owner, file_name="c.csv", data=SAMPLE.read_bytes()))
    import_tasks.enqueue_import(run_pk)
    found = f.read(db, lambda s: prospects.search_prospects(s, actor=owner, text="lena"))
    return int(found["id"][0])


def _token_from(message) -> str:
    return re.search(r"\?claim=([A-Za-z0-9_-]+)", message.get_content()).group(1)


def test_a_prospect_claims_the_profile_from_the_emailed_link_and_gets_an_influencer_account(bound_tasks, outbox):
    db = bound_tasks
    owner = f.sponsor(db, name="Acme Outdoor")
    prospect_id = _imported_prospect(db, owner)

    claim_id = f.write(db, lambda s: claims.request_claim_invite(s, actor=owner, prospect_id=prospect_id))
    import_tasks.send_claim_invite(claim_id)

    [message] = outbox.messages
    assert message["To"] == "lena@lenalifts.example" and "Acme Outdoor" in message["Subject"]
    token = _token_from(message)
    stored = f.read(db, lambda s: s.get(ProspectClaim, claim_id).token_hash)
    assert stored == claims.token_hash(token) and token not in stored  # only the hash is kept

    details = f.read(db, lambda s: claims.claim_details(s, token=token))
    assert details["handle"] == "lena.lifts" and details["email"] == "lena@lenalifts.example"
    user_id = f.write(
        db,
        lambda s: claims.claim_profile(s, token=token, username="lena", password="Strong-pass-1", category="Fitness"),
    )

    actor = f.actor(db, user_id)
    assert actor.role == "influencer"
    profile = f.read(db, lambda s: accounts.get_influencer_profile(s, actor=actor, influencer_id=user_id))
    assert profile["followers"] == 48200 and profile["display_name"] == "Lena Hoffmann"
    assert f.read(db, lambda s: s.get(Prospect, prospect_id).claimed_user_id) == user_id
    assert f.read(db, lambda s: s.scalar(select(User.email).where(User.id == user_id))) == "lena@lenalifts.example"
    with pytest.raises(NotFound):  # single use
        f.write(db, lambda s: claims.claim_profile(s, token=token, username="lena2", password="Strong-pass-1"))
    with pytest.raises(Conflict):
        f.write(db, lambda s: claims.request_claim_invite(s, actor=owner, prospect_id=prospect_id))


def test_a_claim_link_expires_after_seven_days_and_a_new_invite_revokes_the_old_one(bound_tasks, outbox):
    db = bound_tasks
    owner = f.sponsor(db)
    prospect_id = _imported_prospect(db, owner)
    first = f.write(db, lambda s: claims.request_claim_invite(s, actor=owner, prospect_id=prospect_id))
    import_tasks.send_claim_invite(first)
    old_token = _token_from(outbox.messages[0])
    second = f.write(db, lambda s: claims.request_claim_invite(s, actor=owner, prospect_id=prospect_id))
    import_tasks.send_claim_invite(second)
    [new_token] = {_token_from(m) for m in outbox.messages} - {old_token}

    with pytest.raises(NotFound):
        f.read(db, lambda s: claims.claim_details(s, token=old_token))
    assert f.read(db, lambda s: claims.claim_details(s, token=new_token))["handle"] == "lena.lifts"

    def age(s):
        claim = s.get(ProspectClaim, second)
        claim.expires_at = claim.created_at

    f.write(db, age)
    with pytest.raises(NotFound, match="expired"):
        f.read(db, lambda s: claims.claim_details(s, token=new_token))


def test_only_the_prospects_organization_with_pipeline_rights_can_invite(bound_tasks):
    db = bound_tasks
    owner, rival = f.sponsor(db), f.sponsor(db)
    prospect_id = _imported_prospect(db, owner)
    with pytest.raises(NotFound):
        f.write(db, lambda s: claims.request_claim_invite(s, actor=rival, prospect_id=prospect_id))
    with pytest.raises(PermissionDenied):
        f.write(db, lambda s: claims.request_claim_invite(s, actor=f.admin(db), prospect_id=prospect_id))
    assert f.read(db, lambda s: s.scalar(select(ProspectClaim.id))) is None
