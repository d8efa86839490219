"""CSV exports as background jobs: campaigns or ad requests, with names, streamed to a private file.

A page calls start_export (an export_jobs row, status "queued") and then enqueues the task, which
calls run_export: it claims the job (queued → running, one guarded UPDATE, so a duplicate task is
a no-op), streams the rows with a server-side cursor (yield_per; never a whole-table DataFrame)
into csv.writer, renames the finished file into place and records rows, size and duration. The
owner gets an in-app notice and an email. Files live under settings.exports_dir, outside any
static folder, named with a random token; only the owner or an admin can open them
(open_export). Text cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import os
import secrets
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import String, case, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from core import validate
from core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts
from core.messaging import mailer, notifications
from core.models import (
    AD_REQUEST_STATUSES,
    CAMPAIGN_STATUSES,
    COMMITTED_AD_REQUEST_STATUSES,
    OPEN_AD_REQUEST_STATUSES,
    AdRequest,
    Campaign,
    ExportJob,
    InfluencerProfile,
    Organization,
    User,
)
from core.permissions import Actor
from core.platform import templating
from core.platform.config import Settings, get_settings
from core.platform.db import Database
from core.platform.timeutil import utcnow
from core.reporting import csvsafe

log = logging.getLogger("iescp.exports")

KINDS = {"campaigns": "campaigns", "ad_requests": "ad requests"}
MAX_ACTIVE_JOBS = 3
YIELD_PER = 5000
PROGRESS_EVERY = 50_000
RETENTION_DAYS = 7
STALE_QUEUED = dt.timedelta(minutes=5)
STALE_RUNNING = dt.timedelta(hours=2)
DOWNLOADS_PAGE = {"sponsor": "sponsor-downloads", "admin": "admin-reports"}


# ---- starting a job ----------------------------------------------------------------------------------------


def _scope_of(actor: Actor) -> str:
    """'any' for an admin who may export everything, 'own' for a sponsor; PermissionDenied otherwise."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    if actor.is_admin and actor.can("export.any"):
        return "any"
    if actor.role == "sponsor" and actor.organization_id is not None and actor.can("export.own"):
        return "own"
    raise PermissionDenied("Your account is not allowed to export data.")


def _normalise_filters(session: Session, actor: Actor, kind: str, filters: dict | None) -> dict:
    filters = dict(filters or {})
    unknown = set(filters) - {"status", "campaign_id", "text", "sponsor_id"}
    if unknown:
        raise InvalidInput(f"Unknown export filter: {', '.join(sorted(unknown))}.")
    clean: dict = {}
    if filters.get("status"):
        allowed = CAMPAIGN_STATUSES if kind == "campaigns" else AD_REQUEST_STATUSES
        clean["status"] = validate.choice(filters["status"], "Status", allowed)
    if filters.get("campaign_id") not in (None, ""):
        campaign_id = validate.whole_number(filters["campaign_id"], "Campaign", minimum=1)
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound("That campaign does not exist.")
        if _scope_of(actor) == "own" and campaign.organization_id != actor.organization_id:
            raise PermissionDenied("That campaign belongs to another organization.")
        clean["campaign_id"] = campaign_id
    if filters.get("text"):
        clean["text"] = validate.text(filters["text"], "Search text", max_len=100)
    if filters.get("sponsor_id") not in (None, ""):
        if _scope_of(actor) != "any":
            raise PermissionDenied("Only administrators can export another sponsor's data.")
        clean["sponsor_id"] = validate.whole_number(filters["sponsor_id"], "Sponsor", minimum=1)
    return clean


def start_export(session: Session, *, actor: Actor, kind: str, filters: dict | None = None) -> int:
    """Queue an export of kind with filters (status, campaign_id, text, and sponsor_id for admins); returns its id.

    The caller commits, then enqueues the task (tasks.exports.enqueue_export) so the worker sees the row.
    """
    _scope_of(actor)
    kind = validate.choice(kind, "Export", tuple(KINDS))
    clean = _normalise_filters(session, actor, kind, filters)
    # Lock the owner's row first: concurrent starts by one user then count one after another, so the
    # limit holds on PostgreSQL too (SQLite's BEGIN IMMEDIATE already serialises writers).
    session.execute(select(User.id).where(User.id == actor.id).with_for_update())
    active = (
        session.scalar(
            select(func.count())
            .select_from(ExportJob)
            .where(ExportJob.owner_id == actor.id, ExportJob.status.in_(("queued", "running")))
        )
        or 0
    )
    if active >= MAX_ACTIVE_JOBS:
        raise Conflict(f"You already have {active} exports in progress. Wait for one to finish, then try again.")
    job = ExportJob(owner_id=actor.id, kind=kind, filters=clean, status="queued", created_at=utcnow())
    session.add(job)
    session.flush()
    return job.id


def describe_filters(kind: str, filters: dict | None) -> str:
    """'Ad requests · status accepted · campaign #3 · matching “yoga”'."""
    parts = [KINDS.get(kind, kind).capitalize()]
    filters = filters or {}
    if filters.get("status"):
        parts.append(f"status {filters['status']}")
    if filters.get("campaign_id"):
        parts.append(f"campaign #{filters['campaign_id']}")
    if filters.get("sponsor_id"):
        parts.append(f"sponsor #{filters['sponsor_id']}")
    if filters.get("text"):
        parts.append(f"matching “{filters['text']}”")
    return " · ".join(parts)


# ---- reading jobs ------------------------------------------------------------------------------------------

EXPORT_LIST_COLUMNS = [
    "id",
    "owner",
    "kind",
    "description",
    "status",
    "row_count",
    "size_bytes",
    "duration_ms",
    "error",
    "created_at",
    "started_at",
    "finished_at",
    "downloadable",
]


def list_exports(session: Session, *, actor: Actor, all_users: bool = False, limit: int = 20) -> pd.DataFrame:
    """The actor's export jobs, newest first (an admin may ask for everyone's)."""
    scope = _scope_of(actor)
    stmt = (
        select(
            ExportJob.id,
            User.username.label("owner"),
            ExportJob.kind,
            ExportJob.filters,
            ExportJob.status,
            ExportJob.row_count,
            ExportJob.size_bytes,
            ExportJob.duration_ms,
            ExportJob.error,
            ExportJob.created_at,
            ExportJob.started_at,
            ExportJob.finished_at,
            ExportJob.file_name,
        )
        .join(User, User.id == ExportJob.owner_id)
        .order_by(ExportJob.id.desc())
        .limit(max(1, min(int(limit), 500)))
    )
    if not (all_users and scope == "any"):
        stmt = stmt.where(ExportJob.owner_id == actor.id)
    records = []
    for row in session.execute(stmt).mappings():
        record = {k: row[k] for k in EXPORT_LIST_COLUMNS if k in row}
        record["description"] = describe_filters(row["kind"], row["filters"])
        record["downloadable"] = row["status"] == "done" and bool(row["file_name"])
        records.append(record)
    return pd.DataFrame(records, columns=EXPORT_LIST_COLUMNS)


def _job_for(session: Session, actor: Actor, job_id: int) -> ExportJob:
    scope = _scope_of(actor)
    job = session.get(ExportJob, int(job_id))
    if job is None:
        raise NotFound("That export does not exist.")
    if job.owner_id != actor.id and scope != "any":
        raise PermissionDenied("That export belongs to someone else.")
    return job


def open_export(session: Session, *, actor: Actor, job_id: int, settings: Settings | None = None) -> tuple[str, Path]:
    """(download file name, path) of a finished export, for its owner or an admin."""
    job = _job_for(session, actor, job_id)
    if job.status != "done":
        raise Conflict(f"This export is {job.status}; it can be downloaded when it is done.")
    if not job.file_name:
        raise NotFound("This export has expired. Start a new one.")
    root = (settings or get_settings()).exports_dir.resolve()
    path = (root / job.file_name).resolve()
    if path.parent != root or not path.is_file():
        raise NotFound("This export's file is no longer available. Start a new one.")
    return f"iescp-{job.kind.replace('_', '-')}-{job.created_at:%Y%m%d-%H%M}.csv", path


# ---- the streamed query ------------------------------------------------------------------------------------


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The row converters below run once per exported row (a million times for a big export), so they avoid
# function calls where a plain expression does: the formula check is csvsafe.neutralise's rule inlined.
_FORMULA_PREFIXES = tuple(csvsafe.FORMULA_PREFIXES)


def _text(value) -> str:
    """csvsafe.neutralise for a text column (None → empty cell)."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def _money(cents) -> str:
    """Integer cents as an exact amount in currency units: 123456 → '1234.56'."""
    if cents is None:
        return ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{frac:02d}"


def _when(value) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM:SS' (or a date as 'YYYY-MM-DD').

    Timestamp columns are selected as raw text (type_coerce to String) so SQLite hands over its stored
    ISO string untouched; PostgreSQL's driver still gives datetime objects.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:19]
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value.isoformat()


def _raw(column):
    """Select column without SQLAlchemy's per-row type conversion (see _when)."""
    return type_coerce(column, String).label(column.key)


CAMPAIGN_HEADER = [
    "campaign_id",
    "campaign",
    "sponsor",
    "category",
    "niche",
    "status",
    "visibility",
    "flagged",
    "start_date",
    "end_date",
    "budget",
    "committed",
    "remaining",
    "requests",
    "accepted_or_completed",
    "open_requests",
    "created_at",
]
AD_REQUEST_HEADER = [
    "request_id",
    "campaign_id",
    "campaign",
    "sponsor",
    "influencer",
    "platform",
    "status",
    "awaiting",
    "initiated_by",
    "payment",
    "requirements",
    "created_at",
    "updated_at",
    "accepted_at",
    "completed_at",
]


def _campaigns_query(scope_org: int | None, filters: dict):
    counts = (
        select(
            AdRequest.campaign_id,
            func.count().label("requests"),
            func.sum(case((AdRequest.status.in_(COMMITTED_AD_REQUEST_STATUSES), 1), else_=0)).label("committed"),
            func.sum(case((AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES), 1), else_=0)).label("open"),
        )
        .group_by(AdRequest.campaign_id)
        .subquery()
    )
    stmt = (
        select(
            Campaign.id,
            Campaign.name,
            Organization.name,
            Campaign.category,
            Campaign.niche,
            Campaign.status,
            Campaign.is_public,
            Campaign.flagged,
            _raw(Campaign.start_date),
            _raw(Campaign.end_date),
            Campaign.budget_cents,
            Campaign.committed_cents,
            counts.c.requests,
            counts.c.committed,
            counts.c.open,
            _raw(Campaign.created_at),
        )
        .join(Organization, Organization.id == Campaign.organization_id)
        .outerjoin(counts, counts.c.campaign_id == Campaign.id)
        .order_by(Campaign.id)
    )
    return stmt.where(
        *_conditions(
            scope_org,
            filters,
            status=Campaign.status,
            campaign=Campaign.id,
            text_columns=(Campaign.name, Organization.name, Campaign.category),
        )
    )


def _conditions(scope_org: int | None, filters: dict, *, status, campaign, text_columns) -> list:
    """WHERE clauses shared by both export kinds: the owner's scope, then the user's filters."""
    conditions = []
    if scope_org is not None:
        conditions.append(Campaign.organization_id == scope_org)
    if filters.get("sponsor_id"):
        conditions.append(Campaign.sponsor_id == filters["sponsor_id"])
    if filters.get("status"):
        conditions.append(status == filters["status"])
    if filters.get("campaign_id"):
        conditions.append(campaign == filters["campaign_id"])
    if filters.get("text"):
        pattern = _like(filters["text"])
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in text_columns)))
    return conditions


def _campaign_row(r) -> list:
    (
        cid,
        name,
        sponsor,
        category,
        niche,
        status,
        is_public,
        flagged,
        start,
        end,
        budget,
        committed,
        requests,
        accepted,
        open_,
    ) = r[:15]
    return [
        cid,
        _text(name),
        _text(sponsor),
        _text(category),
        _text(niche),
        status,
        "public" if is_public else "private",
        "yes" if flagged else "no",
        _when(start),
        _when(end),
        _money(budget),
        _money(committed),
        _money((budget or 0) - (committed or 0)),
        int(requests or 0),
        int(accepted or 0),
        int(open_ or 0),
        _when(r[15]),
    ]


def _ad_requests_query(scope_org: int | None, filters: dict):
    stmt = (
        select(
            AdRequest.id,
            Campaign.id,
            Campaign.name,
            Organization.name,
            InfluencerProfile.display_name,
            InfluencerProfile.platform,
            AdRequest.status,
            AdRequest.turn,
            AdRequest.initiated_by,
            AdRequest.payment_cents,
            AdRequest.requirements,
            _raw(AdRequest.created_at),
            _raw(AdRequest.updated_at),
            _raw(AdRequest.accepted_at),
            _raw(AdRequest.completed_at),
        )
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(Organization, Organization.id == Campaign.organization_id)
        .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
        .order_by(AdRequest.id)
    )
    return stmt.where(
        *_conditions(
            scope_org,
            filters,
            status=AdRequest.status,
            campaign=AdRequest.campaign_id,
            text_columns=(Campaign.name, InfluencerProfile.display_name, Organization.name),
        )
    )


def _ad_request_row(r) -> list:
    (
        rid,
        cid,
        campaign,
        sponsor,
        influencer,
        platform,
        status,
        turn,
        initiated_by,
        payment,
        requirements,
        created,
        updated,
        accepted,
        completed,
    ) = r
    awaiting = turn if status in OPEN_AD_REQUEST_STATUSES and turn else ""
    return [
        rid,
        cid,
        _text(campaign),
        _text(sponsor),
        _text(influencer),
        platform,
        status,
        awaiting,
        initiated_by,
        _money(payment),
        _text(requirements),
        _when(created),
        _when(updated),
        _when(accepted),
        _when(completed),
    ]


# ---- running a job -----------------------------------------------------------------------------------------


def human_size(size: int) -> str:
    """1536 -> '1.5 KB' (bytes shown whole)."""
    value: float = size  # still the int size while unit is "bytes"
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def run_export(db: Database, job_id: int, *, settings: Settings | None = None) -> str:
    """Do the export job_id if it is still queued; returns its final status ('done', 'failed' or 'skipped')."""
    settings = settings or get_settings()
    started = utcnow()
    with db.Session.begin() as session:
        claimed = session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.status == "queued")
            .values(status="running", started_at=started, error=None)
        ).rowcount
    if claimed != 1:
        return "skipped"  # done, failed, or taken by another worker
    clock = time.monotonic()
    partial: Path | None = None
    try:
        with db.ReadSession.begin() as session:
            job = session.get(ExportJob, job_id)
            kind, filters, owner_id = job.kind, dict(job.filters or {}), job.owner_id
            owner = accounts.load_actor(session, owner_id)
        if owner is None:
            raise PermissionDenied("The account that asked for this export can no longer log in.")
        scope_org = None if _scope_of(owner) == "any" else owner.organization_id
        if kind == "campaigns":
            stmt, header, convert = _campaigns_query(scope_org, filters), CAMPAIGN_HEADER, _campaign_row
        else:
            stmt, header, convert = _ad_requests_query(scope_org, filters), AD_REQUEST_HEADER, _ad_request_row
        root = settings.exports_dir
        root.mkdir(parents=True, exist_ok=True)
        final_name = f"{kind}-{job_id}-{secrets.token_urlsafe(16)}.csv"
        partial = root / f".{final_name}.part"
        rows = 0
        next_progress = PROGRESS_EVERY
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            with db.ReadSession.begin() as session:
                # Core execution on the session's connection: rows stream from a server-side cursor
                # (PostgreSQL) or SQLite's stepping cursor, YIELD_PER at a time, without ORM row loading.
                result = session.connection().execution_options(yield_per=YIELD_PER).execute(stmt)
                for batch in result.partitions():
                    writer.writerows(convert(row) for row in batch)
                    rows += len(batch)
                    if rows >= next_progress:
                        _progress(db, job_id, rows)
                        next_progress += PROGRESS_EVERY
        final = root / final_name
        os.replace(partial, final)
        partial = None
        size = final.stat().st_size
    except Exception as error:
        if partial is not None:
            partial.unlink(missing_ok=True)
        message = error.message if isinstance(error, DomainError) else f"{type(error).__name__}: {error}"
        if not isinstance(error, DomainError):
            log.exception("export %s failed", job_id)
        _finish_failed(db, job_id, message, int((time.monotonic() - clock) * 1000))
        return "failed"
    duration_ms = int((time.monotonic() - clock) * 1000)
    with db.Session.begin() as session:
        session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(
                status="done",
                row_count=rows,
                size_bytes=size,
                duration_ms=duration_ms,
                file_name=final_name,
                finished_at=utcnow(),
                error=None,
            )
        )
        link = DOWNLOADS_PAGE.get(owner.role)
        notifications.notify(
            session,
            owner.id,
            "export",
            f"Your {KINDS[kind]} export is ready",
            f"{rows:,} rows, {human_size(size)}. Download it from Downloads.",
            link=link,
        )
    _email_ready(db, owner, kind, rows, size, settings)
    log.info("export %s done: %s rows, %s bytes, %s ms", job_id, rows, size, duration_ms)
    return "done"


def _progress(db: Database, job_id: int, rows: int) -> None:
    with db.Session.begin() as session:
        session.execute(
            update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == "running").values(row_count=rows)
        )


def _finish_failed(db: Database, job_id: int, message: str, duration_ms: int) -> None:
    with db.Session.begin() as session:
        owner_id = session.scalar(select(ExportJob.owner_id).where(ExportJob.id == job_id))
        session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(status="failed", error=message[:2000], duration_ms=duration_ms, finished_at=utcnow())
        )
        if owner_id is not None:
            notifications.notify(
                session,
                owner_id,
                "export",
                "Your export failed",
                "Please try again; if it keeps failing, contact support.",
            )


def _email_ready(db: Database, owner: Actor, kind: str, rows: int, size: int, settings: Settings) -> None:
    with db.ReadSession.begin() as session:
        user = session.execute(select(User.email, User.notify_email).where(User.id == owner.id)).first()
    if user is None or not user.notify_email:
        return
    context = {
        "name": owner.display_name,
        "what": KINDS[kind],
        "rows": rows,
        "size": human_size(size),
        "retention_days": RETENTION_DAYS,
        "link": f"{settings.base_url.rstrip('/')}/{DOWNLOADS_PAGE.get(owner.role, '')}",
    }
    try:
        mailer.send(
            mailer.build_message(
                to=user.email,
                subject=f"[IESCP] Your {KINDS[kind]} export is ready",
                text=templating.render("emails/export_ready.txt.j2", **context),
                html=templating.render("emails/export_ready.html.j2", **context),
                settings=settings,
            ),
            settings,
        )
    except mailer.MailError as error:  # the in-app notice is already there; the alert is best effort
        log.warning("export-ready email to user %s failed: %s", owner.id, error)


# ---- housekeeping ------------------------------------------------------------------------------------------


def recover_stale_jobs(db: Database, *, now: dt.datetime | None = None) -> list[int]:
    """Ids of jobs queued for long (their task was lost: enqueue again); long-running jobs are marked failed."""
    now = now or utcnow()
    with db.Session.begin() as session:
        session.execute(
            update(ExportJob)
            .where(ExportJob.status == "running", ExportJob.started_at < now - STALE_RUNNING)
            .values(
                status="failed",
                finished_at=now,
                error="The export was interrupted (the worker stopped). Please start it again.",
            )
        )
        return [
            int(i)
            for i in session.scalars(
                select(ExportJob.id)
                .where(ExportJob.status == "queued", ExportJob.created_at < now - STALE_QUEUED)
                .order_by(ExportJob.id)
            )
        ]


def purge_expired(db: Database, *, now: dt.datetime | None = None, settings: Settings | None = None) -> int:
    """Delete export files older than RETENTION_DAYS (the job rows stay, marked expired); returns how many."""
    settings = settings or get_settings()
    now = now or utcnow()
    with db.ReadSession.begin() as session:
        expired = session.execute(
            select(ExportJob.id, ExportJob.file_name).where(
                ExportJob.status == "done",
                ExportJob.file_name.is_not(None),
                ExportJob.finished_at < now - dt.timedelta(days=RETENTION_DAYS),
            )
        ).all()
    root = settings.exports_dir.resolve()
    for job_id, file_name in expired:
        path = (root / file_name).resolve()
        if path.parent == root:
            path.unlink(missing_ok=True)
        with db.Session.begin() as session:
            session.execute(
                update(ExportJob)
                .where(ExportJob.id == job_id)
                .values(file_name=None, error=f"Expired after {RETENTION_DAYS} days.")
            )
    return len(expired)
