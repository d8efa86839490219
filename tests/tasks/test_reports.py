"""Monthly reports: the right month, the right numbers, once per sponsor and month, mailed with a PDF."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading

import pytest
from sqlalchemy import func, select, update

from core.deals import documents, finance
from core.errors import InvalidInput, PermissionDenied
from core.marketplace import accounts, ad_requests
from core.models import AdRequestEvent, AuditLog, Campaign, MonthlyReport, Notification
from core.platform.timeutil import today
from core.reporting import reports
from tests import deal_steps as steps
from tests import factories as f

DECEMBER = dt.date(2026, 12, 1)
NEW_YEAR_MORNING = dt.datetime(2027, 1, 1, 8, 0)


def at(db, request_id: int, when: dt.datetime) -> None:
    """Move a request's whole history to `when` (the test's way of saying "this happened then")."""
    with db.Session.begin() as s:
        s.execute(update(AdRequestEvent).where(AdRequestEvent.ad_request_id == request_id).values(at=when))


def accepted_request(db, sponsor, campaign_id, influencer, cents: int, when: dt.datetime) -> int:
    request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=cents)
    with db.Session.begin() as s:
        ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    at(db, request_id, when)
    return request_id


def report_rows(db) -> list[MonthlyReport]:
    with db.ReadSession.begin() as s:
        return list(s.scalars(select(MonthlyReport).order_by(MonthlyReport.id)))


@pytest.fixture
def december(database):
    """A sponsor whose December had two accepted deals, one rejection and one open request, plus noise around it."""
    sponsor = f.sponsor(database, name="Acme Outdoor")
    ana = f.influencer(database, name="Ana Trails", followers=120_000)
    ben = f.influencer(database, name="Ben Lifts", followers=40_000)
    cleo = f.influencer(database, name="Cleo Runs")
    campaign = f.campaign(
        database,
        sponsor,
        name="Winter Gear",
        budget_cents=500_000,
        start=dt.date(2026, 11, 20),
        end=dt.date(2027, 2, 28),
    )
    accepted_request(database, sponsor, campaign, ana, 120_000, dt.datetime(2026, 12, 3, 10))
    accepted_request(database, sponsor, campaign, ben, 30_000, dt.datetime(2026, 12, 31, 23, 59, 59))
    rejected = f.request(database, sponsor, campaign, cleo, payment_cents=5_000)
    with database.Session.begin() as s:
        ad_requests.reject(
            s, actor=cleo, ad_request_id=rejected, expected_version=ad_requests.current_version(s, rejected)
        )
    at(database, rejected, dt.datetime(2026, 12, 10))
    other = f.campaign(
        database,
        sponsor,
        name="Spring Teaser",
        budget_cents=100_000,
        start=dt.date(2026, 11, 1),
        end=dt.date(2027, 3, 1),
    )
    accepted_request(database, sponsor, other, cleo, 7_000, dt.datetime(2026, 11, 30, 23, 59, 59))  # November
    accepted_request(database, sponsor, other, ana, 9_000, dt.datetime(2027, 1, 1, 0, 0))  # January
    open_one = f.request(database, sponsor, other, ben, payment_cents=11_000)
    at(database, open_one, dt.datetime(2026, 12, 20))
    with database.Session.begin() as s:  # both campaigns existed in December
        s.execute(update(Campaign).values(created_at=dt.datetime(2026, 11, 1)))
    return {"sponsor": sponsor, "ana": ana, "ben": ben, "cleo": cleo}


def test_on_new_years_day_the_report_covers_december(database, december):
    assert reports.due_month(NEW_YEAR_MORNING) == DECEMBER
    assert reports.month_bounds(DECEMBER) == (dt.datetime(2026, 12, 1), dt.datetime(2027, 1, 1))
    assert reports.due_month(dt.datetime(2027, 3, 1, 0, 0)) == dt.date(2027, 2, 1)

    with database.ReadSession.begin() as s:
        data = reports.build_report_data(s, sponsor_id=december["sponsor"].id, month=DECEMBER)

    k = data["kpis"]
    assert data["label"] == "December 2026"
    assert (data["period_start"], data["period_end"]) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert k["committed_cents"] == 150_000  # 1,200 on the 3rd + 300 at 23:59:59 on the 31st; not Nov 30, not Jan 1
    assert (k["accepted"], k["rejected"], k["requests_sent"], k["open_at_end"]) == (2, 1, 4, 1)
    assert k["campaigns_active"] == 2 and k["budget_cents"] == 600_000
    assert k["committed_to_date_cents"] == 157_000  # November's deal counts as committed by the end of December
    assert k["influencers_hired"] == 2
    assert [t["name"] for t in data["top"]] == ["Ana Trails", "Ben Lifts"]
    daily = dict(data["daily"])
    assert len(daily) == 31 and daily[dt.date(2026, 12, 3)] == 120_000 and daily[dt.date(2026, 12, 31)] == 30_000


def test_report_day_is_clamped_to_short_months(monkeypatch):
    from core.platform.config import reset_settings

    monkeypatch.setenv("IESCP_REPORT_DAY", "31")
    reset_settings()
    assert reports.due_month(dt.datetime(2026, 11, 29, 12)) is None
    assert reports.due_month(dt.datetime(2026, 11, 30, 0, 1)) == dt.date(2026, 10, 1)
    assert reports.is_report_day(dt.date(2027, 2, 28))


def test_each_sponsor_gets_exactly_one_report_per_month_whatever_the_runs(database, december, outbox):
    quiet = f.sponsor(database, name="Quiet Co")
    f.sponsor(database, approved=False)  # pending sponsors get nothing
    results = []

    def run():
        results.append(reports.run_monthly_reports(database, month=DECEMBER, now=NEW_YEAR_MORNING))

    racing = [threading.Thread(target=run) for _ in range(2)]  # a double-fired periodic task
    for thread in racing:
        thread.start()
    for thread in racing:
        thread.join()
    run()  # the catch-up run later the same day
    for sponsor_id in (december["sponsor"].id, quiet.id):  # and an explicit rerun per sponsor
        reports.generate_report(database, sponsor_id=sponsor_id, month=DECEMBER)

    assert sum(r["created"] for r in results) == 2 and sum(r["emailed"] for r in results) == 2
    rows = report_rows(database)
    assert sorted(r.sponsor_id for r in rows) == sorted([december["sponsor"].id, quiet.id])
    assert {r.email_status for r in rows} == {"sent"} and {r.email_attempts for r in rows} == {1}
    assert len(outbox.messages) == 2
    with database.ReadSession.begin() as s:
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "report")) == 2
        assert reports.pending_sponsor_ids(s, month=DECEMBER) == []
    quiet_report = next(r for r in rows if r.sponsor_id == quiet.id)
    assert quiet_report.summary["requests_total"] == 0 and "No campaign ran in December 2026" in quiet_report.html


def test_report_mail_reaches_a_real_smtp_server_with_the_pdf_attached(database, december, smtp_server):
    outcome = reports.generate_report(database, sponsor_id=december["sponsor"].id, month=DECEMBER)

    assert outcome.created and outcome.email == "sent"
    [message] = smtp_server.messages
    assert message["Subject"] == "[IESCP] Your activity report for December 2026"
    assert message["To"] == f"{december['sponsor'].username}@example.com"
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = list(message.iter_parts())
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    assert "Committed:         $1,500.00" in body.get_body(("plain",)).get_content()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "iescp-report-acme-outdoor-2026-12.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF-") and pdf == report_rows(database)[0].pdf


def test_report_html_shows_the_numbers_with_user_text_escaped(database):
    sponsor = f.sponsor(database, name="Evil <script>alert(1)</script> & Co")
    ana = f.influencer(database, name="<img src=x onerror=alert(2)>")
    campaign = f.campaign(database, sponsor, name="<b>Bold</b> launch")
    accepted_request(database, sponsor, campaign, ana, 12_345, dt.datetime(2026, 12, 5))
    with database.Session.begin() as s:
        s.execute(update(Campaign).values(created_at=dt.datetime(2026, 11, 1)))

    reports.generate_report(database, sponsor_id=sponsor.id, month=DECEMBER)

    html = report_rows(database)[0].html
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>Bold</b>" not in html
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "$123.45" in html and "<svg" in html and "counter(pages)" in html


def test_a_failed_report_email_is_retried_without_generating_the_report_again(database, december, smtp_down):
    sponsor_id = december["sponsor"].id
    failed = reports.run_monthly_reports(database, month=DECEMBER)

    assert failed["created"] == 1 and failed["email_failed"] == 1
    [row] = report_rows(database)
    assert (row.email_status, row.email_attempts) == ("failed", 1) and "connection refused" in row.last_error
    with database.ReadSession.begin() as s:
        assert reports.pending_sponsor_ids(s, month=DECEMBER) == [sponsor_id]

    smtp_down.start()
    retried = reports.run_monthly_reports(database, month=DECEMBER)
    reports.run_monthly_reports(database, month=DECEMBER)

    assert retried == {"month": "2026-12", "sponsors": 1, "created": 0, "emailed": 1, "email_failed": 0}
    [again] = report_rows(database)
    assert again.id == row.id and again.created_at == row.created_at
    assert (again.email_status, again.email_attempts, again.last_error) == ("sent", 2, None)
    assert len(smtp_down.messages) == 1


def test_without_weasyprint_the_html_report_still_goes_out_and_the_log_says_how_to_get_pdf(
    database, december, outbox, monkeypatch, caplog
):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # what a machine without the library sees: ImportError
    caplog.set_level(logging.WARNING, logger="iescp.reports")

    outcome = reports.generate_report(database, sponsor_id=december["sponsor"].id, month=DECEMBER)

    assert outcome.email == "sent"
    assert report_rows(database)[0].pdf is None
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in caplog.text
    [message] = outbox.messages
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "text/html"
    assert attachment.get_filename().endswith(".html") and "Winter Gear" in attachment.get_content()


def test_sponsors_read_only_their_own_reports_and_admins_read_all(database, december, outbox):
    other = f.sponsor(database, name="Other Brand")
    reports.run_monthly_reports(database, month=DECEMBER)
    admin, mine = f.admin(database), december["sponsor"]

    with database.ReadSession.begin() as s:
        own = reports.list_reports(s, actor=mine)
        theirs = reports.list_reports(s, actor=other)
        everyone = reports.list_reports(s, actor=admin, month="2026-12")
        report = reports.get_report(s, actor=mine, report_id=int(own["id"][0]))
        assert reports.get_report(s, actor=admin, report_id=int(theirs["id"][0]))["sponsor"] == "Other Brand"
        with pytest.raises(PermissionDenied):
            reports.get_report(s, actor=other, report_id=int(own["id"][0]))
        with pytest.raises(PermissionDenied):
            reports.list_reports(s, actor=december["ana"])

    assert list(own["sponsor"]) == ["Acme Outdoor"] and list(own["label"]) == ["December 2026"]
    assert int(own["committed_cents"][0]) == 150_000 and bool(own["has_pdf"][0])
    assert len(everyone) == 2
    assert report["pdf"].startswith(b"%PDF-") and report["pdf_filename"].endswith("2026-12.pdf")
    assert report["summary"]["accepted"] == 2


def test_admin_runs_reports_on_demand_only_for_months_that_ended(database, december, outbox):
    admin = f.admin(database)
    with database.Session.begin() as s:
        with pytest.raises(InvalidInput):
            reports.request_report_run(s, actor=admin, month=today())
        with pytest.raises(PermissionDenied):
            reports.request_report_run(s, actor=december["sponsor"], month="2026-10")
    with database.Session.begin() as s:
        month = reports.request_report_run(s, actor=admin, month="2026-10")
    with database.ReadSession.begin() as s:
        logged = s.scalar(select(AuditLog.detail).where(AuditLog.action == "report.run_requested"))

    assert month == dt.date(2026, 10, 1) and logged == "2026-10"


def test_the_on_demand_task_archives_every_sponsors_report(bound_tasks, december, outbox):
    from tasks import reports as report_tasks

    report_tasks.reports_for_month("2026-12")  # immediate mode: the fan-out and each sponsor task run inline
    report_tasks.reports_for_month("2026-12")

    assert [(r.sponsor_id, r.month, r.email_status) for r in report_rows(bound_tasks)] == [
        (december["sponsor"].id, DECEMBER, "sent")
    ]
    assert len(outbox.messages) == 1


def test_the_reports_budget_burn_equals_the_finance_modules_figures(database, tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))
    sponsor = f.sponsor(database, name="Acme Outdoor")
    ana, ben = f.influencer(database, name="Ana Trails"), f.influencer(database, name="Ben Lifts")
    _, paid_deal, paid_po = steps.deal(database, sponsor, ana, "Winter <Gear>")
    paid = steps.invoice(database, sponsor, ana, paid_deal, paid_po)
    steps.decide(database, documents.approve_document, sponsor, paid)
    steps.pay(database, sponsor, paid)
    _, owed_deal, owed_po = steps.deal(database, sponsor, ben, "Spring Teaser")
    owed = steps.invoice(database, sponsor, ben, owed_deal, owed_po)
    steps.decide(database, documents.approve_document, sponsor, owed)
    steps.deal(database, sponsor, ben, "Just committed")
    f.campaign(database, sponsor, name="Untouched")

    with database.ReadSession.begin() as s:
        data = reports.build_report_data(s, sponsor_id=sponsor.id, month=today())
        frame = finance.budget_burn(s, actor=accounts.load_actor(s, sponsor.id))
    html = reports.render_html(data)

    expected = {
        row["name"]: {c: int(row[c]) for c in reports.BURN_COLUMNS}
        for row in frame.to_dict("records")
        if row["name"] != "Untouched"
    }
    assert {b["name"]: {c: b[c] for c in reports.BURN_COLUMNS} for b in data["burn"]} == expected
    assert data["burn_totals"] == {c: v for c, v in finance.totals(frame).items() if c in reports.BURN_COLUMNS}
    assert expected["Winter <Gear>"]["paid_cents"] == 20_000 and expected["Spring Teaser"]["owed_cents"] == 20_000
    assert data["burn_totals"]["committed_cents"] == 60_000 and data["burn_totals"]["invoiced_cents"] == 40_000
    assert "Untouched" not in {b["name"] for b in data["burn"]}
    assert "Budget burn to date" in html and "Winter &lt;Gear&gt;" in html and "Winter <Gear>" not in html
    assert "$600.00" in html and "$400.00" in html


def test_an_organization_gets_one_report_covering_every_teammates_campaigns_and_all_its_members_read_it(
    database, december, outbox
):
    owner = december["sponsor"]
    second_owner = f.teammate(database, owner, org_role="owner")
    manager = f.teammate(database, owner, org_role="manager")
    analyst = f.teammate(database, owner, org_role="analyst")
    teammates_campaign = f.campaign(
        database, manager, name="Manager's line", budget_cents=200_000,
        start=dt.date(2026, 11, 20), end=dt.date(2027, 2, 28),
    )  # fmt: skip
    accepted_request(database, manager, teammates_campaign, december["cleo"], 4_000, dt.datetime(2026, 12, 5, 9))
    with database.Session.begin() as s:
        s.execute(update(Campaign).where(Campaign.id == teammates_campaign).values(created_at=dt.datetime(2026, 11, 1)))

    reports.run_monthly_reports(database, month=DECEMBER, now=NEW_YEAR_MORNING)
    reports.generate_report(database, sponsor_id=second_owner.id, month=DECEMBER)  # a rerun for another owner

    (row,) = report_rows(database)
    assert (row.sponsor_id, row.organization_id) == (owner.id, owner.organization_id)
    assert row.summary["committed_cents"] == 154_000 and "Manager&#39;s line" in row.html
    with database.ReadSession.begin() as s:
        for member in (second_owner, manager, analyst):
            assert reports.list_reports(s, actor=member)["id"].tolist() == [row.id]
            assert reports.get_report(s, actor=member, report_id=row.id)["sponsor"] == "Acme Outdoor"


def test_the_reports_paid_this_month_counts_paid_invoices_not_completed_jobs(database, tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))
    sponsor = f.sponsor(database, name="Acme Outdoor")
    ana, ben = f.influencer(database, name="Ana Trails"), f.influencer(database, name="Ben Lifts")
    _, paid_deal, paid_po = steps.deal(database, sponsor, ana, "Paid campaign")
    paid = steps.invoice(database, sponsor, ana, paid_deal, paid_po)
    steps.decide(database, documents.approve_document, sponsor, paid)
    steps.pay(database, sponsor, paid)
    done, _, _ = steps.deal(database, sponsor, ben, "Agreed only")  # completed, never invoiced or paid
    with database.Session.begin() as s:
        ad_requests.mark_completed(
            s, actor=sponsor, ad_request_id=done, expected_version=ad_requests.current_version(s, done)
        )

    with database.ReadSession.begin() as s:
        data = reports.build_report_data(s, sponsor_id=sponsor.id, month=today())
        mine = accounts.load_actor(s, sponsor.id)
        paid_total = int(finance.totals(finance.budget_burn(s, actor=mine))["paid_cents"])
    by_name = {c["name"]: c["paid_cents"] for c in data["campaigns"]}
    assert by_name == {"Paid campaign": 20_000, "Agreed only": 0}
    assert data["kpis"]["paid_cents"] == paid_total == 20_000
