"""job leases: export_jobs.heartbeat_at and attempts, reminder_deliveries.claimed_at, monthly_reports.email_claimed_at

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 09:30:00

A worker killed mid-job (SIGKILL, OOM, a lost machine) used to leave its row "running" (exports) or
"pending" (reminders, report emails) for ever. The running worker now refreshes export_jobs.heartbeat_at and
stamps reminder_deliveries.claimed_at / monthly_reports.email_claimed_at when it claims a send; the sweeper (tasks.recovery) turns a
row whose lease ran out into a retry, or into "failed: the worker stopped" after too many attempts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("export_jobs", sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    op.add_column("export_jobs", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("reminder_deliveries", sa.Column("claimed_at", sa.DateTime(), nullable=True))
    op.add_column("monthly_reports", sa.Column("email_claimed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monthly_reports") as batch:
        batch.drop_column("email_claimed_at")
    with op.batch_alter_table("reminder_deliveries") as batch:
        batch.drop_column("claimed_at")
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("attempts")
        batch.drop_column("heartbeat_at")
