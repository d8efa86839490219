"""crm board order index: each stage's cards in the board's order, so a column's first cards are an index range

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 07:10:00

The board shows the first few cards of each stage, most recently contacted first (then newest first). With
(organization_id, stage_id, last_contact_at, id), read backwards, a column is one index range read up to its LIMIT,
whatever the board's size; the old
(organization_id, stage_id, id) made PostgreSQL sort every card of the organization (5.6 ms at 1,500 cards once
the table was analyzed, bench/analysis.md 2026-11-30 session 9). The new index serves the old one's lookups too.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_crm_records_board_order",
        "crm_records",
        ["organization_id", "stage_id", "last_contact_at", "id"],
        unique=False,
    )
    op.drop_index("ix_crm_records_org_stage", table_name="crm_records")


def downgrade() -> None:
    op.create_index("ix_crm_records_org_stage", "crm_records", ["organization_id", "stage_id", "id"], unique=False)
    op.drop_index("ix_crm_records_board_order", table_name="crm_records")
