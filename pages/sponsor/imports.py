"""Creator import: upload a CSV/JSON export, check the column mapping, start the job, follow the run log."""

import streamlit as st

from core.crm import imports
from core.errors import DomainError
from core.platform.config import get_settings
from core.reporting import import_rejects
from pages.common import import_views as iv
from pages.common.markup import literal
from pages.common.session import current_actor, get_database, read, run_action, show_flash
from pages.common.widgets import md_escape

actor = current_actor(role="sponsor")
st.title("Creator import", icon="📥")
st.caption(
    "Upload an export of creator profiles (CSV or JSON, UTF-8) from your scraping tool. Each creator becomes a "
    "prospect of your organization, keyed by platform and handle: importing again updates, never duplicates."
)
show_flash()

if actor.can("import.run"):
    limits = get_settings()
    upload = st.file_uploader(
        "Export file",
        type=["csv", "json", "txt", "tsv"],
        key="import-file",
        help=f"Up to {limits.import_max_bytes / 1024 / 1024:.0f} MB and {limits.import_max_rows:,} rows. "
        "Accepted columns: see docs/imports.md (platform and handle are required).",
    )
    if upload is not None:
        data = upload.getvalue()
        try:
            mapping, ignored, first = imports.preview_import(actor=actor, file_name=upload.name, data=data)
        except DomainError as error:
            st.error(literal(error.message))
        else:
            iv.mapping_preview(mapping, ignored, first)
            if st.button("Start import", type="primary", icon="▶️", key="import-start"):
                run_pk = run_action(
                    lambda s: imports.start_import(s, actor=actor, file_name=upload.name, data=data),
                    success="Import started — follow its progress in the run log below.",
                )
                if run_pk:
                    from tasks import imports as import_tasks  # the queue is only needed when a job starts

                    import_tasks.enqueue_import(run_pk)
                    st.session_state.pop("import-run-pick", None)  # show the new run's details
                    st.rerun()
else:
    st.info("Your role can read the import log; owners and managers start imports.")

runs = read(lambda s: imports.list_runs(s, actor=actor))
if runs is not None:
    if runs["status"].isin(("CREATED", "RUNNING")).any():
        iv.live_runs(actor)
    else:
        iv.render_runs(runs)
    pick = iv.pick_run(runs)
    if pick is not None:
        run = runs[runs["id"] == pick].iloc[0]
        st.markdown(f"**{md_escape(run.run_id)}** · {md_escape(run.file_name)} · {iv.STATUS_TEXT[run.status]}")
        st.caption(literal(run.status_message or ""))
        left, right = st.columns(2)
        if int(run.rows_rejected):
            try:
                with get_database().ReadSession.begin() as session:
                    name, csv_bytes = import_rejects.rejected_rows_csv(session, actor=actor, run_pk=pick)
                left.download_button(
                    f"Download {int(run.rows_rejected):,} rejected rows",
                    data=csv_bytes,
                    file_name=name,
                    mime="text/csv",
                    icon="⬇️",
                    on_click="ignore",
                    key=f"rejects-{pick}",
                )
            except DomainError as error:
                left.error(literal(error.message))
        if run.status in ("CREATED", "RUNNING") and actor.can("import.run"):
            if right.button("Abort import", icon="⏹️", key=f"abort-{pick}"):
                if run_action(
                    lambda s: imports.abort_import(s, actor=actor, run_pk=pick, version=int(run.version)),
                    success="Abort requested — the import stops after the batch it is writing.",
                ):
                    st.rerun()
        with st.expander("Run metadata"):
            st.json(run.metadata or {})
