"""CSV exports as background jobs: campaigns or ad requests, with names, streamed to a private file.

A page calls start_export (an export_jobs row, status "queued") and then enqueues the task, which
calls run_export: it claims the job (queued → running, one guarded UPDATE, so a duplicate task is
a no-op), streams the rows to a private .part file (export_stream: PostgreSQL's COPY, on
export_streams() connections at once for a big span; SQLite's CSV rows built by the SELECT, an
export of every ad request scanning the requests alone with the names from two maps (export_lookup); cells
formatted and formula-neutralised in SQL by export_queries; never a whole-table DataFrame), renames the finished file into place and records rows, size and duration. The
owner gets an in-app notice and an email. Files live under settings.exports_dir, outside any
static folder, named with a random token; only the owner or an admin can open them
(open_export).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import validate
from core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts
from core.messaging import mailer, notifications
from core.models import (
    AD_REQUEST_STATUSES,
    CAMPAIGN_STATUSES,
    Campaign,
    ExportJob,
    User,
)
from core.permissions import Actor
from core.platform import templating
from core.platform.config import Settings, get_settings
from core.platform.db import Database
from core.platform.timeutil import utcnow
from core.reporting import export_lookup, export_queries, export_stream
from core.reporting.export_queries import AD_REQUEST_HEADER, CAMPAIGN_HEADER

log = logging.getLogger("iescp.exports")

KINDS = {"campaigns": "campaigns", "ad_requests": "ad requests"}
MAX_ACTIVE_JOBS = 3
YIELD_PER = export_stream.YIELD_PER
PROGRESS_EVERY = 50_000
RETENTION_DAYS = 7
STALE_QUEUED = dt.timedelta(minutes=5)
STALE_RUNNING = dt.timedelta(hours=2)
DOWNLOADS_PAGE = {"sponsor": "sponsor-downloads", "admin": "admin-reports"}
# Parallel exports (export_stream.write_csv_ranges): how many id ranges one export reads at once by
# default per engine, and the smallest id span worth cutting up (below it the extra connections cost
# more than they save). On SQLite a stream is a process, for the whole-table ad requests export only.
STREAMS_DEFAULT = {"postgresql": 2, "sqlite": 2}
STREAMS_MAX = 16
PARALLEL_MIN_SPAN = 200_000


def export_streams(engine_name: str = "postgresql") -> int:
    """IESCP_EXPORT_STREAMS (1 to 16): connections one big export reads its id ranges on.

    Unset: 2 (PostgreSQL: two server processes format the rows; SQLite: two processes of ours format
    the whole-table ad requests export; a host with many idle cores can take more). 1 is the
    single-stream export.
    """
    raw = os.environ.get("IESCP_EXPORT_STREAMS", "").strip()
    if not raw:
        return STREAMS_DEFAULT.get(engine_name, 1)
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"IESCP_EXPORT_STREAMS must be a whole number from 1 to {STREAMS_MAX}, not {raw!r}.")
    if not 1 <= value <= STREAMS_MAX:
        raise InvalidInput(f"IESCP_EXPORT_STREAMS must be from 1 to {STREAMS_MAX}, not {value}.")
    return value


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
        query = export_queries.campaigns_query if kind == "campaigns" else export_queries.ad_requests_query
        header = CAMPAIGN_HEADER if kind == "campaigns" else AD_REQUEST_HEADER
        streams = export_streams(db.engine.dialect.name)
        root = settings.exports_dir
        root.mkdir(parents=True, exist_ok=True)
        final_name = f"{kind}-{job_id}-{secrets.token_urlsafe(16)}.csv"
        partial = root / f".{final_name}.part"
        progress = _Progress(db, job_id)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            rows = _write(db, query, scope_org, filters, kind, header, handle, progress, streams, root)
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


def _write(db: Database, query, scope_org, filters, kind, header, handle, progress, streams: int, root: Path) -> int:
    """The export's CSV into handle: one stream for small spans (or streams=1), else several at once.

    SQLite's export of every ad request: export_lookup (requests alone, names from two maps), its id
    ranges in processes. PostgreSQL: write_csv_ranges (a COPY per range). SQLite's other exports read
    on one connection: threads on SQLite cost more CPU and gained no time (bench/analysis.md).
    """
    lines = not db.engine.dialect.name == "postgresql"  # COPY formats its own rows; others get CSV rows
    if lines and kind == "ad_requests" and export_queries.looks_names_up(scope_org, filters):
        return export_lookup.lookup_csv_split(
            db.engine, filters, header, handle, progress, processes=streams, min_span=PARALLEL_MIN_SPAN, spool_dir=root
        )
    if streams > 1 and not lines:
        with db.ReadSession.begin() as session:
            low, high = session.execute(export_queries.id_span(kind)).one()
        if low is not None and high - low + 1 >= PARALLEL_MIN_SPAN:

            def ranged(first: int, last: int):
                return query(scope_org, filters, ids=(first, last))  # PostgreSQL: COPY formats the rows

            span = export_queries.id_span(kind)
            return export_stream.write_csv_ranges(
                db.engine, ranged, span, header, handle, progress, streams=streams, spool_dir=root
            )
    with db.ReadSession.begin() as session:
        stmt = query(scope_org, filters, lines=lines)
        return export_stream.write_csv(session.connection(), stmt, header, handle, progress)


class _Progress:
    """Records a running job's row count every PROGRESS_EVERY rows (its own short transaction)."""

    def __init__(self, db: Database, job_id: int):
        self.db, self.job_id, self.next_at = db, job_id, PROGRESS_EVERY

    def __call__(self, rows: int) -> None:
        if rows < self.next_at:
            return
        self.next_at = (rows // PROGRESS_EVERY + 1) * PROGRESS_EVERY
        with self.db.Session.begin() as session:
            session.execute(
                update(ExportJob)
                .where(ExportJob.id == self.job_id, ExportJob.status == "running")
                .values(row_count=rows)
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
