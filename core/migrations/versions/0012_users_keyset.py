"""users keyset: indexes that serve the admin Users page's filters in id order (keyset pages, capped counts)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 16:20:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_users_standing_id": ["flagged", "is_active", "approval", "id"],
    "ix_users_approval_id": ["approval", "id"],
    "ix_users_role_id": ["role", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "users", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="users")
