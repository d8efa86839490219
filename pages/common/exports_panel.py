"""Background CSV exports: start one with filters, watch it while it runs, download it when done."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import DomainError
from core.marketplace import cached_reads, campaigns
from core.models import AD_REQUEST_STATUSES, CAMPAIGN_STATUSES
from core.permissions import Actor
from core.reporting import exports
from pages.common.session import get_database, read, read_cached, run_action
from pages.common.widgets import empty_state, md_escape

ACTIVE = ("queued", "running")
SHOWN_JOBS = 10
PICKER_LIMIT = 500  # campaigns listed in the admin's picker at once (the most list_all_campaigns returns)
STATUS_TEXT = {"queued": "🕓 queued", "running": "⏳ running", "done": "✅ ready", "failed": "❌ failed"}
KIND_LABELS = {"ad_requests": "Ad requests", "campaigns": "Campaigns"}


def render_exports_panel(actor: Actor, *, key: str = "exports") -> None:
    """The whole panel: a start form and the actor's recent export jobs (auto-refreshing while one runs)."""
    _start_form(actor, key)
    jobs = read(lambda s: exports.list_exports(s, actor=actor, limit=SHOWN_JOBS))
    if jobs is None:
        return
    if jobs["status"].isin(ACTIVE).any():
        _live_jobs(actor, key)
    else:
        _render_jobs(actor, jobs, key)


def _start_form(actor: Actor, key: str) -> None:
    kind = st.segmented_control(
        "Export",
        list(KIND_LABELS),
        format_func=KIND_LABELS.get,
        default="ad_requests",
        key=f"{key}-kind",
        required=True,
    )
    statuses = CAMPAIGN_STATUSES if kind == "campaigns" else AD_REQUEST_STATUSES
    options: list[tuple[int | None, str]] = [(None, "All campaigns")]
    if actor.role == "sponsor":
        # The organization's cached campaign list (the Campaigns page's): a busy sponsor's 1,000 campaigns
        # would otherwise be counted live on every run of a page that shows this form.
        mine = read_cached(lambda db: cached_reads.list_sponsor_campaigns(db, actor=actor))
        if mine is not None:
            options += [(int(r.id), r.name) for r in mine[["id", "name"]].itertuples()]
    else:
        options += _any_campaign_options(actor, key)
    with st.form(f"{key}-start", border=True):
        left, middle, right = st.columns(3)
        status = left.selectbox("Status", ["any", *statuses], key=f"{key}-status")
        picked = middle.selectbox("Campaign", options, format_func=lambda o: o[1], key=f"{key}-campaign")
        campaign_id = picked[0]
        text = right.text_input(
            "Name contains", max_chars=100, key=f"{key}-text", placeholder="campaign, sponsor or influencer"
        )
        submitted = st.form_submit_button("Start export", icon="📤", type="primary")
    if not submitted:
        return
    filters = {"status": None if status == "any" else status, "campaign_id": campaign_id, "text": text or None}
    job_id = run_action(
        lambda s: exports.start_export(s, actor=actor, kind=kind, filters=filters),
        success="Export started — it appears below and you get a notification when it is ready.",
    )
    if job_id:
        from tasks import exports as export_tasks  # the queue is only needed when a job starts

        export_tasks.enqueue_export(job_id)


def _any_campaign_options(actor: Actor, key: str) -> list[tuple[int | None, str]]:
    """Admin: the newest campaigns by name (the picker filters as one types); past PICKER_LIMIT, a search box."""
    found = read(lambda s: campaigns.list_all_campaigns(s, actor=actor, limit=PICKER_LIMIT))
    if found is not None and found[1] > PICKER_LIMIT:
        text = st.text_input("Find a campaign", key=f"{key}-find", max_chars=100, placeholder="campaign or sponsor")
        if text.strip():
            found = read(lambda s: campaigns.list_all_campaigns(s, actor=actor, text=text, limit=PICKER_LIMIT))
        if found is not None:
            st.caption(f"The campaign list shows {len(found[0]):,} of {found[1]:,} matches; type above to narrow it.")
    if found is None:
        return []
    return [(int(r.id), f"{r.name} · {r.sponsor} (#{r.id})") for r in found[0].itertuples()]


def _download_targets(actor: Actor, job_ids: list[int]) -> dict[int, tuple[str, Path]]:
    """(file name, path) of each of job_ids that can be downloaded now, checked in one transaction (not one each)."""
    if not job_ids:
        return {}
    targets: dict[int, tuple[str, Path]] = {}
    with get_database().ReadSession.begin() as session:
        for job_id in job_ids:
            try:
                targets[job_id] = exports.open_export(session, actor=actor, job_id=job_id)
            except DomainError:  # expired, gone or not theirs: offered as expired
                continue
    return targets


@st.fragment(run_every=2)
def _live_jobs(actor: Actor, key: str) -> None:
    """Re-reads the jobs every 2 s while one is queued or running, then reruns the page once to stop polling."""
    jobs = read(lambda s: exports.list_exports(s, actor=actor, limit=SHOWN_JOBS))
    if jobs is None:
        return
    _render_jobs(actor, jobs, key)
    if not jobs["status"].isin(ACTIVE).any():
        st.rerun()


def _render_jobs(actor: Actor, jobs, key: str) -> None:
    st.subheader("Your exports", anchor=False)
    if jobs.empty:
        empty_state(
            "No exports yet — pick what to export above and press Start export. Big exports run in the "
            "background; you can leave this page meanwhile."
        )
        return
    targets = _download_targets(actor, [int(job.id) for job in jobs.itertuples() if job.downloadable])
    for job in jobs.itertuples():
        with st.container(border=True):
            info, action = st.columns([4, 1.4], vertical_alignment="center")
            info.markdown(f"**{md_escape(job.description)}** · {STATUS_TEXT.get(job.status, job.status)}")
            when = f"started {job.created_at:%d %b %Y %H:%M} UTC"
            if job.status == "done":
                took = f" in {job.duration_ms / 1000:.1f} s" if job.duration_ms is not None else ""
                info.caption(f"{int(job.row_count):,} rows · {exports.human_size(int(job.size_bytes))}{took} · {when}")
                target = targets.get(int(job.id))
                if target is None:
                    action.caption("Expired — start a new export.")
                else:
                    filename, path = target
                    action.download_button(
                        "Download CSV",
                        data=lambda p=path: p.read_bytes(),
                        file_name=filename,
                        mime="text/csv",
                        icon="⬇️",
                        on_click="ignore",
                        key=f"{key}-dl-{job.id}",
                        width="stretch",
                    )
            elif job.status == "failed":
                info.caption(when)
                info.error(job.error or "The export failed. Please try again.")
            else:
                done = int(job.row_count or 0)
                info.caption(f"{done:,} rows written so far · {when}" if done else f"Waiting for the worker · {when}")
                action.progress(50 if job.status == "running" else 5, text=STATUS_TEXT[job.status])
