"""deals: deliverables, drafts, financial documents (PO, invoice, form), payments, reviews; payee-form rule

After "accepted" a deal owes deliverables (each draft version kept), is billed by a purchase order and invoices
numbered per kind and year (document_counters), paid through payments with an idempotency key, and reviewed once
per side. Every new stateful table has a `version` column: actions carry the version their page showed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:05:22.492515
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite batch mode copies the table and would drop the full-text
    # triggers that live on influencer_profiles.
    op.add_column("influencer_profiles", sa.Column("rating_avg", sa.Float(), nullable=True))
    op.add_column(
        "influencer_profiles", sa.Column("rating_count", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column(
        "sponsor_profiles",
        sa.Column("require_payee_form", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_table(
        "document_counters",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name=op.f("pk_document_counters")),
    )
    op.create_table(
        "deliverables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ad_request_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("required_hashtags", sa.String(length=500), nullable=False),
        sa.Column("required_mentions", sa.String(length=500), nullable=False),
        sa.Column("disclosure_required", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("change_rounds", sa.Integer(), nullable=False),
        sa.Column("live_url", sa.String(length=500), nullable=True),
        sa.Column("live_submitted_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "platform IN ('instagram', 'youtube', 'tiktok', 'x', 'twitch', 'linkedin', 'blog', 'podcast')",
            name=op.f("ck_deliverables_platform_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'in_review', 'changes_requested', 'approved', 'live_submitted', 'confirmed', 'cancelled')",
            name=op.f("ck_deliverables_status_valid"),
        ),
        sa.CheckConstraint("change_rounds >= 0", name=op.f("ck_deliverables_change_rounds_nonnegative")),
        sa.ForeignKeyConstraint(
            ["ad_request_id"],
            ["ad_requests.id"],
            name=op.f("fk_deliverables_ad_request_id_ad_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliverables")),
    )
    with op.batch_alter_table("deliverables", schema=None) as batch_op:
        batch_op.create_index("ix_deliverables_request", ["ad_request_id", "id"], unique=False)
        batch_op.create_index("ix_deliverables_status_due", ["status", "due_date"], unique=False)

    op.create_table(
        "financial_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("external_number", sa.String(length=60), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("influencer_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("ad_request_id", sa.Integer(), nullable=True),
        sa.Column("po_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("tax_id", sa.String(length=60), nullable=False),
        sa.Column("country", sa.String(length=60), nullable=False),
        sa.Column("payment_details", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("file_path", sa.String(length=300), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_since", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind != 'invoice' OR po_id IS NOT NULL", name=op.f("ck_financial_documents_invoice_has_po")
        ),
        sa.CheckConstraint("kind IN ('po', 'invoice', 'form')", name=op.f("ck_financial_documents_kind_valid")),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'paid', 'rejected', 'cancelled')",
            name=op.f("ck_financial_documents_status_valid"),
        ),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_financial_documents_amount_nonnegative")),
        sa.ForeignKeyConstraint(
            ["ad_request_id"],
            ["ad_requests.id"],
            name=op.f("fk_financial_documents_ad_request_id_ad_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_financial_documents_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_financial_documents_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_financial_documents_decided_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["influencer_id"], ["users.id"], name=op.f("fk_financial_documents_influencer_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["po_id"],
            ["financial_documents.id"],
            name=op.f("fk_financial_documents_po_id_financial_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sponsor_id"], ["users.id"], name=op.f("fk_financial_documents_sponsor_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financial_documents")),
        sa.UniqueConstraint("number", name="uq_financial_documents_number"),
    )
    with op.batch_alter_table("financial_documents", schema=None) as batch_op:
        batch_op.create_index("ix_financial_documents_influencer", ["influencer_id", "kind", "status"], unique=False)
        batch_op.create_index("ix_financial_documents_po", ["po_id"], unique=False)
        batch_op.create_index("ix_financial_documents_request", ["ad_request_id"], unique=False)
        batch_op.create_index(
            "ix_financial_documents_sponsor",
            ["sponsor_id", "campaign_id", "kind", "status", "amount_cents"],
            unique=False,
        )
        batch_op.create_index(
            "ix_financial_documents_status_due", ["kind", "status", "due_date", "amount_cents"], unique=False
        )

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ad_request_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=30), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("influencer_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=False),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "direction IN ('sponsor_to_influencer', 'influencer_to_campaign')", name=op.f("ck_reviews_direction_valid")
        ),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_reviews_stars_range")),
        sa.ForeignKeyConstraint(
            ["ad_request_id"], ["ad_requests.id"], name=op.f("fk_reviews_ad_request_id_ad_requests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_reviews_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_reviews_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by"], ["users.id"], name=op.f("fk_reviews_hidden_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["influencer_id"], ["users.id"], name=op.f("fk_reviews_influencer_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("ad_request_id", "direction", name="uq_reviews_request_direction"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index("ix_reviews_campaign", ["campaign_id", "direction", "hidden_at"], unique=False)
        batch_op.create_index("ix_reviews_influencer", ["influencer_id", "direction", "hidden_at"], unique=False)

    op.create_table(
        "deliverable_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_mime", sa.String(length=60), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("file_path", sa.String(length=300), nullable=True),
        sa.Column("compliance", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "decision IN ('pending', 'approved', 'auto_approved', 'changes_requested', 'rejected')",
            name=op.f("ck_deliverable_drafts_decision_valid"),
        ),
        sa.CheckConstraint(
            "file_size IS NULL OR file_size >= 0", name=op.f("ck_deliverable_drafts_file_size_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_deliverable_drafts_decided_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["deliverable_id"],
            ["deliverables.id"],
            name=op.f("fk_deliverable_drafts_deliverable_id_deliverables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_deliverable_drafts_submitted_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliverable_drafts")),
        sa.UniqueConstraint("deliverable_id", "number", name="uq_deliverable_drafts_deliverable_number"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("paid_by", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('succeeded', 'declined', 'insufficient_funds')", name=op.f("ck_payments_status_valid")
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["financial_documents.id"],
            name=op.f("fk_payments_invoice_id_financial_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["paid_by"], ["users.id"], name=op.f("fk_payments_paid_by_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("idempotency_key", name="uq_payments_idempotency_key"),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_invoice", ["invoice_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_column("influencer_profiles", "rating_count")  # native DROP COLUMN (SQLite ≥ 3.35): triggers stay
    op.drop_column("influencer_profiles", "rating_avg")
    op.drop_column("sponsor_profiles", "require_payee_form")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_invoice")

    op.drop_table("payments")
    op.drop_table("deliverable_drafts")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_influencer")
        batch_op.drop_index("ix_reviews_campaign")

    op.drop_table("reviews")
    with op.batch_alter_table("financial_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_financial_documents_status_due")
        batch_op.drop_index("ix_financial_documents_sponsor")
        batch_op.drop_index("ix_financial_documents_request")
        batch_op.drop_index("ix_financial_documents_po")
        batch_op.drop_index("ix_financial_documents_influencer")

    op.drop_table("financial_documents")
    with op.batch_alter_table("deliverables", schema=None) as batch_op:
        batch_op.drop_index("ix_deliverables_status_due")
        batch_op.drop_index("ix_deliverables_request")

    op.drop_table("deliverables")
    op.drop_table("document_counters")
