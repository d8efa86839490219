"""organizations: firms with members, org roles, invites and brands; campaigns, documents and reports belong to one

Every existing sponsor becomes the owner of a one-member organization (same id as the sponsor user, so the
backfill is set-based and a 100k-row database upgrades in seconds) with one brand named after it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_roles",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_org_roles")),
    )
    op.create_table(
        "org_role_permissions",
        sa.Column("org_role", sa.String(length=20), nullable=False),
        sa.Column("permission", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_role"],
            ["org_roles.name"],
            name=op.f("fk_org_role_permissions_org_role_org_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["permission"],
            ["permissions.name"],
            name=op.f("fk_org_role_permissions_permission_permissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_role", "permission", name=op.f("pk_org_role_permissions")),
    )
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=80), nullable=False),
        sa.Column("zip_code", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=80), nullable=False),
        sa.Column("approval", sa.String(length=10), nullable=False),
        sa.Column("require_payee_form", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "approval IN ('pending', 'approved', 'rejected')", name=op.f("ck_organizations_approval_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "brands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_brands_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brands")),
        sa.UniqueConstraint("organization_id", "name", name="uq_brands_org_name"),
    )
    op.create_index(op.f("ix_brands_organization_id"), "brands", ["organization_id"], unique=False)
    op.create_table(
        "org_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("org_role", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'removed')", name=op.f("ck_org_members_status_valid")),
        sa.ForeignKeyConstraint(
            ["org_role"], ["org_roles.name"], name=op.f("fk_org_members_org_role_org_roles"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_org_members_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_org_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_org_members")),
    )
    op.create_index("ix_org_members_org", "org_members", ["organization_id", "status", "org_role"], unique=False)
    op.create_table(
        "org_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("org_role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_user_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_user_id"],
            ["users.id"],
            name=op.f("fk_org_invites_accepted_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["users.id"], name=op.f("fk_org_invites_invited_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_role"], ["org_roles.name"], name=op.f("fk_org_invites_org_role_org_roles"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_org_invites_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_org_invites_token_hash")),
    )
    op.create_index("ix_org_invites_org", "org_invites", ["organization_id", "created_at"], unique=False)

    # Plain ADD COLUMN (no batch mode): rebuilding campaigns on SQLite would drop its full-text triggers. A column
    # added with its REFERENCES clause is allowed on SQLite when it defaults to NULL.
    _add_reference("campaigns", "organization_id", "organizations", "CASCADE")
    _add_reference("campaigns", "brand_id", "brands", "SET NULL")
    _add_reference("financial_documents", "organization_id", "organizations", "CASCADE")
    _add_reference("monthly_reports", "organization_id", "organizations", "CASCADE")
    _backfill()
    op.create_index("ix_campaigns_organization_id", "campaigns", ["organization_id", "id"], unique=False)
    op.create_index(
        "ix_financial_documents_org",
        "financial_documents",
        ["organization_id", "campaign_id", "kind", "status", "amount_cents"],
        unique=False,
    )


def _add_reference(table: str, column: str, target: str, ondelete: str) -> None:
    """Add a nullable integer column referencing target.id, its foreign key named by the naming convention."""
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":  # no ALTER of constraints: the REFERENCES goes inline
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {name} REFERENCES {target} (id) ON DELETE {ondelete}"
        )
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(name, table, target, [column], ["id"], ondelete=ondelete)


def _backfill() -> None:
    """Each sponsor becomes the owner of its own organization (id = the sponsor's user id) with one brand."""
    bind = op.get_bind()
    op.execute(
        "INSERT INTO org_roles (name, description, rank) VALUES "
        "('owner', 'Everything, including teammates and billing', 0), "
        "('manager', 'Campaigns, deals, pipeline; approves content and invoices', 1), "
        "('analyst', 'Reads everything of the organization and exports; no changes', 2)"
    )
    op.execute(
        "INSERT INTO organizations (id, name, email, phone, address, city, state, zip_code, country, approval, "
        "require_payee_form, created_at) "
        "SELECT u.id, p.name, u.email, '', '', '', '', '', '', u.approval, p.require_payee_form, u.created_at "
        "FROM users u JOIN sponsor_profiles p ON p.user_id = u.id WHERE u.role = 'sponsor'"
    )
    op.execute(
        "INSERT INTO brands (organization_id, name, email, phone, address, created_at) "
        "SELECT o.id, o.name, o.email, '', '', o.created_at FROM organizations o"
    )
    op.execute(
        "INSERT INTO org_members (user_id, organization_id, org_role, status, joined_at, version) "
        "SELECT o.id, o.id, 'owner', 'active', o.created_at, 1 FROM organizations o"
    )
    op.execute(
        "UPDATE campaigns SET organization_id = sponsor_id, "
        "brand_id = (SELECT b.id FROM brands b WHERE b.organization_id = campaigns.sponsor_id)"
    )
    op.execute("UPDATE financial_documents SET organization_id = sponsor_id")
    op.execute("UPDATE monthly_reports SET organization_id = sponsor_id")
    if bind.dialect.name == "postgresql":  # explicit ids above: move the sequence past them
        op.execute(
            "SELECT setval(pg_get_serial_sequence('organizations', 'id'), "
            "COALESCE((SELECT MAX(id) FROM organizations), 0) + 1, false)"
        )


def downgrade() -> None:
    op.drop_index("ix_financial_documents_org", table_name="financial_documents")
    op.drop_index("ix_campaigns_organization_id", table_name="campaigns")
    if op.get_bind().dialect.name != "sqlite":  # SQLite drops a column's inline REFERENCES with the column
        for table, column, target in (
            ("monthly_reports", "organization_id", "organizations"),
            ("financial_documents", "organization_id", "organizations"),
            ("campaigns", "brand_id", "brands"),
            ("campaigns", "organization_id", "organizations"),
        ):
            op.drop_constraint(f"fk_{table}_{column}_{target}", table, type_="foreignkey")
    # SQLite 3.35+ drops a plain column in place (no table rebuild, so the full-text triggers stay).
    op.drop_column("monthly_reports", "organization_id")
    op.drop_column("financial_documents", "organization_id")
    op.drop_column("campaigns", "brand_id")
    op.drop_column("campaigns", "organization_id")
    op.drop_index("ix_org_invites_org", table_name="org_invites")
    op.drop_table("org_invites")
    op.drop_index("ix_org_members_org", table_name="org_members")
    op.drop_table("org_members")
    op.drop_index(op.f("ix_brands_organization_id"), table_name="brands")
    op.drop_table("brands")
    op.drop_table("organizations")
    op.drop_table("org_role_permissions")
    op.drop_table("org_roles")
