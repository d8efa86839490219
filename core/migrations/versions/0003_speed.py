"""speed: covering indexes for search counts, the sponsor dashboard and admin statistics; stored tsvector on PostgreSQL

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
- ix_users_role_standing (role, approval, is_active, flagged, last_login_at) replaces
  ix_users_role_approval (its prefix): the admin's user counts read the index, not every user row.
- ix_campaigns_category_rollup (category, status, is_public, flagged, budget_cents, committed_cents):
  campaign counts, budgets and the top categories from the index, grouped in index order.
- ix_influencer_listed_category_cover (listed, category, score, user_id, followers, reach,
  engagement_rate) replaces ix_influencer_listed_category_score (its prefix): counting a category
  with a followers/reach/engagement filter no longer fetches each profile row.
- PostgreSQL only: the searchable text becomes a stored generated tsvector column (search_document)
  and the GIN indexes (same names) index that column instead of the to_tsvector(...) expression.
  Prefix queries ('yog:*') make PostgreSQL recheck every candidate row, and with the expression
  index each recheck re-ran to_tsvector: counting a common word over 100k profiles took 1.3 s,
  and pages filtered by the expression while walking the sort index took 60-180 ms. With the
  stored column the same count is ~50x cheaper (see core/platform/fulltext.py and bench/RESULTS.md).
"""

from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


# Frozen copies of core/platform/fulltext.py's PostgreSQL DDL as of this revision.
_DOCUMENT = {
    "influencer_profiles": "to_tsvector('simple', coalesce(display_name, '') || ' ' || coalesce(category, '') || ' ' "
    "|| coalesce(niche, '') || ' ' || coalesce(bio, ''))",
    "campaigns": "to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(category, '') || ' ' || "
    "coalesce(niche, '') || ' ' || coalesce(description, '') || ' ' || coalesce(goals, ''))",
}
POSTGRES_UPGRADE = [
    statement
    for table, document in _DOCUMENT.items()
    for statement in (
        f"DROP INDEX IF EXISTS ix_{table}_fulltext",
        f"ALTER TABLE {table} ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({document}) STORED",
        f"CREATE INDEX ix_{table}_fulltext ON {table} USING gin (search_document)",
    )
]
POSTGRES_DOWNGRADE = [
    statement
    for table, document in _DOCUMENT.items()
    for statement in (
        f"DROP INDEX IF EXISTS ix_{table}_fulltext",
        f"ALTER TABLE {table} DROP COLUMN search_document",
        f"CREATE INDEX ix_{table}_fulltext ON {table} USING gin (({document}))",
    )
]


def upgrade() -> None:
    op.create_index(
        "ix_ad_requests_campaign_rollup",
        "ad_requests",
        ["campaign_id", "status", "turn", "accepted_at", "payment_cents"],
    )
    op.drop_index("ix_ad_requests_campaign_status", table_name="ad_requests")
    op.create_index("ix_ad_requests_status_accepted", "ad_requests", ["status", "accepted_at", "payment_cents"])
    op.create_index("ix_users_created_role", "users", ["created_at", "role"])
    op.drop_index("ix_users_created_at", table_name="users")
    op.create_index("ix_users_role_standing", "users", ["role", "approval", "is_active", "flagged", "last_login_at"])
    op.drop_index("ix_users_role_approval", table_name="users")
    op.create_index(
        "ix_campaigns_category_rollup",
        "campaigns",
        ["category", "status", "is_public", "flagged", "budget_cents", "committed_cents"],
    )
    op.create_index(
        "ix_influencer_listed_category_cover",
        "influencer_profiles",
        ["listed", "category", "score", "user_id", "followers", "reach", "engagement_rate"],
    )
    op.drop_index("ix_influencer_listed_category_score", table_name="influencer_profiles")
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DOWNGRADE:
            op.execute(statement)
    op.create_index(
        "ix_influencer_listed_category_score", "influencer_profiles", ["listed", "category", "score", "user_id"]
    )
    op.drop_index("ix_influencer_listed_category_cover", table_name="influencer_profiles")
    op.drop_index("ix_campaigns_category_rollup", table_name="campaigns")
    op.create_index("ix_users_role_approval", "users", ["role", "approval"])
    op.drop_index("ix_users_role_standing", table_name="users")
    op.create_index("ix_users_created_at", "users", ["created_at"])
    op.drop_index("ix_users_created_role", table_name="users")
    op.drop_index("ix_ad_requests_status_accepted", table_name="ad_requests")
    op.create_index("ix_ad_requests_campaign_status", "ad_requests", ["campaign_id", "status"])
    op.drop_index("ix_ad_requests_campaign_rollup", table_name="ad_requests")
