"""crm imports: the creator import run log with its rejected rows, prospect profiles and their claim invites

New tables only (no existing table changes, so no SQLite table rebuild under the full-text triggers).

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-29 12:16:17
"""

import sqlalchemy as sa
from alembic import op


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=200), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_created", sa.Integer(), nullable=False),
        sa.Column("rows_updated", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("abort_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('CREATED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')",
            name=op.f("ck_import_runs_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_import_runs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], name=op.f("fk_import_runs_started_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
        sa.UniqueConstraint("run_id", name=op.f("uq_import_runs_run_id")),
    )
    op.create_index("ix_import_runs_org", "import_runs", ["organization_id", "id"], unique=False)
    op.create_index("ix_import_runs_status", "import_runs", ["status", "heartbeat_at"], unique=False)

    op.create_table(
        "import_rejects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["import_runs.id"], name=op.f("fk_import_rejects_run_id_import_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rejects")),
    )
    op.create_index("ix_import_rejects_run", "import_rejects", ["run_id", "line"], unique=False)

    op.create_table(
        "prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("handle", sa.String(length=100), nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=True),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("profile_url", sa.String(length=500), nullable=True),
        sa.Column("followers", sa.BigInteger(), nullable=False),
        sa.Column("engagement_rate", sa.Float(), nullable=True),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("niche", sa.String(length=80), nullable=False),
        sa.Column("country", sa.String(length=80), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("claimed_user_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("followers >= 0", name=op.f("ck_prospects_followers_non_negative")),
        sa.ForeignKeyConstraint(
            ["claimed_user_id"], ["users.id"], name=op.f("fk_prospects_claimed_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["import_runs.id"], name=op.f("fk_prospects_last_run_id_import_runs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_prospects_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
        sa.UniqueConstraint("organization_id", "platform", "handle", name="uq_prospects_org_platform_handle"),
    )
    op.create_index("ix_prospects_org_followers", "prospects", ["organization_id", "followers", "id"], unique=False)
    op.create_index(
        "uq_prospects_org_platform_pid",
        "prospects",
        ["organization_id", "platform", "platform_id"],
        unique=True,
        sqlite_where=sa.text("platform_id IS NOT NULL"),
        postgresql_where=sa.text("platform_id IS NOT NULL"),
    )

    op.create_table(
        "prospect_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_user_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claimed_user_id"],
            ["users.id"],
            name=op.f("fk_prospect_claims_claimed_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["users.id"], name=op.f("fk_prospect_claims_invited_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_prospect_claims_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"], ["prospects.id"], name=op.f("fk_prospect_claims_prospect_id_prospects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_claims")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_prospect_claims_token_hash")),
    )
    op.create_index("ix_prospect_claims_prospect", "prospect_claims", ["prospect_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_prospect_claims_prospect", table_name="prospect_claims")

    op.drop_table("prospect_claims")
    op.drop_index("uq_prospects_org_platform_pid", table_name="prospects")
    op.drop_index("ix_prospects_org_followers", table_name="prospects")

    op.drop_table("prospects")
    op.drop_index("ix_import_rejects_run", table_name="import_rejects")

    op.drop_table("import_rejects")
    op.drop_index("ix_import_runs_status", table_name="import_runs")
    op.drop_index("ix_import_runs_org", table_name="import_runs")

    op.drop_table("import_runs")
