"""crm pipeline: per-organization stages, records (cards) with tags, notes, moves and campaign boards

No backfill: the default stages (Cold, Active, Final) are created on an organization's first pipeline write.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:15:58
"""

import sqlalchemy as sa
from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('cold', 'active', 'final', 'custom')", name=op.f("ck_crm_stages_kind_valid")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crm_stages_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_stages")),
        sa.UniqueConstraint("organization_id", "name", name="uq_crm_stages_org_name"),
    )
    op.create_index("ix_crm_stages_org_position", "crm_stages", ["organization_id", "position", "id"], unique=False)
    op.create_index(
        "uq_crm_stages_org_kind",
        "crm_stages",
        ["organization_id", "kind"],
        unique=True,
        sqlite_where=sa.text("kind != 'custom'"),
        postgresql_where=sa.text("kind != 'custom'"),
    )

    op.create_table(
        "crm_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("influencer_id", sa.Integer(), nullable=True),
        sa.Column("prospect_id", sa.Integer(), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("last_contact_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(influencer_id IS NULL AND prospect_id IS NOT NULL) OR (influencer_id IS NOT NULL AND prospect_id IS NULL)",
            name=op.f("ck_crm_records_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_crm_records_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["influencer_id"], ["users.id"], name=op.f("fk_crm_records_influencer_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crm_records_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_crm_records_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["stage_id"], ["crm_stages.id"], name=op.f("fk_crm_records_stage_id_crm_stages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_records")),
    )
    op.create_index("ix_crm_records_org_stage", "crm_records", ["organization_id", "stage_id", "id"], unique=False)
    op.create_index("ix_crm_records_owner", "crm_records", ["owner_id"], unique=False)
    op.create_index("ix_crm_records_stage", "crm_records", ["stage_id"], unique=False)
    op.create_index("uq_crm_records_org_influencer", "crm_records", ["organization_id", "influencer_id"], unique=True)
    op.create_index("uq_crm_records_org_prospect", "crm_records", ["organization_id", "prospect_id"], unique=True)

    op.create_table(
        "crm_record_campaigns",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.id"], name=op.f("fk_crm_record_campaigns_added_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_crm_record_campaigns_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["crm_records.id"],
            name=op.f("fk_crm_record_campaigns_record_id_crm_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "campaign_id", name=op.f("pk_crm_record_campaigns")),
    )
    op.create_index(
        "ix_crm_record_campaigns_campaign", "crm_record_campaigns", ["campaign_id", "record_id"], unique=False
    )

    op.create_table(
        "crm_record_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_stage_id", sa.Integer(), nullable=True),
        sa.Column("from_stage", sa.String(length=60), nullable=True),
        sa.Column("to_stage", sa.String(length=60), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_crm_record_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["from_stage_id"],
            ["crm_stages.id"],
            name=op.f("fk_crm_record_events_from_stage_id_crm_stages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["crm_records.id"],
            name=op.f("fk_crm_record_events_record_id_crm_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_stage_id"],
            ["crm_stages.id"],
            name=op.f("fk_crm_record_events_to_stage_id_crm_stages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_record_events")),
    )
    op.create_index("ix_crm_record_events_record", "crm_record_events", ["record_id", "id"], unique=False)

    op.create_table(
        "crm_record_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_crm_record_notes_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["crm_records.id"],
            name=op.f("fk_crm_record_notes_record_id_crm_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_record_notes")),
    )
    op.create_index("ix_crm_record_notes_record", "crm_record_notes", ["record_id", "id"], unique=False)

    op.create_table(
        "crm_record_tags",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["crm_records.id"], name=op.f("fk_crm_record_tags_record_id_crm_records"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("record_id", "tag", name=op.f("pk_crm_record_tags")),
    )
    op.create_index("ix_crm_record_tags_tag", "crm_record_tags", ["tag", "record_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_crm_record_tags_tag", table_name="crm_record_tags")

    op.drop_table("crm_record_tags")
    op.drop_index("ix_crm_record_notes_record", table_name="crm_record_notes")

    op.drop_table("crm_record_notes")
    op.drop_index("ix_crm_record_events_record", table_name="crm_record_events")

    op.drop_table("crm_record_events")
    op.drop_index("ix_crm_record_campaigns_campaign", table_name="crm_record_campaigns")

    op.drop_table("crm_record_campaigns")
    op.drop_index("uq_crm_records_org_prospect", table_name="crm_records")
    op.drop_index("uq_crm_records_org_influencer", table_name="crm_records")
    op.drop_index("ix_crm_records_stage", table_name="crm_records")
    op.drop_index("ix_crm_records_owner", table_name="crm_records")
    op.drop_index("ix_crm_records_org_stage", table_name="crm_records")

    op.drop_table("crm_records")
    op.drop_index(
        "uq_crm_stages_org_kind",
        table_name="crm_stages",
        sqlite_where=sa.text("kind != 'custom'"),
        postgresql_where=sa.text("kind != 'custom'"),
    )
    op.drop_index("ix_crm_stages_org_position", table_name="crm_stages")

    op.drop_table("crm_stages")
