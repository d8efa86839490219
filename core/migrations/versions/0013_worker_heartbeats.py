"""worker heartbeats: one row per huey_consumer process and one per periodic task, for /healthz and System health

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 18:30:00

Every consumer upserts its row at start, on each finished task and from a heartbeat thread; periodic tasks record
their last start, finish and failure. A worker stopped cleanly deletes its row; a crashed one stays "stale" until a week later. Both tables stay small
and are written with single-row statements (bench/health_bench.py times them).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("replica", sa.String(length=100), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_task_at", sa.DateTime(), nullable=True),
        sa.Column("tasks_done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("tasks_failed", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_heartbeats")),
    )
    op.create_index("ix_worker_heartbeats_last_seen", "worker_heartbeats", ["last_seen_at"], unique=False)
    op.create_table(
        "periodic_task_runs",
        sa.Column("task_name", sa.String(length=200), nullable=False),
        sa.Column("worker_name", sa.String(length=200), nullable=False),
        sa.Column("last_started_at", sa.DateTime(), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.String(length=10), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "last_status IN ('running', 'ok', 'failed')", name=op.f("ck_periodic_task_runs_last_status_valid")
        ),
        sa.PrimaryKeyConstraint("task_name", name=op.f("pk_periodic_task_runs")),
    )


def downgrade() -> None:
    op.drop_table("periodic_task_runs")
    op.drop_index("ix_worker_heartbeats_last_seen", table_name="worker_heartbeats")
    op.drop_table("worker_heartbeats")
