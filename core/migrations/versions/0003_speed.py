"""speed: covering indexes for the sponsor dashboard, admin statistics and sign-up trend

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-21 15:00:00

Found with bench/plans.py on the 100k-influencer / 1M-request bench set (EXPLAIN QUERY PLAN on
SQLite, EXPLAIN ANALYZE on PostgreSQL):

- ix_ad_requests_campaign_rollup (campaign_id, status, turn, accepted_at, payment_cents) replaces
  ix_ad_requests_campaign_status (campaign_id, status), its prefix: list_sponsor_campaigns (counts
  by status and turn) and budget_burn (accepted_at, payment_cents) read only the index instead of
  one table row per request (~20k for the busiest sponsor).
- ix_ad_requests_status_accepted (status, accepted_at, payment_cents): admin statistics count
  requests per status and sum money per month of acceptance from the index, in index order.
- ix_users_created_role (created_at, role) replaces ix_users_created_at: sign-ups per month and role
  without a table lookup per user.
"""
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ad_requests_campaign_rollup", "ad_requests",
                    ["campaign_id", "status", "turn", "accepted_at", "payment_cents"])
    op.drop_index("ix_ad_requests_campaign_status", table_name="ad_requests")
    op.create_index("ix_ad_requests_status_accepted", "ad_requests", ["status", "accepted_at", "payment_cents"])
    op.create_index("ix_users_created_role", "users", ["created_at", "role"])
    op.drop_index("ix_users_created_at", table_name="users")


def downgrade() -> None:
    op.create_index("ix_users_created_at", "users", ["created_at"])
    op.drop_index("ix_users_created_role", table_name="users")
    op.drop_index("ix_ad_requests_status_accepted", table_name="ad_requests")
    op.create_index("ix_ad_requests_campaign_status", "ad_requests", ["campaign_id", "status"])
    op.drop_index("ix_ad_requests_campaign_rollup", table_name="ad_requests")
