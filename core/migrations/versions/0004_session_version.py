"""session version: a per-user counter signed into the login cookie, so logout and password changes revoke it

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:30:00

The login cookie (streamlit-authenticator's JWT) carries the user's session_version; the app refuses
a cookie or a live session whose version is not the one in the database. Logging out (here or
everywhere), changing the password, being flagged or deactivated increment it. Existing users start
at 0; cookies issued before this revision carry no version and are refused (one extra login).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
