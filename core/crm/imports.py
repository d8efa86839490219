"""Creator imports: start a run from an uploaded export, run it in batches as a job, read the run log, abort.

A page calls start_import (checks the file, keeps it under data/imports, an import_runs row in status
CREATED), commits, then enqueues tasks.imports.run_import, which calls run_import here: it claims the run
(CREATED → RUNNING, one guarded UPDATE, so a duplicate task is a no-op), counts the rows (over the limit:
FAILED before anything is written), then applies BATCH rows per transaction. Each batch's transaction
also adds its counts to the run row, so the log always says exactly what was committed: a run that fails,
is aborted or times out half-way keeps the batches before it and says how many. Rejected rows are kept
in import_rejects with the reason (downloadable as CSV through core/reporting/import_rejects.py).

Who: members of the organization with `import.run` start and abort; every member (`crm.view`) reads.
Administrators get PermissionDenied: imports are an organization's private CRM data.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pandas as pd
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, validate
from core.crm import import_format
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.models import IMPORT_RUN_ACTIVE, ImportReject, ImportRun, Prospect, User
from core.permissions import Actor, require_member
from core.platform.config import Settings, get_settings
from core.platform.db import Database
from core.platform.timeutil import utcnow

log = logging.getLogger("iescp.crm.imports")

BATCH = 2000
MAX_RUN_SECONDS = 30 * 60  # a run still going after this is stopped as TIMED_OUT (batches so far stay)
STALE_HEARTBEAT = dt.timedelta(minutes=5)  # RUNNING without a committed batch for this long lost its worker
STALE_CREATED = dt.timedelta(minutes=30)  # CREATED for this long: its task was never picked up
MAX_ACTIVE_RUNS = 2  # per organization
FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
_PROSPECTS = cast(Table, Prospect.__table__)
_REJECTS = cast(Table, ImportReject.__table__)


def imports_dir(settings: Settings | None = None) -> Path:
    """Where uploads wait for their job (deleted when the job ends)."""
    return (settings or get_settings()).data_dir / "imports"


def new_run_id(now: dt.datetime | None = None) -> str:
    """'IMP-20261129-3f9a1c2b': the date and 32 random bits (unique column; collisions retried by the caller)."""
    return f"IMP-{(now or utcnow()):%Y%m%d}-{secrets.token_hex(4)}"


# ---- starting and previewing ---------------------------------------------------------------------------------


def _check_upload(data: bytes, file_name: str, settings: Settings) -> import_format.ParsedFile:
    if len(data) > settings.import_max_bytes:
        raise InvalidInput(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{settings.import_max_bytes / 1024 / 1024:.1f} MB. Split it into smaller files."
        )
    if not file_name.lower().endswith((".csv", ".json", ".txt", ".tsv")):
        raise InvalidInput("Upload a .csv or .json export of creator profiles.")
    return import_format.parse(data, file_name)


def preview_import(*, actor: Actor, file_name: str, data: bytes, rows: int = 5, settings: Settings | None = None):
    """(columns mapped {field: column}, ignored columns, first rows as a DataFrame) of an upload, without storing."""
    require_member(actor, "import.run")
    parsed = _check_upload(data, file_name, settings or get_settings())
    first = []
    for _, record in parsed.records():
        first.append({name: record.get(column, "") for name, column in parsed.mapping.items()})
        if len(first) >= rows:
            break
    return parsed.mapping, parsed.ignored, pd.DataFrame(first, columns=list(parsed.mapping))


def start_import(
    session: Session, *, actor: Actor, file_name: str, data: bytes, source: str = "upload", settings=None
) -> int:
    """Check an upload (size, encoding, format, columns), keep it, and log a CREATED run; returns the run's id.

    The caller commits, then enqueues the job (tasks.imports.enqueue_import).
    """
    org_id = require_member(actor, "import.run")
    settings = settings or get_settings()
    file_name = validate.text(Path(file_name or "").name or "upload.csv", "File name", max_len=200)
    parsed = _check_upload(data, file_name, settings)
    active = session.scalar(
        select(func.count())
        .select_from(ImportRun)
        .where(ImportRun.organization_id == org_id, ImportRun.status.in_(IMPORT_RUN_ACTIVE))
    )
    if (active or 0) >= MAX_ACTIVE_RUNS:
        raise Conflict(f"{active} imports of your organization are still running. Wait for one to finish.")
    now = utcnow()
    run_id = new_run_id(now)
    folder = imports_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{run_id}-{secrets.token_hex(8)}.{parsed.format}"
    fd = os.open(folder / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    run = ImportRun(
        run_id=run_id,
        organization_id=org_id,
        started_by=actor.id,
        source=source,
        status="CREATED",
        status_message="Waiting for the worker.",
        file_name=file_name,
        stored_name=stored,
        size_bytes=len(data),
        meta={
            "file_name": file_name,
            "size_bytes": len(data),
            "format": parsed.format,
            "encoding": parsed.encoding,
            "columns_mapped": parsed.mapping,
            "columns_ignored": parsed.ignored,
        },
        created_at=now,
    )
    session.add(run)
    session.flush()
    audit.record(session, actor, "import.started", "import_run", run.id, detail=f"{run_id} {file_name}")
    return run.id


def set_task_id(session: Session, run_pk: int, task_id: str) -> None:
    """Record the queue's task id on the run (called by the task module right before enqueueing)."""
    session.execute(update(ImportRun).where(ImportRun.id == run_pk).values(task_id=task_id[:64]))


# ---- reading the run log -------------------------------------------------------------------------------------

RUN_COLUMNS = [
    "id",
    "run_id",
    "status",
    "status_message",
    "file_name",
    "source",
    "task_id",
    "started_by",
    "rows_total",
    "rows_read",
    "rows_created",
    "rows_updated",
    "rows_rejected",
    "progress",
    "created_at",
    "started_at",
    "finished_at",
    "version",
    "metadata",
]


def list_runs(session: Session, *, actor: Actor, limit: int = 20) -> pd.DataFrame:
    """The organization's import runs, newest first, with progress (0–1) — one query."""
    org_id = require_member(actor, "crm.view")
    rows = session.execute(
        select(
            ImportRun.id,
            ImportRun.run_id,
            ImportRun.status,
            ImportRun.status_message,
            ImportRun.file_name,
            ImportRun.source,
            ImportRun.task_id,
            User.username.label("started_by"),
            ImportRun.rows_total,
            ImportRun.rows_read,
            ImportRun.rows_created,
            ImportRun.rows_updated,
            ImportRun.rows_rejected,
            ImportRun.created_at,
            ImportRun.started_at,
            ImportRun.finished_at,
            ImportRun.version,
            ImportRun.meta.label("metadata"),
        )
        .outerjoin(User, User.id == ImportRun.started_by)
        .where(ImportRun.organization_id == org_id)
        .order_by(ImportRun.id.desc())
        .limit(max(1, min(int(limit), 200)))
    ).mappings()
    records = []
    for row in rows:
        record = dict(row)
        total = row["rows_total"] or 0
        record["progress"] = 1.0 if row["status"] == "SUCCEEDED" else (row["rows_read"] / total if total else 0.0)
        records.append(record)
    return pd.DataFrame(records, columns=RUN_COLUMNS)


def _own_run(session: Session, org_id: int, run_pk: int) -> ImportRun:
    run = session.get(ImportRun, int(run_pk))
    if run is None or run.organization_id != org_id:  # another org's run does not exist for this member
        raise NotFound("That import run does not exist.")
    return run


def get_run(session: Session, *, actor: Actor, run_pk: int) -> dict:
    """One run of the actor's organization as a dict (the RUN_COLUMNS fields)."""
    org_id = require_member(actor, "crm.view")
    run = _own_run(session, org_id, run_pk)
    return {
        c: getattr(run, "meta" if c == "metadata" else c) for c in RUN_COLUMNS if c not in ("progress", "started_by")
    }


def list_rejects(session: Session, *, actor: Actor, run_pk: int) -> pd.DataFrame:
    """The rejected rows of a run: line, reason, and each original column (as read)."""
    org_id = require_member(actor, "crm.view")
    _own_run(session, org_id, run_pk)
    records = [
        {"line": line, "reason": reason, **(data or {})}
        for line, reason, data in session.execute(
            select(ImportReject.line, ImportReject.reason, ImportReject.data)
            .where(ImportReject.run_id == int(run_pk))
            .order_by(ImportReject.line, ImportReject.id)
        )
    ]
    return pd.DataFrame(records)


# ---- aborting -------------------------------------------------------------------------------------------------


def abort_import(session: Session, *, actor: Actor, run_pk: int, version: int) -> str:
    """Abort a run as shown at version: a CREATED run stops now, a RUNNING one after its current batch.

    Returns the status it has now ('ABORTED' or 'RUNNING' until the job notices).
    """
    org_id = require_member(actor, "import.run")
    run = _own_run(session, org_id, run_pk)
    if run.status in FINISHED:
        raise Conflict(f"This import already ended ({run.status}).")
    if run.version != int(version):
        raise Conflict("This import moved on since you looked (it started or finished). Please check it again.")
    values: dict = {"abort_requested": True, "version": run.version + 1}
    if run.status == "CREATED":
        values.update(status="ABORTED", finished_at=utcnow(), status_message="Aborted before it started.")
    moved = session.execute(  # type: ignore[attr-defined]
        update(ImportRun)
        .where(ImportRun.id == run.id, ImportRun.version == run.version, ImportRun.status == run.status)
        .values(**values),
        execution_options={"synchronize_session": False},
    ).rowcount
    if moved != 1:
        raise Conflict("This import moved on since you looked. Please check it again.")
    audit.record(session, actor, "import.aborted", "import_run", run.id, detail=run.run_id)
    stored = run.stored_name
    session.expire(run)
    if values.get("status") == "ABORTED":
        _remove_upload(stored)
    return str(values.get("status", "RUNNING"))


# ---- running a job --------------------------------------------------------------------------------------------


@dataclass
class _Tally:
    read: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    seen_handles: dict = field(default_factory=dict)  # (platform, handle) -> line
    seen_ids: dict = field(default_factory=dict)  # (platform, platform_id) -> line


class _Stop(Exception):
    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _remove_upload(stored_name: str | None, settings: Settings | None = None) -> None:
    if stored_name:
        path = imports_dir(settings) / Path(stored_name).name
        path.unlink(missing_ok=True)


def run_import(
    db: Database, run_pk: int, *, settings: Settings | None = None, max_seconds: float = MAX_RUN_SECONDS
) -> str:
    """Do the import run_pk if it is still CREATED; returns its final status (or 'skipped')."""
    settings = settings or get_settings()
    now = utcnow()
    with db.Session.begin() as session:
        claimed = session.execute(
            update(ImportRun)
            .where(ImportRun.id == run_pk, ImportRun.status == "CREATED")
            .values(
                status="RUNNING",
                started_at=now,
                heartbeat_at=now,
                status_message="Reading the file.",
                version=ImportRun.version + 1,
            )
        ).rowcount
        if claimed != 1:
            return "skipped"  # finished, aborted, or taken by another worker
        org_id, stored, file_name = session.execute(
            select(ImportRun.organization_id, ImportRun.stored_name, ImportRun.file_name).where(ImportRun.id == run_pk)
        ).one()
    tally = _Tally()
    try:
        path = imports_dir(settings) / Path(stored or "").name
        if not stored or not path.is_file():
            raise _Stop("FAILED", "The uploaded file is no longer there. Please upload it again.")
        parsed = import_format.parse(path.read_bytes(), file_name)
        total = parsed.count()
        if total > settings.import_max_rows:
            raise _Stop(
                "FAILED",
                f"The file has {total:,} rows; the limit is {settings.import_max_rows:,}. "
                "Split it into smaller files. Nothing was imported.",
            )
        _set(db, run_pk, rows_total=total, status_message=f"Importing {total:,} rows.")
        clock = time.monotonic()
        batch: list[tuple[int, dict]] = []
        for line, record in parsed.records():
            batch.append((line, record))
            if len(batch) >= BATCH:
                _commit_batch(db, run_pk, org_id, parsed, batch, tally)
                batch = []
                if time.monotonic() - clock > max_seconds:
                    raise _Stop("TIMED_OUT", f"Stopped after {max_seconds / 60:.0f} minutes.")
        if batch:
            _commit_batch(db, run_pk, org_id, parsed, batch, tally)
        status, message = "SUCCEEDED", _summary(tally)
    except _Stop as stop:
        status, message = stop.status, stop.message
        if tally.read:
            message += f" Committed before it stopped: {_summary(tally)}"
    except DomainError as error:
        status, message = "FAILED", error.message
    except Exception as error:  # a bug or a lost database: the run must not stay RUNNING
        log.exception("import run %s failed", run_pk)
        status = "FAILED"
        message = f"The import stopped on an unexpected error ({type(error).__name__})."
        if tally.read:
            message += f" Committed before it stopped: {_summary(tally)}"
    _finish(db, run_pk, status, message)
    _remove_upload(stored, settings)
    return status


def _summary(t: _Tally) -> str:
    return f"{t.read:,} rows read: {t.created:,} created, {t.updated:,} updated, {t.rejected:,} rejected."


def _set(db: Database, run_pk: int, **values) -> None:
    with db.Session.begin() as session:
        session.execute(update(ImportRun).where(ImportRun.id == run_pk).values(**values))


def _finish(db: Database, run_pk: int, status: str, message: str) -> None:
    with db.Session.begin() as session:
        session.execute(
            update(ImportRun)
            .where(ImportRun.id == run_pk, ImportRun.status == "RUNNING")
            .values(
                status=status,
                status_message=message[:2000],
                finished_at=utcnow(),
                version=ImportRun.version + 1,
            )
        )


def _commit_batch(db: Database, run_pk: int, org_id: int, parsed, batch, tally: _Tally) -> None:
    """Apply one batch and add its counts to the run, in one transaction; _Stop when the run was aborted."""
    with db.Session.begin() as session:
        state = session.execute(select(ImportRun.status, ImportRun.abort_requested).where(ImportRun.id == run_pk)).one()
        if state.status != "RUNNING" or state.abort_requested:
            raise _Stop("ABORTED", "Aborted by a member of your organization.")
        before = (tally.created, tally.updated, tally.rejected)
        try:
            with session.begin_nested():
                _apply(session, run_pk, org_id, parsed, batch, tally)
        except IntegrityError:
            # Two rows of the batch collided in a way the checks did not foresee (e.g. handles swapped by
            # a rename): retry the batch one row at a time so only the colliding rows are rejected.
            tally.created, tally.updated, tally.rejected = before
            for item in batch:
                try:
                    with session.begin_nested():
                        _apply(session, run_pk, org_id, parsed, [item], tally)
                except IntegrityError:
                    reason = "This row conflicts with another prospect (handle or platform id)."
                    session.execute(insert(ImportReject), [_reject_row(run_pk, item[0], item[1], reason)])
                    tally.rejected += 1
        tally.read += len(batch)
        session.execute(
            update(ImportRun)
            .where(ImportRun.id == run_pk)
            .values(
                rows_read=tally.read,
                rows_created=tally.created,
                rows_updated=tally.updated,
                rows_rejected=tally.rejected,
                heartbeat_at=utcnow(),
                status_message=f"Imported {tally.read:,} rows so far.",
            )
        )


def _reject_row(run_pk: int, line: int, record: dict, reason: str) -> dict:
    """An import_rejects row: the original cells as text (so the download shows the row as it was)."""
    data = {str(k): ("" if v is None else str(v))[:2000] for k, v in record.items() if not str(k).startswith("_")}
    return {"run_id": run_pk, "line": line, "reason": reason, "data": data}


def _apply(session: Session, run_pk: int, org_id: int, parsed, batch, tally: _Tally) -> None:
    """Insert new prospects, update known ones (by platform id, else handle), record rejects."""
    good: list[tuple[int, dict, dict]] = []
    rejects: list[dict] = []

    def reject(line: int, record: dict, reason: str) -> None:
        rejects.append(_reject_row(run_pk, line, record, reason))

    for line, record in batch:
        try:
            row = parsed.row(record)
        except import_format.RowError as error:
            reject(line, record, str(error))
            continue
        key = (row["platform"], row["handle"])
        first = tally.seen_handles.get(key)
        if first is not None and first != line:
            reject(line, record, f"Duplicate: line {first} has the same platform and handle (@{row['handle']}).")
            continue
        if row["platform_id"]:
            id_key = (row["platform"], row["platform_id"])
            first = tally.seen_ids.get(id_key)
            if first is not None and first != line:
                reject(line, record, f"Duplicate: line {first} has the same platform id ({row['platform_id']}).")
                continue
            tally.seen_ids[id_key] = line
        tally.seen_handles[key] = line
        good.append((line, record, row))

    # One indexed lookup per platform and key (the unique indexes lead with organization and platform).
    columns = (Prospect.id, Prospect.platform, Prospect.handle, Prospect.platform_id, Prospect.version)
    by_handle, by_id = {}, {}
    for platform in {row["platform"] for _, _, row in good}:
        handles = {row["handle"] for _, _, row in good if row["platform"] == platform}
        ids = {row["platform_id"] for _, _, row in good if row["platform"] == platform and row["platform_id"]}
        mine = (Prospect.organization_id == org_id, Prospect.platform == platform)
        for p in session.execute(select(*columns).where(*mine, Prospect.handle.in_(handles))):
            by_handle[(p.platform, p.handle)] = p
        if ids:  # no explicit IS NOT NULL: SQLite would then range-scan the partial index instead of seeking
            for p in session.execute(select(*columns).where(*mine, Prospect.platform_id.in_(ids))):
                by_id[(p.platform, p.platform_id)] = p
    now = utcnow()
    inserts: list[dict] = []
    updates: list[dict] = []
    renames: list[dict] = []
    for line, record, row in good:
        known = by_id.get((row["platform"], row["platform_id"])) if row["platform_id"] else None
        holder = by_handle.get((row["platform"], row["handle"]))
        if known is not None and holder is not None and holder.id != known.id:
            reject(line, record, f"@{row['handle']} already belongs to another prospect on {row['platform']}.")
            continue
        if known is None and holder is not None:
            if holder.platform_id and row["platform_id"] and holder.platform_id != row["platform_id"]:
                reject(
                    line,
                    record,
                    f"@{row['handle']} is on file with another platform id ({holder.platform_id}); "
                    "the account behind the handle changed.",
                )
                continue
            known = holder
        values = {**row, "last_run_id": run_pk, "updated_at": now}
        if known is None:
            inserts.append({**values, "organization_id": org_id, "created_at": now, "version": 1})
            continue
        if not row["platform_id"]:
            values["platform_id"] = known.platform_id  # an export without ids keeps the one on file
        del values["platform"]  # matched within the platform: never changes
        renamed = values["handle"] != known.handle or values["platform_id"] != known.platform_id
        if not renamed:  # leave the key columns out of SET so SQLite does not rewrite their unique indexes
            del values["handle"], values["platform_id"]
        (renames if renamed else updates).append({**values, "id": known.id, "version": known.version + 1})
    # Core executemany (no ORM unit of work, no RETURNING): a 200,000-row file stays within a minute.
    for group in (updates, renames):
        if group:
            session.execute(
                update(_PROSPECTS)
                .where(_PROSPECTS.c.id == bindparam("_id"))
                .values({name: bindparam(f"_{name}") for name in group[0] if name != "id"}),
                [{f"_{k}": v for k, v in u.items()} for u in group],
            )
    if inserts:
        session.execute(insert(_PROSPECTS), inserts)
    if rejects:
        session.execute(insert(_REJECTS), rejects)
    session.flush()
    tally.created += len(inserts)
    tally.updated += len(updates) + len(renames)
    tally.rejected += len(rejects)


# ---- housekeeping ----------------------------------------------------------------------------------------------


def recover_stale_runs(db: Database, *, now: dt.datetime | None = None, settings: Settings | None = None) -> int:
    """Runs whose worker died (no batch committed for STALE_HEARTBEAT) become TIMED_OUT; never-started ones FAILED."""
    now = now or utcnow()
    with db.Session.begin() as session:
        stale = session.execute(
            select(ImportRun.id, ImportRun.status, ImportRun.stored_name, ImportRun.rows_read).where(
                (
                    (ImportRun.status == "RUNNING")
                    & (
                        func.coalesce(ImportRun.heartbeat_at, ImportRun.started_at, ImportRun.created_at)
                        < now - STALE_HEARTBEAT
                    )
                )
                | ((ImportRun.status == "CREATED") & (ImportRun.created_at < now - STALE_CREATED))
            )
        ).all()
        for run_pk, status, _stored, rows_read in stale:
            if status == "RUNNING":
                values = {
                    "status": "TIMED_OUT",
                    "status_message": f"The worker stopped responding. {rows_read:,} rows were committed before; "
                    "import the file again to finish (re-importing updates, it never duplicates).",
                }
            else:
                values = {"status": "FAILED", "status_message": "The job never started (the queue was unavailable)."}
            session.execute(
                update(ImportRun)
                .where(ImportRun.id == run_pk, ImportRun.status == status)
                .values(**values, finished_at=now, version=ImportRun.version + 1)
            )
    for _run_pk, _status, stored, _rows in stale:
        _remove_upload(stored, settings)
    return len(stale)
