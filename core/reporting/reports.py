"""Monthly activity reports: one archived report per sponsor and calendar month, emailed with a PDF.

On the report day (IESCP_REPORT_DAY) every approved sponsor gets the report of the *previous*
calendar month: campaigns active, requests sent / accepted / rejected / open at month end, money
committed and paid against budget, top influencers, their reach, and two charts (inline SVG built
here, so no browser or image library is needed). The HTML is rendered with Jinja2 (autoescape on,
StrictUndefined) and turned into a PDF by WeasyPrint; without pango on the machine the HTML report
still goes out (attached as .html) and the log says how to enable PDF.

Exactly once: monthly_reports has a unique (sponsor_id, month), and one organization gets one report a month
(sent to its longest-standing owner). Generation inserts the row (and the
sponsor's in-app notice) in one transaction; a second run finds it and only retries the email when
it is not sent yet. The email attempt is claimed with a guarded UPDATE, so two workers never both
send it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import math
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup, escape
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, permissions
from core.deals import earnings, finance
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts, organizations
from core.messaging import mailer, notifications
from core.messaging.reminders import local_time
from core.models import (
    OPEN_AD_REQUEST_STATUSES,
    AdRequest,
    AdRequestEvent,
    AuditLog,
    Campaign,
    FinancialDocument,
    InfluencerProfile,
    MonthlyReport,
    Organization,
    OrgMember,
    User,
)
from core.money import format_cents
from core.permissions import Actor
from core.platform import templating
from core.platform.config import Settings, get_settings
from core.platform.db import Database
from core.platform.timeutil import month_start, previous_month, utcnow
from core.reporting import pdf_child

log = logging.getLogger("iescp.reports")

MAX_EMAIL_ATTEMPTS = 5
# A send is bounded by the SMTP timeouts (seconds); a claim this old lost its worker.
EMAIL_LEASE = dt.timedelta(minutes=15)
WORKER_STOPPED = "The worker stopped while sending this email; it will be retried."
TOP_INFLUENCERS = 5
PDF_FIX = "To enable PDF: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
PDF_HINT = (
    "PDF reports are disabled because WeasyPrint cannot load pango ({error}). The HTML report is sent "
    "instead. " + PDF_FIX
)
REPORTS_PAGE = "sponsor-reports"


# ---- calendar ----------------------------------------------------------------------------------------------


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) of month, as naive datetimes."""
    start = month_start(month)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(following, dt.time())


def month_label(month: dt.date) -> str:
    return f"{calendar.month_name[month.month]} {month.year}"


def effective_report_day(day: dt.date, settings: Settings | None = None) -> int:
    """The configured report day, clamped into day's month (31 → 30 in November, 28/29 in February)."""
    settings = settings or get_settings()
    last = calendar.monthrange(day.year, day.month)[1]
    return max(1, min(int(settings.report_day), last))


def is_report_day(day: dt.date, settings: Settings | None = None) -> bool:
    return day.day == effective_report_day(day, settings)


def parse_month(value) -> dt.date:
    """'2026-12', '2026-12-01' or a date → first day of that month."""
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        return dt.date.fromisoformat(text[:7] + "-01")
    except ValueError:
        raise InvalidInput("Month must look like 2026-12.") from None


# ---- the numbers -------------------------------------------------------------------------------------------


def _sum_if(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _paid_in(start: dt.datetime, end: dt.datetime):
    """A campaign's invoices paid in [start, end): "paid" as everywhere else (core/deals/earnings.py)."""
    doc = FinancialDocument
    return (
        select(func.coalesce(func.sum(doc.amount_cents), 0))
        .where(
            # The organization first: its index (organization, campaign, kind, status) finds a campaign's invoices;
            # by campaign alone PostgreSQL scanned every document once per campaign (78 s for 1,000 campaigns).
            doc.organization_id == Campaign.organization_id,
            doc.campaign_id == Campaign.id,
            doc.kind == "invoice",
            doc.status.in_(earnings.PAID_STATUSES),
            doc.paid_date >= start.date(),
            doc.paid_date < end.date(),
        )
        .scalar_subquery()
    )


def _count_requests_if(condition):
    return func.count(func.distinct(case((condition, AdRequestEvent.ad_request_id), else_=None)))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def build_report_data(session: Session, *, sponsor_id: int, month: dt.date) -> dict:
    """Everything the report shows for sponsor_id and month, as plain data (a handful of aggregate queries)."""
    month = month_start(month)
    start, end = month_bounds(month)
    sponsor = session.execute(
        select(Organization.name, User.email, User.username, User.created_at, Organization.id.label("org_id"))
        .join(OrgMember, OrgMember.user_id == User.id)
        .join(Organization, Organization.id == OrgMember.organization_id)
        .where(User.id == sponsor_id)
    ).first()
    if sponsor is None:
        raise NotFound("That sponsor does not exist.")
    org_id = sponsor.org_id  # the report covers the whole organization's campaigns; sponsor_id receives it

    ev = AdRequestEvent
    in_month = and_(ev.at >= start, ev.at < end)
    accepted = ev.action == "accepted"
    per_campaign = (
        session.execute(
            select(
                Campaign.id,
                Campaign.name,
                Campaign.status,
                Campaign.start_date,
                Campaign.end_date,
                Campaign.budget_cents,
                Campaign.created_at,
                _sum_if(and_(accepted, ev.at < end), ev.amount_cents).label("committed_to_date_cents"),
                _sum_if(and_(accepted, in_month), ev.amount_cents).label("committed_cents"),
                _paid_in(start, end).label("paid_cents"),
                _count_requests_if(and_(ev.action == "sent", in_month)).label("sent"),
                _count_requests_if(and_(ev.action == "asked", in_month)).label("asked"),
                _count_requests_if(and_(accepted, in_month)).label("accepted"),
                _count_requests_if(and_(ev.to_status == "rejected", in_month)).label("rejected"),
                func.count(case((in_month, ev.id), else_=None)).label("events"),
            )
            .select_from(Campaign)
            .outerjoin(AdRequest, AdRequest.campaign_id == Campaign.id)
            .outerjoin(ev, ev.ad_request_id == AdRequest.id)
            .where(Campaign.organization_id == org_id, Campaign.created_at < end)
            .group_by(Campaign.id)
            .order_by(Campaign.id)
        )
        .mappings()
        .all()
    )
    campaigns = []
    for row in per_campaign:
        ran = row["status"] != "draft" and row["start_date"] < end.date() and row["end_date"] >= start.date()
        if not ran and not row["events"]:
            continue
        item = {k: row[k] for k in ("id", "name", "status", "start_date", "end_date")}
        for key in (
            "budget_cents",
            "committed_to_date_cents",
            "committed_cents",
            "paid_cents",
            "sent",
            "asked",
            "accepted",
            "rejected",
        ):
            item[key] = int(row[key] or 0)
        item["active_in_month"] = ran
        item["used_pct"] = (
            100.0 * item["committed_to_date_cents"] / item["budget_cents"] if item["budget_cents"] else None
        )
        campaigns.append(item)

    # Requests open at month end: their last event before the end left them pending or negotiating.
    last_event = (
        select(ev.ad_request_id, func.max(ev.id).label("last_id"))
        .join(AdRequest, AdRequest.id == ev.ad_request_id)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .where(Campaign.organization_id == org_id, ev.at < end)
        .group_by(ev.ad_request_id)
        .subquery()
    )
    open_at_end = (
        session.scalar(
            select(func.count())
            .select_from(last_event)
            .join(ev, ev.id == last_event.c.last_id)
            .where(ev.to_status.in_(OPEN_AD_REQUEST_STATUSES))
        )
        or 0
    )

    day = func.date(ev.at)
    daily_rows = session.execute(
        select(day.label("day"), func.sum(ev.amount_cents).label("cents"), func.count().label("deals"))
        .join(AdRequest, AdRequest.id == ev.ad_request_id)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .where(Campaign.organization_id == org_id, accepted, in_month)
        .group_by(day)
    ).all()
    daily = {_as_date(r.day): int(r.cents or 0) for r in daily_rows}
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    series = [(month.replace(day=d), daily.get(month.replace(day=d), 0)) for d in range(1, days_in_month + 1)]

    hired = (
        session.execute(
            select(
                InfluencerProfile.user_id,
                InfluencerProfile.display_name,
                InfluencerProfile.platform,
                InfluencerProfile.followers,
                InfluencerProfile.reach,
                func.count(func.distinct(ev.ad_request_id)).label("deals"),
                func.sum(ev.amount_cents).label("amount_cents"),
            )
            .select_from(ev)
            .join(AdRequest, AdRequest.id == ev.ad_request_id)
            .join(Campaign, Campaign.id == AdRequest.campaign_id)
            .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
            .where(Campaign.organization_id == org_id, accepted, in_month)
            .group_by(
                InfluencerProfile.user_id,
                InfluencerProfile.display_name,
                InfluencerProfile.platform,
                InfluencerProfile.followers,
                InfluencerProfile.reach,
            )
            .order_by(func.sum(ev.amount_cents).desc(), InfluencerProfile.user_id)
        )
        .mappings()
        .all()
    )
    top = [
        {
            "name": r["display_name"],
            "platform": r["platform"],
            "followers": int(r["followers"] or 0),
            "reach": int(r["reach"] or 0),
            "deals": int(r["deals"]),
            "amount_cents": int(r["amount_cents"] or 0),
        }
        for r in hired[:TOP_INFLUENCERS]
    ]

    active = [c for c in campaigns if c["active_in_month"]]
    budget = sum(c["budget_cents"] for c in active)
    committed_to_date = sum(c["committed_to_date_cents"] for c in active)
    kpis = {
        "campaigns_active": len(active),
        "requests_sent": sum(c["sent"] for c in campaigns),
        "requests_asked": sum(c["asked"] for c in campaigns),
        "accepted": sum(c["accepted"] for c in campaigns),
        "rejected": sum(c["rejected"] for c in campaigns),
        "open_at_end": int(open_at_end),
        "committed_cents": sum(c["committed_cents"] for c in campaigns),
        "paid_cents": sum(c["paid_cents"] for c in campaigns),
        "budget_cents": budget,
        "committed_to_date_cents": committed_to_date,
        "budget_used_pct": round(100.0 * committed_to_date / budget, 1) if budget else None,
        "influencers_hired": len(hired),
        "reach": sum(int(r["reach"] or 0) for r in hired),
    }
    kpis["requests_total"] = kpis["requests_sent"] + kpis["requests_asked"]
    burn, burn_totals = budget_burn_of(session, sponsor_id)
    return {
        "sponsor": {"id": sponsor_id, "name": sponsor.name, "email": sponsor.email},
        "month": month,
        "label": month_label(month),
        "period_start": start.date(),
        "period_end": (end - dt.timedelta(days=1)).date(),
        "kpis": kpis,
        "campaigns": campaigns,
        "top": top,
        "daily": series,
        "burn": burn,
        "burn_totals": burn_totals,
        "has_activity": bool(
            kpis["requests_total"]
            or kpis["accepted"]
            or kpis["rejected"]
            or kpis["paid_cents"]
            or kpis["campaigns_active"]
        ),
    }


BURN_COLUMNS = ("budget_cents", "committed_cents", "invoiced_cents", "paid_cents", "owed_cents")


def budget_burn_of(session: Session, sponsor_id: int) -> tuple[list[dict], dict]:
    """The sponsor's budget burn to date, from core/deals/finance (the numbers their Finance page shows).

    Campaigns with nothing committed, invoiced or paid are left out; the totals cover every campaign.
    """
    user = session.get(User, sponsor_id)
    if user is None:
        raise NotFound("That sponsor does not exist.")
    # The report is the sponsor's own view, built by a job: read as them, whatever their login state today.
    frame = finance.budget_burn(session, actor=accounts.actor_for(session, user))
    rows = [
        {"name": row["name"], **{c: int(row[c]) for c in BURN_COLUMNS}}
        for row in frame.to_dict("records")
        if row["committed_cents"] or row["invoiced_cents"] or row["paid_cents"]
    ]
    totals = finance.totals(frame)
    return rows, {c: int(totals.get(c, 0)) for c in BURN_COLUMNS}


def summary_of(data: dict) -> dict:
    """The JSON-safe summary archived with the report (what lists and emails show)."""
    return {
        "month": data["month"].isoformat()[:7],
        "label": data["label"],
        "sponsor": data["sponsor"]["name"],
        **data["kpis"],
    }


# ---- charts (inline SVG; WeasyPrint and browsers render it, no image library needed) -----------------------

PURPLE, GREEN, RED, AMBER, GREY, INK, MUTED = (
    "#6c4cf1",
    "#2e9e5b",
    "#e05252",
    "#e3a008",
    "#b9b4cc",
    "#1f1b2e",
    "#6b6880",
)


def _nice_step(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least value."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return candidate
    return 10 ** (exponent + 1)


def _compact_money(cents: float) -> str:
    units = cents / 100
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(units) >= limit:
            text = f"{units / limit:.1f}".rstrip("0").rstrip(".")
            return f"${text}{suffix}"
    return f"${units:,.0f}"


def daily_chart_svg(series: list[tuple[dt.date, int]], *, width: int = 470, height: int = 165) -> Markup:
    """Bars of money committed per day of the month, with a labelled y axis."""
    left, right, top, bottom = 44, 6, 8, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, v in series), default=0)
    step = _nice_step(peak / 100 / 4) * 100 if peak else 100_00  # gridline spacing in cents
    ticks = max(1, math.ceil(peak / step))
    ceiling = step * ticks
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="Money committed per day" '
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
    ]
    for i in range(ticks + 1):
        value = step * i
        y = top + plot_h - plot_h * i / ticks
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{"#cfcbe0" if i == 0 else "#ebe9f3"}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 5}" y="{y + 3:.1f}" font-size="8" fill="{MUTED}" '
            f'text-anchor="end">{escape(_compact_money(value))}</text>'
        )
    n = max(len(series), 1)
    slot = plot_w / n
    bar = max(slot * 0.7, 1.0)
    for index, (day, value) in enumerate(series):
        x = left + index * slot + (slot - bar) / 2
        if value > 0:
            h = max(plot_h * value / ceiling, 1.5)
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'rx="1.5" fill="{PURPLE}"><title>{escape(day.isoformat())}: '
                f"{escape(format_cents(value))}</title></rect>"
            )
        if day.day == 1 or day.day % 5 == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 12}" font-size="8" fill="{MUTED}" '
                f'text-anchor="middle">{day.day}</text>'
            )
    if not peak:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" font-size="12" '
            f'fill="{MUTED}" text-anchor="middle">No money committed this month</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel_chart_svg(kpis: dict, *, width: int = 230, height: int = 120) -> Markup:
    """Horizontal bars: requests sent, asked, accepted, rejected and open at month end."""
    rows = [
        ("Sent by you", kpis["requests_sent"], PURPLE),
        ("Asked by influencers", kpis["requests_asked"], "#9b87f5"),
        ("Accepted", kpis["accepted"], GREEN),
        ("Rejected", kpis["rejected"], RED),
        ("Open at month end", kpis["open_at_end"], AMBER),
    ]
    label_w, value_w, row_h = 100, 26, height / len(rows)
    peak = max((v for _, v, _ in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="Requests by outcome" '
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
    ]
    for index, (label, value, color) in enumerate(rows):
        y = index * row_h
        bar_w = (width - label_w - value_w) * value / peak
        parts.append(f'<text x="0" y="{y + row_h / 2 + 3:.1f}" font-size="8.5" fill="{INK}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + row_h * 0.2:.1f}" width="{width - label_w - value_w}" '
            f'height="{row_h * 0.6:.1f}" rx="3" fill="#f1eff8"/>'
        )
        if value:
            parts.append(
                f'<rect x="{label_w}" y="{y + row_h * 0.2:.1f}" width="{max(bar_w, 2):.1f}" '
                f'height="{row_h * 0.6:.1f}" rx="3" fill="{color}"/>'
            )
        parts.append(
            f'<text x="{width}" y="{y + row_h / 2 + 3:.1f}" font-size="8.5" font-weight="bold" '
            f'fill="{INK}" text-anchor="end">{value:,}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


# ---- rendering ---------------------------------------------------------------------------------------------


def render_html(data: dict, *, generated_at: dt.datetime | None = None, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    return templating.render(
        "report.html.j2",
        **data,
        generated_at=generated_at or utcnow(),
        daily_svg=daily_chart_svg(data["daily"]),
        funnel_svg=funnel_chart_svg(data["kpis"]),
        base_url=settings.base_url.rstrip("/"),
    )


def render_pdf(html: str) -> bytes | None:
    """The PDF of html (in the worker's recycled child process), or None (logged, with the fix) without pango."""
    try:
        return pdf_child.render_pdf(html, str(templating.TEMPLATES))
    except pdf_child.PdfUnavailable as error:
        log.warning(PDF_HINT.format(error=error))
        return None


def pdf_available() -> bool:
    """Whether WeasyPrint (and pango under it) can be loaded here."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


# ---- generating, archiving and emailing --------------------------------------------------------------------


@dataclass
class ReportOutcome:
    report_id: int
    created: bool
    email: str  # "sent", "failed", "already sent", "skipped: ..."


def _eligible_sponsors(month: dt.date):
    start, end = month_bounds(month)
    return and_(
        User.role == "sponsor",
        User.approval == "approved",
        User.is_active.is_(True),
        User.flagged.is_(False),
        User.created_at < end,
        User.id.in_(REPORT_RECIPIENTS),
        or_(_approved_at() < end, _active_in(start, end)),
    )


def _approved_at():
    """When the admin let the sponsor in (their "sponsor.approved" audit row), else when they signed up.

    The schema has no approval timestamp; the audit row is written in the approval's own transaction.
    """
    approved = (
        select(func.max(AuditLog.at))
        .where(AuditLog.target_type == "user", AuditLog.target_id == User.id, AuditLog.action == "sponsor.approved")
        .correlate(User)
        .scalar_subquery()
    )
    return func.coalesce(approved, User.created_at)


def _active_in(start: dt.datetime, end: dt.datetime):
    """The sponsor's organization had request activity in [start, end) (only imported or seeded history can
    show activity before an approval, and a month with activity is worth a report)."""
    return (
        select(AdRequestEvent.id)
        .join(AdRequest, AdRequest.id == AdRequestEvent.ad_request_id)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(OrgMember, OrgMember.organization_id == Campaign.organization_id)
        .where(OrgMember.user_id == User.id, AdRequestEvent.at >= start, AdRequestEvent.at < end)
        .correlate(User)
        .exists()
    )


# One report per organization, sent to its longest-standing active owner (the lowest user id among its owners).
REPORT_RECIPIENTS = (
    select(func.min(OrgMember.user_id))
    .where(OrgMember.org_role == "owner", OrgMember.status == "active")
    .group_by(OrgMember.organization_id)
)


def all_sponsor_ids(session: Session, *, month: dt.date) -> list[int]:
    """Every sponsor a report for month is for: approved before the month ended (or active in it), in good standing."""
    month = month_start(month)
    return [int(i) for i in session.scalars(select(User.id).where(_eligible_sponsors(month)).order_by(User.id))]


def pending_sponsor_ids(session: Session, *, month: dt.date) -> list[int]:
    """Sponsors whose report for month is missing or whose email still needs (automatic) sending."""
    month = month_start(month)
    needs_email = or_(
        and_(MonthlyReport.email_status == "failed", MonthlyReport.email_attempts < MAX_EMAIL_ATTEMPTS),
        and_(MonthlyReport.email_status == "pending", MonthlyReport.email_attempts == 0),
    )
    rows = session.scalars(
        select(User.id)
        .outerjoin(MonthlyReport, and_(MonthlyReport.sponsor_id == User.id, MonthlyReport.month == month))
        .where(_eligible_sponsors(month), or_(MonthlyReport.id.is_(None), needs_email))
        .order_by(User.id)
    )
    return [int(i) for i in rows]


def generate_report(
    db: Database,
    *,
    sponsor_id: int,
    month: dt.date,
    settings: Settings | None = None,
    outgoing: mailer.Mailer | None = None,
    force_email: bool = False,
    now: dt.datetime | None = None,
) -> ReportOutcome:
    """Archive sponsor_id's report for month (once) and email it unless it was sent already."""
    settings = settings or get_settings()
    month = month_start(month)
    now = now or utcnow()
    with db.ReadSession.begin() as session:
        org_id = organizations.organization_of_user(session, sponsor_id)
        report_id = session.scalar(  # one per organization and month, whoever of its owners received it
            select(MonthlyReport.id).where(
                or_(MonthlyReport.sponsor_id == sponsor_id, MonthlyReport.organization_id == org_id),
                MonthlyReport.month == month,
            )
        )
        data = None if report_id is not None else build_report_data(session, sponsor_id=sponsor_id, month=month)
    created = False
    if data is not None:  # not archived yet (report_id is None)
        html = render_html(data, generated_at=now, settings=settings)
        pdf = render_pdf(html)
        try:
            with db.Session.begin() as session:
                report = MonthlyReport(
                    sponsor_id=sponsor_id,
                    organization_id=org_id,
                    month=month,
                    html=html,
                    pdf=pdf,
                    summary=summary_of(data),
                    created_at=now,
                    email_status="pending",
                    email_attempts=0,
                )
                session.add(report)
                session.flush()
                report_id = report.id
                notifications.notify(
                    session,
                    sponsor_id,
                    "report",
                    f"Your {data['label']} report is ready",
                    "Open Monthly reports to read or download it.",
                    link=REPORTS_PAGE,
                )
            created = True
        except IntegrityError:
            with db.ReadSession.begin() as session:  # another worker archived it first
                report_id = session.scalar(
                    select(MonthlyReport.id).where(MonthlyReport.sponsor_id == sponsor_id, MonthlyReport.month == month)
                )
    if outgoing is None:
        with mailer.Mailer(settings) as own:
            email = _email_report(db, report_id, settings, own, force=force_email, now=now)
    else:
        email = _email_report(db, report_id, settings, outgoing, force=force_email, now=now)
    return ReportOutcome(report_id=report_id, created=created, email=email)


def _email_report(
    db: Database, report_id: int, settings: Settings, outgoing: mailer.Mailer, *, force: bool, now: dt.datetime
) -> str:
    with db.ReadSession.begin() as session:
        row = session.execute(
            select(
                MonthlyReport.id,
                MonthlyReport.month,
                MonthlyReport.email_status,
                MonthlyReport.email_attempts,
                MonthlyReport.summary,
                MonthlyReport.html,
                MonthlyReport.pdf.is_not(None).label("has_pdf"),
                User.email,
                User.is_active,
                User.flagged,
                User.approval,
                Organization.name,
            )
            .join(User, User.id == MonthlyReport.sponsor_id)
            .join(Organization, Organization.id == MonthlyReport.organization_id)
            .where(MonthlyReport.id == report_id)
        ).first()
    if row is None:
        raise NotFound("That report does not exist.")
    if row.email_status == "sent":
        return "already sent"
    if not (row.is_active and not row.flagged and row.approval == "approved"):
        return "skipped: sponsor account not in good standing"
    if not force and row.email_status == "failed" and row.email_attempts >= MAX_EMAIL_ATTEMPTS:
        return "skipped: gave up after repeated failures"
    if not force and row.email_status == "pending" and row.email_attempts > 0:
        return "skipped: another attempt is in progress"
    with db.Session.begin() as session:
        claimed = session.execute(
            update(MonthlyReport)
            .where(
                MonthlyReport.id == report_id,
                MonthlyReport.email_status == row.email_status,
                MonthlyReport.email_attempts == row.email_attempts,
            )
            .values(email_status="pending", email_attempts=row.email_attempts + 1, email_claimed_at=now)
        ).rowcount
    if claimed != 1:
        return "skipped: another attempt is in progress"
    pdf = None
    if row.has_pdf:
        with db.ReadSession.begin() as session:
            pdf = session.scalar(select(MonthlyReport.pdf).where(MonthlyReport.id == report_id))
    else:
        pdf = render_pdf(row.html)  # pango may have been installed since the report was archived
        if pdf is not None:
            with db.Session.begin() as session:
                session.execute(update(MonthlyReport).where(MonthlyReport.id == report_id).values(pdf=pdf))
    try:
        message = build_report_email(
            summary=row.summary,
            sponsor_name=row.name,
            to=row.email,
            month=row.month,
            html=row.html,
            pdf=pdf,
            settings=settings,
        )
        outgoing.send(message)
    except mailer.MailError as error:
        _mark_email(db, report_id, "failed", str(error))
        log.warning("report %s email failed: %s", report_id, error)
        return "failed"
    except Exception as error:
        log.exception("report %s email crashed", report_id)
        _mark_email(db, report_id, "failed", f"internal error: {type(error).__name__}: {error}")
        return "failed"
    _mark_email(db, report_id, "sent", None, emailed_at=now)
    return "sent"


def reclaim_stale_emails(db: Database, *, now: dt.datetime | None = None) -> int:
    """Mark report emails claimed over EMAIL_LEASE ago and still "pending" as failed (their worker died mid-send).

    The catch-up run then retries them like any failed email (pending_sponsor_ids); returns how many.
    """
    now = now or utcnow()
    with db.Session.begin() as session:
        return session.execute(
            update(MonthlyReport)
            .where(
                MonthlyReport.email_status == "pending",
                MonthlyReport.email_attempts > 0,
                func.coalesce(MonthlyReport.email_claimed_at, MonthlyReport.created_at) < now - EMAIL_LEASE,
            )
            .values(email_status="failed", last_error=WORKER_STOPPED)
        ).rowcount


def _mark_email(
    db: Database, report_id: int, status: str, error: str | None, emailed_at: dt.datetime | None = None
) -> None:
    values: dict[str, str | dt.datetime | None] = {
        "email_status": status,
        "last_error": error[:2000] if error else None,
    }
    if emailed_at is not None:
        values["emailed_at"] = emailed_at
    with db.Session.begin() as session:
        session.execute(update(MonthlyReport).where(MonthlyReport.id == report_id).values(**values))


def report_filename(sponsor_name: str, month: dt.date, extension: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in sponsor_name.lower()).strip("-")
    slug = "-".join(filter(None, slug.split("-")))[:40] or "sponsor"
    return f"iescp-report-{slug}-{month:%Y-%m}.{extension}"


def build_report_email(
    *, summary: dict, sponsor_name: str, to: str, month: dt.date, html: str, pdf: bytes | None, settings: Settings
):
    context = {
        "summary": summary,
        "sponsor_name": sponsor_name,
        "label": month_label(month),
        "has_pdf": pdf is not None,
        "link": f"{settings.base_url.rstrip('/')}/{REPORTS_PAGE}",
    }
    if pdf is not None:
        attachment = mailer.Attachment(report_filename(sponsor_name, month, "pdf"), pdf, "application/pdf")
    else:
        attachment = mailer.Attachment(report_filename(sponsor_name, month, "html"), html.encode("utf-8"), "text/html")
    return mailer.build_message(
        to=to,
        subject=f"[IESCP] Your activity report for {month_label(month)}",
        text=templating.render("emails/report.txt.j2", **context),
        html=templating.render("emails/report.html.j2", **context),
        attachments=[attachment],
        settings=settings,
    )


def run_monthly_reports(
    db: Database,
    *,
    month: dt.date,
    settings: Settings | None = None,
    sponsor_ids: list[int] | None = None,
    force_email: bool = False,
    now: dt.datetime | None = None,
) -> dict:
    """Generate (once) and email the reports of month for the given or all pending sponsors."""
    settings = settings or get_settings()
    month = month_start(month)
    if sponsor_ids is None:
        with db.ReadSession.begin() as session:
            if force_email:
                sponsor_ids = all_sponsor_ids(session, month=month)
            else:
                sponsor_ids = pending_sponsor_ids(session, month=month)
    created = emailed = email_failed = 0
    with mailer.Mailer(settings) as outgoing:
        for sponsor_id in sponsor_ids:
            outcome = generate_report(
                db,
                sponsor_id=sponsor_id,
                month=month,
                settings=settings,
                outgoing=outgoing,
                force_email=force_email,
                now=now,
            )
            created += outcome.created
            emailed += outcome.email == "sent"
            email_failed += outcome.email == "failed"
    counts = {
        "month": month.isoformat()[:7],
        "sponsors": len(sponsor_ids),
        "created": created,
        "emailed": emailed,
        "email_failed": email_failed,
    }
    log.info("monthly reports: %s", counts)
    return counts


def due_month(now: dt.datetime | None = None, settings: Settings | None = None) -> dt.date | None:
    """The month whose reports are due at now (on or after this month's report day), else None."""
    settings = settings or get_settings()
    today = local_time(now or utcnow(), settings).date()
    if today.day < effective_report_day(today, settings):
        return None
    return previous_month(today)


# ---- use cases for pages -----------------------------------------------------------------------------------


def request_report_run(session: Session, *, actor: Actor, month) -> dt.date:
    """Admin: check that month's reports may be (re)run now; returns the month to enqueue."""
    permissions.require(actor, "report.run")
    month = parse_month(month)
    current = month_start(local_time(utcnow()).date())
    if month >= current:
        raise InvalidInput("Pick a month that has ended: a report covers a whole calendar month.")
    if month < dt.date(2000, 1, 1):
        raise InvalidInput("That month is too far in the past.")
    audit.record(session, actor, RUN_REQUESTED, "monthly_report", None, detail=month.isoformat()[:7])
    return month


# How long after "Run reports now" the admin page keeps watching for the reports (a run of thousands of
# sponsors takes minutes; a run that stalls longer shows its state on the next visit instead of polling forever).
RUN_WATCH = dt.timedelta(minutes=15)
RUN_REQUESTED = "report.run_requested"


@dataclass(frozen=True)
class RunProgress:
    """Where the reports of one month stand, for the admin page's live view."""

    month: dt.date
    sponsors: int  # sponsors the month's reports are for
    remaining: int  # of those: report not archived yet, or its e-mail not attempted/finished yet
    requested_at: dt.datetime | None  # the latest "Run reports now" for the month

    @property
    def done(self) -> int:
        return self.sponsors - self.remaining

    def running(self, now: dt.datetime | None = None) -> bool:
        """A run was requested lately and has work left: worth watching."""
        now = now or utcnow()
        return bool(self.remaining) and self.requested_at is not None and now - self.requested_at < RUN_WATCH


def run_progress(session: Session, *, actor: Actor, month) -> RunProgress:
    """Admin: how many of month's reports are archived and mailed, and when a run was last requested."""
    permissions.require(actor, "report.run")
    month = parse_month(month)
    report = and_(MonthlyReport.organization_id == OrgMember.organization_id, MonthlyReport.month == month)
    sponsors, remaining = session.execute(
        select(
            func.count(),
            func.count(case((or_(MonthlyReport.id.is_(None), MonthlyReport.email_status == "pending"), 1))),
        )
        .select_from(User)
        .join(OrgMember, OrgMember.user_id == User.id)
        .outerjoin(MonthlyReport, report)
        .where(_eligible_sponsors(month))
    ).one()
    requested_at = session.scalar(
        select(func.max(AuditLog.at)).where(
            AuditLog.action == RUN_REQUESTED,
            AuditLog.target_type == "monthly_report",
            AuditLog.detail == month.isoformat()[:7],
        )
    )
    return RunProgress(month=month, sponsors=int(sponsors), remaining=int(remaining), requested_at=requested_at)


REPORT_LIST_COLUMNS = [
    "id",
    "sponsor_id",
    "sponsor",
    "month",
    "label",
    "created_at",
    "email_status",
    "email_attempts",
    "emailed_at",
    "last_error",
    "has_pdf",
    "campaigns_active",
    "requests_total",
    "accepted",
    "rejected",
    "committed_cents",
    "paid_cents",
    "budget_used_pct",
]


def list_reports(session: Session, *, actor: Actor, month=None, limit: int = 120) -> pd.DataFrame:
    """A sponsor's own archived reports (newest first); an admin sees every sponsor's."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    stmt = (
        select(
            MonthlyReport.id,
            MonthlyReport.sponsor_id,
            Organization.name.label("sponsor"),
            MonthlyReport.month,
            MonthlyReport.created_at,
            MonthlyReport.email_status,
            MonthlyReport.email_attempts,
            MonthlyReport.emailed_at,
            MonthlyReport.last_error,
            MonthlyReport.pdf.is_not(None).label("has_pdf"),
            MonthlyReport.summary,
        )
        .join(Organization, Organization.id == MonthlyReport.organization_id)
        .order_by(MonthlyReport.month.desc(), MonthlyReport.id.desc())
        .limit(max(1, min(int(limit), 1000)))
    )
    if actor.is_admin and actor.can("report.run"):
        pass
    elif actor.role == "sponsor" and actor.can("report.view_own"):
        stmt = stmt.where(MonthlyReport.organization_id == permissions.require_member(actor))
    else:
        raise PermissionDenied("Your account is not allowed to read monthly reports.")
    if month is not None:
        stmt = stmt.where(MonthlyReport.month == parse_month(month))
    records = []
    for row in session.execute(stmt).mappings():
        summary = row["summary"] or {}
        record = {k: row[k] for k in REPORT_LIST_COLUMNS if k in row}
        record["has_pdf"] = bool(row["has_pdf"])
        record["label"] = month_label(row["month"])
        for key in ("campaigns_active", "requests_total", "accepted", "rejected", "committed_cents", "paid_cents"):
            record[key] = int(summary.get(key) or 0)
        record["budget_used_pct"] = summary.get("budget_used_pct")
        records.append(record)
    return pd.DataFrame(records, columns=REPORT_LIST_COLUMNS)


def get_report(session: Session, *, actor: Actor, report_id: int) -> dict:
    """One archived report with its HTML and PDF, for its sponsor or an admin."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    row = session.execute(
        select(MonthlyReport, Organization.name)
        .join(Organization, Organization.id == MonthlyReport.organization_id)
        .where(MonthlyReport.id == report_id)
    ).first()
    if row is None:
        raise NotFound("That report does not exist.")
    report, sponsor_name = row
    owner = (
        actor.role == "sponsor"
        and actor.can("report.view_own")
        and actor.organization_id is not None
        and report.organization_id == actor.organization_id
    )
    if not owner and not (actor.is_admin and actor.can("report.run")):
        raise PermissionDenied("That report belongs to another organization.")
    return {
        "id": report.id,
        "sponsor_id": report.sponsor_id,
        "sponsor": sponsor_name,
        "month": report.month,
        "label": month_label(report.month),
        "summary": dict(report.summary or {}),
        "html": report.html,
        "pdf": report.pdf,
        "created_at": report.created_at,
        "email_status": report.email_status,
        "emailed_at": report.emailed_at,
        "last_error": report.last_error,
        "html_filename": report_filename(sponsor_name, report.month, "html"),
        "pdf_filename": report_filename(sponsor_name, report.month, "pdf"),
    }
