"""crm snapshots and find similar: daily analytics snapshots per organization and platform; top-k similar creators

analytics_snapshots holds one row per (organization, day) and one platform-wide row per day (organization_id NULL,
kept unique by a partial index because NULLs never collide in a UNIQUE constraint). similar_influencers holds
each listed influencer's precomputed nearest neighbours, rebuilt by the find-similar job.

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-29 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("campaigns_total", sa.Integer(), nullable=False),
        sa.Column("campaigns_active", sa.Integer(), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("influencers_cold", sa.Integer(), nullable=False),
        sa.Column("influencers_active", sa.Integer(), nullable=False),
        sa.Column("influencers_final", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("expenses_cents", sa.BigInteger(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_analytics_snapshots_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_snapshots")),
        sa.UniqueConstraint("organization_id", "day", name="uq_analytics_snapshots_org_day"),
    )
    op.create_index("ix_analytics_snapshots_day", "analytics_snapshots", ["day"], unique=False)
    op.create_index(
        "uq_analytics_snapshots_platform_day",
        "analytics_snapshots",
        ["day"],
        unique=True,
        sqlite_where=sa.text("organization_id IS NULL"),
        postgresql_where=sa.text("organization_id IS NULL"),
    )
    op.create_table(
        "similar_influencers",
        sa.Column("influencer_id", sa.Integer(), nullable=False),
        sa.Column("neighbour_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("shared_terms", sa.String(length=300), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["influencer_id"],
            ["users.id"],
            name=op.f("fk_similar_influencers_influencer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["neighbour_id"],
            ["users.id"],
            name=op.f("fk_similar_influencers_neighbour_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("influencer_id", "neighbour_id", name=op.f("pk_similar_influencers")),
    )
    op.create_index("ix_similar_influencers_rank", "similar_influencers", ["influencer_id", "rank"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_similar_influencers_rank", table_name="similar_influencers")
    op.drop_table("similar_influencers")
    op.drop_index("uq_analytics_snapshots_platform_day", table_name="analytics_snapshots")
    op.drop_index("ix_analytics_snapshots_day", table_name="analytics_snapshots")
    op.drop_table("analytics_snapshots")
