"""System health: the job workers, the queue, the periodic tasks and the last day's failed jobs (admins only)."""

import pandas as pd
import streamlit as st

from core.platform import worker_health
from pages.common.formatting import moment, moment_column, plural, table
from pages.common.session import current_actor, read
from pages.common.widgets import empty_state

actor = current_actor(role="admin")

st.title("System health", icon="🩺", anchor=False)


def _queue_depth() -> tuple[int | None, str | None]:
    from tasks import queue  # the broker is only asked here, when the page is open

    return queue.pending_jobs()


depth, queue_error = _queue_depth()
health = read(lambda s: worker_health.system_health_for(s, actor=actor, queue_depth=depth, queue_error=queue_error))
if health is None:
    st.stop()
st.caption(
    f"As of {moment(health.checked_at)} · a worker is alive when seen within the last 2 minutes · "
    "the same check as `python -m tasks.healthz`"
)
if st.button("Refresh", icon="🔄", key="system-refresh"):
    st.rerun()

if health.never_ran:
    empty_state(
        "No job worker is running against this database, so exports, reminders and reports wait in the "
        "queue. Start one with `huey_consumer tasks.huey` (`make run` starts it for you)."
    )
elif health.healthy:
    st.success("Workers are alive and the queue is moving.", icon="✅")
else:
    for problem in health.problems:
        st.error(problem.capitalize(), icon="🚨")

cols = st.columns(4)
cols[0].metric(
    "Workers alive", f"{len(health.alive)}", f"{len(health.stale)} stale", delta_color="off", delta_arrow="off"
)
cols[1].metric("Jobs waiting", "unknown" if health.queue_depth is None else f"{health.queue_depth:,}")
cols[2].metric("Periodic tasks seen", f"{len(health.periodic)}")
cols[3].metric("Failed jobs, last 24 h", f"{sum(health.failed_last_24h.values()):,}")
if health.queue_error:
    st.warning(f"The queue could not be read: {health.queue_error}", icon="⚠️")

with st.container(border=True):
    st.subheader("Workers", anchor=False, icon="⚙️")
    if health.workers:
        table(
            pd.DataFrame(
                [
                    {
                        "state": "alive" if w.alive else "stale",
                        "worker": w.name,
                        "last_seen": w.last_seen_at,
                        "started": w.started_at,
                        "last_task": w.last_task_at,
                        "done": w.tasks_done,
                        "failed": w.tasks_failed,
                    }
                    for w in health.workers
                ]
            ),
            column_config={
                "state": "State",
                "worker": "Worker (replica or host : pid)",
                "last_seen": moment_column("Last seen"),
                "started": moment_column("Started"),
                "last_task": moment_column("Last task finished"),
                "done": st.column_config.NumberColumn("Tasks done"),
                "failed": st.column_config.NumberColumn("Tasks failed"),
            },
            hide_index=True,
            key="system-workers",
        )
    else:
        st.caption("No worker yet.")

with st.container(border=True):
    st.subheader("Periodic tasks", anchor=False, icon="⏰")
    if health.periodic:
        table(
            pd.DataFrame(
                [
                    {
                        "task": p.task_name,
                        "status": p.last_status,
                        "started": p.last_started_at,
                        "finished": p.last_finished_at,
                        "worker": p.worker_name,
                        "last_failure": p.last_failed_at,
                        "error": p.last_error,
                    }
                    for p in health.periodic
                ]
            ),
            column_config={
                "task": "Task",
                "status": "Last run",
                "started": moment_column("Started"),
                "finished": moment_column("Finished"),
                "worker": "On worker",
                "last_failure": moment_column("Last failure"),
                "error": "Last error",
            },
            hide_index=True,
            key="system-periodic",
        )
    else:
        st.caption("No periodic task has run yet: workers start them within a minute of starting.")

with st.container(border=True):
    st.subheader("Failed jobs in the last 24 hours", anchor=False, icon="🧯")
    st.caption(" · ".join(plural(n, kind) for kind, n in health.failed_last_24h.items()))
    if health.recent_failures:
        table(
            pd.DataFrame(
                [{"kind": f.kind, "job": f.ref, "at": f.at, "error": f.error} for f in health.recent_failures]
            ),
            column_config={"kind": "Kind", "job": "Job", "at": moment_column("When"), "error": "Error"},
            hide_index=True,
            key="system-failures",
        )
    else:
        st.caption("Nothing failed.")
