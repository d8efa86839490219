"""CSV exports: only the owner's rows, names included, formula-safe cells, durable job state, owner-only download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
import traceback

import pandas as pd
import pytest
from sqlalchemy import func, insert, select, update

from core.errors import Conflict, NotFound, PermissionDenied
from core.marketplace import ad_requests
from core.models import AdRequest, ExportJob, Notification
from core.platform.config import get_settings
from core.platform.timeutil import today
from core.reporting import csvsafe, exports
from tests import factories as f


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def job(db, job_id: int) -> ExportJob:
    with db.ReadSession.begin() as s:
        return s.get(ExportJob, job_id)


def export(db, actor, kind: str, **filters) -> tuple[int, list[dict]]:
    """Start and run an export as actor; returns the job id and the CSV rows."""
    with db.Session.begin() as s:
        job_id = exports.start_export(s, actor=actor, kind=kind, filters=filters)
    assert exports.run_export(db, job_id) == "done"
    with db.ReadSession.begin() as s:
        _, path = exports.open_export(s, actor=actor, job_id=job_id)
    return job_id, read_csv(path)


@pytest.fixture
def two_sponsors(database):
    acme, rival = f.sponsor(database, name="Acme Outdoor"), f.sponsor(database, name="Rival Brand")
    ana, ben = f.influencer(database, name="Ana Trails"), f.influencer(database, name="Ben Lifts")
    spring = f.campaign(database, acme, name="Spring Launch", budget_cents=300_000)
    summer = f.campaign(database, acme, name="Summer Tour")
    secret = f.campaign(database, rival, name="Rival Secret", is_public=False)
    f.request(database, acme, spring, ana, payment_cents=12_345)
    f.request(database, acme, summer, ben, payment_cents=20_000)
    f.request(database, rival, secret, ana, payment_cents=99_999)
    return {"acme": acme, "rival": rival, "ana": ana, "ben": ben, "spring": spring, "summer": summer, "secret": secret}


def test_a_sponsor_exports_only_their_own_requests_with_names(database, two_sponsors):
    job_id, rows = export(database, two_sponsors["acme"], "ad_requests")

    assert [(r["campaign"], r["sponsor"], r["influencer"], r["payment"], r["status"], r["awaiting"]) for r in rows] == [
        ("Spring Launch", "Acme Outdoor", "Ana Trails", "123.45", "pending", "influencer"),
        ("Summer Tour", "Acme Outdoor", "Ben Lifts", "200.00", "pending", "influencer"),
    ]
    assert "Rival" not in str(rows)
    assert list(rows[0]) == exports.AD_REQUEST_HEADER
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[0]["created_at"])  # same on every backend
    assert rows[0]["accepted_at"] == "" and rows[0]["requirements"] == "Two posts and a story"


def test_a_campaign_export_has_budgets_and_request_counts(database, two_sponsors):
    _, rows = export(database, two_sponsors["acme"], "campaigns")

    assert [
        (r["campaign"], r["sponsor"], r["budget"], r["remaining"], r["requests"], r["open_requests"]) for r in rows
    ] == [
        ("Spring Launch", "Acme Outdoor", "3000.00", "3000.00", "1", "1"),
        ("Summer Tour", "Acme Outdoor", "1000.00", "1000.00", "1", "1"),
    ]
    assert rows[0]["start_date"] == (today() - dt.timedelta(days=1)).isoformat()
    assert (rows[0]["visibility"], rows[0]["flagged"]) == ("public", "no")


def test_an_admin_exports_everyone_and_can_filter_by_sponsor(database, two_sponsors):
    admin = f.admin(database)
    _, everything = export(database, admin, "ad_requests")
    _, rivals = export(database, admin, "campaigns", sponsor_id=two_sponsors["rival"].id)

    assert {r["sponsor"] for r in everything} == {"Acme Outdoor", "Rival Brand"}
    assert [r["campaign"] for r in rivals] == ["Rival Secret"]


def test_filters_narrow_the_export(database, two_sponsors):
    acme = two_sponsors["acme"]
    _, by_campaign = export(database, acme, "ad_requests", campaign_id=two_sponsors["summer"])
    _, by_text = export(database, acme, "ad_requests", text="ana")
    _, by_status = export(database, acme, "ad_requests", status="accepted")
    _, wildcard = export(database, acme, "campaigns", text="%")

    assert [r["influencer"] for r in by_campaign] == ["Ben Lifts"]
    assert [r["campaign"] for r in by_text] == ["Spring Launch"]
    assert by_status == [] and wildcard == []  # "%" is a literal character, not a wildcard


def test_other_sponsors_and_influencers_cannot_touch_an_export(database, two_sponsors):
    acme, rival = two_sponsors["acme"], two_sponsors["rival"]
    job_id, _ = export(database, acme, "ad_requests")

    with database.ReadSession.begin() as s:
        with pytest.raises(PermissionDenied):
            exports.open_export(s, actor=rival, job_id=job_id)
        with pytest.raises(PermissionDenied):
            exports.open_export(s, actor=two_sponsors["ana"], job_id=job_id)
        name, path = exports.open_export(s, actor=f.admin(database), job_id=job_id)
        assert exports.list_exports(s, actor=rival).empty
        with pytest.raises(NotFound):
            exports.open_export(s, actor=acme, job_id=job_id + 1000)
    with database.Session.begin() as s:
        with pytest.raises(PermissionDenied):
            exports.start_export(s, actor=two_sponsors["ana"], kind="campaigns")
        with pytest.raises(PermissionDenied):
            exports.start_export(s, actor=rival, kind="ad_requests", filters={"campaign_id": two_sponsors["spring"]})
        with pytest.raises(PermissionDenied):
            exports.start_export(s, actor=rival, kind="ad_requests", filters={"sponsor_id": acme.id})

    assert name.startswith("iescp-ad-requests-") and name.endswith(".csv")
    assert path.parent == get_settings().exports_dir.resolve()
    assert str(job_id) in path.name and len(path.stem) > 30  # a random token, not a guessable name


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(database):
    sponsor = f.sponsor(database, name='=HYPERLINK("http://evil","click")')
    influencer = f.influencer(database, name="+SUM(A1:A9)")
    campaign = f.campaign(database, sponsor, name="@cmd|' /C calc'!A0", category="-2+3")
    with database.Session.begin() as s:
        ad_requests.send_ad_request(
            s,
            actor=sponsor,
            campaign_id=campaign,
            influencer_id=influencer.id,
            payment_cents=5_000,
            requirements="=1+1 then post",
        )

    _, requests = export(database, sponsor, "ad_requests")
    _, campaigns = export(database, sponsor, "campaigns")

    row = requests[0]
    assert row["sponsor"] == '\'=HYPERLINK("http://evil","click")'
    assert row["influencer"] == "'+SUM(A1:A9)"
    assert row["campaign"] == "'@cmd|' /C calc'!A0"
    assert row["requirements"] == "'=1+1 then post"
    assert row["payment"] == "50.00"  # numbers are left alone
    assert campaigns[0]["category"] == "'-2+3"
    assert csvsafe.neutralise("\tx") == "'\tx" and csvsafe.neutralise("\rx") == "'\rx"
    assert csvsafe.neutralise(-5) == -5 and csvsafe.neutralise("plain") == "plain"


def test_the_job_records_rows_size_and_duration_and_tells_the_owner(database, two_sponsors, outbox):
    acme = two_sponsors["acme"]
    job_id, rows = export(database, acme, "ad_requests")

    done = job(database, job_id)
    path = get_settings().exports_dir / done.file_name
    assert (done.status, done.row_count, done.error) == ("done", 2, None)
    assert done.size_bytes == path.stat().st_size and done.duration_ms is not None and done.duration_ms >= 0
    assert done.started_at is not None and done.finished_at >= done.started_at
    with database.ReadSession.begin() as s:
        titles = list(
            s.scalars(select(Notification.title).where(Notification.user_id == acme.id, Notification.kind == "export"))
        )
        listed = exports.list_exports(s, actor=acme)
    assert titles == ["Your ad requests export is ready"]
    assert [m["Subject"] for m in outbox.messages] == ["[IESCP] Your ad requests export is ready"]
    assert listed["downloadable"].tolist() == [True] and listed["description"][0] == "Ad requests"


def test_running_the_same_job_twice_does_the_work_once(database, two_sponsors):
    job_id, _ = export(database, two_sponsors["acme"], "campaigns")

    assert exports.run_export(database, job_id) == "skipped"
    assert len(list(get_settings().exports_dir.glob("*.csv"))) == 1


def test_a_big_export_is_streamed_in_batches_and_counts_every_row(database, two_sponsors):
    acme = two_sponsors["acme"]
    campaign = f.campaign(database, acme, name="Bulk", budget_cents=10**9)
    influencer_ids = [f.influencer(database).id for _ in range(3)]
    total = exports.YIELD_PER * 2 + 7
    with database.Session.begin() as s:  # closed requests don't collide with the one-live-request-per-pair rule
        s.execute(
            insert(AdRequest),
            [
                {
                    "campaign_id": campaign,
                    "influencer_id": influencer_ids[i % 3],
                    "initiated_by": "sponsor",
                    "payment_cents": 100 + i,
                    "status": "rejected",
                    "requirements": f"job {i}",
                }
                for i in range(total)
            ],
        )

    job_id, rows = export(database, acme, "ad_requests", campaign_id=campaign)

    assert len(rows) == total == job(database, job_id).row_count
    assert rows[0]["payment"] == "1.00" and rows[-1]["requirements"] == f"job {total - 1}"


def test_the_task_runs_the_export_through_the_queue(bound_tasks, two_sponsors):
    from tasks import exports as export_tasks

    with bound_tasks.Session.begin() as s:
        job_id = exports.start_export(s, actor=two_sponsors["acme"], kind="campaigns")
    export_tasks.enqueue_export(job_id)  # immediate mode: runs inline, as a consumer would

    assert job(bound_tasks, job_id).status == "done"
    assert job(bound_tasks, job_id).row_count == 2


def test_a_user_can_have_only_a_few_exports_in_progress(database, two_sponsors):
    with database.Session.begin() as s:
        for _ in range(exports.MAX_ACTIVE_JOBS):
            exports.start_export(s, actor=two_sponsors["acme"], kind="campaigns")
        with pytest.raises(Conflict):
            exports.start_export(s, actor=two_sponsors["acme"], kind="campaigns")


def test_twelve_simultaneous_export_starts_by_one_sponsor_queue_exactly_the_limit(database, two_sponsors):
    acme = two_sponsors["acme"]
    starters = 12
    barrier = threading.Barrier(starters)
    outcomes: list[str] = []

    def start() -> None:
        try:
            barrier.wait(timeout=30)
            with database.Session.begin() as s:  # one user action = one transaction, as a page runs it
                exports.start_export(s, actor=acme, kind="campaigns")
            outcomes.append("queued")
        except Conflict as error:
            outcomes.append(f"conflict: {error.message}")
        except BaseException:  # anything else is a bug and must show up in the assertion
            outcomes.append(traceback.format_exc())

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert outcomes.count("queued") == exports.MAX_ACTIVE_JOBS, outcomes
    refusals = [o for o in outcomes if o != "queued"]
    assert len(refusals) == starters - exports.MAX_ACTIVE_JOBS
    assert all(o.startswith("conflict: You already have 3 exports in progress") for o in refusals), refusals
    with database.ReadSession.begin() as s:
        assert s.scalar(select(func.count()).select_from(ExportJob).where(ExportJob.owner_id == acme.id)) == 3


def test_lost_jobs_are_requeued_and_interrupted_ones_fail(database, two_sponsors):
    now = dt.datetime(2026, 12, 1, 12, 0)
    with database.Session.begin() as s:
        lost = exports.start_export(s, actor=two_sponsors["acme"], kind="campaigns")
        fresh = exports.start_export(s, actor=two_sponsors["acme"], kind="campaigns")
        stuck = exports.start_export(s, actor=two_sponsors["rival"], kind="campaigns")
        s.execute(update(ExportJob).where(ExportJob.id == lost).values(created_at=now - dt.timedelta(minutes=30)))
        s.execute(update(ExportJob).where(ExportJob.id == fresh).values(created_at=now - dt.timedelta(minutes=1)))
        s.execute(
            update(ExportJob)
            .where(ExportJob.id == stuck)
            .values(status="running", created_at=now - dt.timedelta(hours=3), started_at=now - dt.timedelta(hours=3))
        )

    requeue = exports.recover_stale_jobs(database, now=now)

    assert requeue == [lost]
    assert job(database, stuck).status == "failed" and "interrupted" in job(database, stuck).error
    assert exports.run_export(database, lost) == "done"


def test_old_export_files_are_deleted_and_can_no_longer_be_downloaded(database, two_sponsors):
    acme = two_sponsors["acme"]
    job_id, _ = export(database, acme, "campaigns")
    finished = job(database, job_id).finished_at

    assert exports.purge_expired(database, now=finished + dt.timedelta(days=exports.RETENTION_DAYS - 1)) == 0
    assert exports.purge_expired(database, now=finished + dt.timedelta(days=exports.RETENTION_DAYS + 1)) == 1

    assert list(get_settings().exports_dir.glob("*.csv")) == []
    with database.ReadSession.begin() as s:
        with pytest.raises(NotFound, match="expired"):
            exports.open_export(s, actor=acme, job_id=job_id)
        assert exports.list_exports(s, actor=acme)["downloadable"].tolist() == [False]


def test_frame_to_csv_bytes_neutralises_text_but_not_numbers():
    frame = pd.DataFrame({"name": ["=1+2", "ok"], "amount": [-5, 7]})

    text = csvsafe.frame_to_csv_bytes(frame).decode("utf-8")

    assert list(csv.reader(io.StringIO(text))) == [["name", "amount"], ["'=1+2", "-5"], ["ok", "7"]]


def test_export_counts_match_the_database(database, two_sponsors):
    admin = f.admin(database)
    _, rows = export(database, admin, "ad_requests")
    with database.ReadSession.begin() as s:
        assert len(rows) == s.scalar(select(func.count()).select_from(AdRequest))
