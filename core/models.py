"""The schema: SQLAlchemy 2.0 declarative models with their constraints and indexes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.platform.timeutil import utcnow

# Deterministic constraint names keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("admin", "sponsor", "influencer")
APPROVAL_STATES = ("pending", "approved", "rejected")
CAMPAIGN_STATUSES = ("draft", "active", "completed", "cancelled")
AD_REQUEST_STATUSES = ("pending", "negotiating", "accepted", "rejected", "withdrawn", "completed")
OPEN_AD_REQUEST_STATUSES = ("pending", "negotiating")
LIVE_AD_REQUEST_STATUSES = ("pending", "negotiating", "accepted")
COMMITTED_AD_REQUEST_STATUSES = ("accepted", "completed")
PARTIES = ("sponsor", "influencer")
SPONSOR_KINDS = ("company", "individual")
ORG_ROLES = ("owner", "manager", "analyst")
MEMBER_STATUSES = ("active", "removed")
PLATFORMS = ("instagram", "youtube", "tiktok", "x", "twitch", "linkedin", "blog", "podcast")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


role_permissions = Table(
    "role_permissions",
    Base.metadata,
    Column("role", String(20), ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True),
    Column("permission", String(60), ForeignKey("permissions.name", ondelete="CASCADE"), primary_key=True),
)


class Role(Base):
    __tablename__ = "roles"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(200), default="")


class Permission(Base):
    __tablename__ = "permissions"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    description: Mapped[str] = mapped_column(String(200), default="")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("approval", APPROVAL_STATES), name="approval_valid"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
        # Covering for admin statistics' user counts; its (role, approval) prefix serves the approval lists (0003).
        Index("ix_users_role_standing", "role", "approval", "is_active", "flagged", "last_login_at"),
        Index("ix_users_created_role", "created_at", "role"),  # sign-ups per month and role (0003)
        # The admin Users page walks id-descending keyset pages per filter; each index hands its rows over in id
        # order and counts them without touching the table (0012).
        Index("ix_users_standing_id", "flagged", "is_active", "approval", "id"),  # any / active / flagged / deactivated
        Index("ix_users_approval_id", "approval", "id"),  # pending / rejected
        Index("ix_users_role_id", "role", "id"),  # one role
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), ForeignKey("roles.name", ondelete="RESTRICT"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    approval: Mapped[str] = mapped_column(String(10), default="approved")
    approval_note: Mapped[str | None] = mapped_column(Text)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Signed into the login cookie; bumping it revokes every cookie and live session of the user (0004).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_gchat: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_inapp: Mapped[bool] = mapped_column(Boolean, default=True)
    gchat_webhook_url: Mapped[str | None] = mapped_column(String(500))

    sponsor_profile: Mapped[SponsorProfile | None] = relationship(back_populates="user", uselist=False)
    influencer_profile: Mapped[InfluencerProfile | None] = relationship(back_populates="user", uselist=False)
    membership: Mapped[OrgMember | None] = relationship(uselist=False, viewonly=True)


class SponsorProfile(Base):
    __tablename__ = "sponsor_profiles"
    __table_args__ = (
        CheckConstraint(_in("kind", SPONSOR_KINDS), name="kind_valid"),
        CheckConstraint("budget_cents >= 0", name="budget_non_negative"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12), default="company")
    industry: Mapped[str] = mapped_column(String(80), default="")
    budget_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Pay no invoice before the influencer's payee/tax form is approved (0006).
    require_payee_form: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    user: Mapped[User] = relationship(back_populates="sponsor_profile")


# --- Organizations: a sponsor's firm with its teammates and brands (core/marketplace/organizations.py) ------------

org_role_permissions = Table(
    "org_role_permissions",
    Base.metadata,
    Column("org_role", String(20), ForeignKey("org_roles.name", ondelete="CASCADE"), primary_key=True),
    Column("permission", String(60), ForeignKey("permissions.name", ondelete="CASCADE"), primary_key=True),
)


class OrgRole(Base):
    """A role inside an organization (owner, manager, analyst); its grants are rows of org_role_permissions."""

    __tablename__ = "org_roles"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    rank: Mapped[int] = mapped_column(Integer, default=0)  # display order, most powerful first


class Organization(Base):
    """The CRM's firm: owns brands and campaigns; its approval is the admin's sponsor approval."""

    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint(_in("approval", APPROVAL_STATES), name="approval_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    state: Mapped[str] = mapped_column(String(80), default="")
    zip_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(80), default="")
    approval: Mapped[str] = mapped_column(String(10), default="pending")
    # Pay no invoice before the influencer's payee/tax form is approved (moved here from sponsor_profiles).
    require_payee_form: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Brand(Base):
    """The CRM's store: a brand of an organization; every campaign runs under one."""

    __tablename__ = "brands"
    __table_args__ = (UniqueConstraint("organization_id", "name", name="uq_brands_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class OrgMember(Base):
    """A sponsor user's membership: exactly one organization per sponsor user, removed members keep their row."""

    __tablename__ = "org_members"
    __table_args__ = (
        CheckConstraint(_in("status", MEMBER_STATUSES), name="status_valid"),
        Index("ix_org_members_org", "organization_id", "status", "org_role"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    org_role: Mapped[str] = mapped_column(String(20), ForeignKey("org_roles.name", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(10), default="active")
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class OrgInvite(Base):
    """A signed, single-use invitation of a teammate by email; only the token's hash is stored."""

    __tablename__ = "org_invites"
    __table_args__ = (Index("ix_org_invites_org", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    org_role: Mapped[str] = mapped_column(String(20), ForeignKey("org_roles.name", ondelete="RESTRICT"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class InfluencerProfile(Base):
    """A creator's profile; `listed` caches whether search may show it (see core/marketplace/listing.py)."""

    __tablename__ = "influencer_profiles"
    __table_args__ = (
        CheckConstraint("followers >= 0", name="followers_non_negative"),
        CheckConstraint("engagement_rate >= 0 AND engagement_rate <= 100", name="engagement_in_range"),
        CheckConstraint("reach >= 0", name="reach_non_negative"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),
        Index("ix_influencer_listed_score", "listed", "score", "user_id"),
        Index("ix_influencer_listed_followers", "listed", "followers", "user_id"),
        Index("ix_influencer_listed_engagement", "listed", "engagement_rate", "user_id"),
        Index("ix_influencer_listed_reach", "listed", "reach", "user_id"),
        # With the numeric filters in the index, counting a category with a followers/reach/engagement
        # filter reads only the index (0003).
        Index(
            "ix_influencer_listed_category_cover",
            "listed",
            "category",
            "score",
            "user_id",
            "followers",
            "reach",
            "engagement_rate",
        ),
        Index("ix_influencer_listed_niche_score", "listed", "niche", "score", "user_id"),
        Index("ix_influencer_listed_platform_score", "listed", "platform", "score", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(60))
    niche: Mapped[str] = mapped_column(String(80), default="")
    platform: Mapped[str] = mapped_column(String(20))
    profile_url: Mapped[str | None] = mapped_column(String(500))
    followers: Mapped[int] = mapped_column(BigInteger, default=0)
    engagement_rate: Mapped[float] = mapped_column(Float, default=0.0)  # percent, a ratio not money
    bio: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)
    # Sponsors' visible reviews (0006), kept here so search can rank and explain without a join.
    rating_avg: Mapped[float | None] = mapped_column(Float)
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    listed: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="influencer_profile")


class Campaign(Base):
    """A sponsor's campaign; committed_cents is the sum of accepted/completed payments."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("budget_cents >= 0", name="budget_non_negative"),
        CheckConstraint("committed_cents >= 0", name="committed_non_negative"),
        CheckConstraint("committed_cents <= budget_cents", name="committed_within_budget"),
        CheckConstraint("end_date >= start_date", name="end_not_before_start"),
        CheckConstraint(_in("status", CAMPAIGN_STATUSES), name="status_valid"),
        Index("ix_campaigns_sponsor_id", "sponsor_id", "id"),
        Index("ix_campaigns_organization_id", "organization_id", "id"),
        Index("ix_campaigns_listed_id", "listed", "id"),
        Index("ix_campaigns_listed_category", "listed", "category", "id"),
        Index("ix_campaigns_listed_niche", "listed", "niche", "id"),
        Index("ix_campaigns_listed_end", "listed", "end_date"),
        Index("ix_campaigns_created_at", "created_at"),
        # Covering for admin statistics: campaign counts and budgets, and top categories in index order (0003).
        Index(
            "ix_campaigns_category_rollup",
            "category",
            "status",
            "is_public",
            "flagged",
            "budget_cents",
            "committed_cents",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # the teammate who created it
    # The owning organization and its brand (0007); every sponsor-side rule checks membership of this org.
    # Nullable in the schema only because SQLite cannot add a NOT NULL column to a table with rows without
    # rebuilding it (which drops its full-text triggers); services always set it, the migration backfills it.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(60))
    niche: Mapped[str] = mapped_column(String(80), default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    committed_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AdRequest(Base):
    """An offer between a campaign and an influencer; `turn` says who must answer next."""

    __tablename__ = "ad_requests"
    __table_args__ = (
        CheckConstraint("payment_cents > 0", name="payment_positive"),
        CheckConstraint(_in("status", AD_REQUEST_STATUSES), name="status_valid"),
        CheckConstraint(_in("initiated_by", PARTIES), name="initiator_valid"),
        CheckConstraint(f"turn IS NULL OR {_in('turn', PARTIES)}", name="turn_valid"),
        # Covering for the sponsor dashboard: counts by status/turn and money by accepted day (0003).
        Index("ix_ad_requests_campaign_rollup", "campaign_id", "status", "turn", "accepted_at", "payment_cents"),
        # Covering for admin statistics: requests per status, money per month of acceptance (0003).
        Index("ix_ad_requests_status_accepted", "status", "accepted_at", "payment_cents"),
        Index("ix_ad_requests_influencer_status", "influencer_id", "status", "updated_at"),
        Index("ix_ad_requests_status_turn", "status", "turn"),
        Index("ix_ad_requests_created_at", "created_at"),
        # One live negotiation per influencer and campaign.
        Index(
            "uq_ad_requests_live_pair",
            "campaign_id",
            "influencer_id",
            unique=True,
            sqlite_where=text(_in("status", LIVE_AD_REQUEST_STATUSES)),
            postgresql_where=text(_in("status", LIVE_AD_REQUEST_STATUSES)),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    influencer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    initiated_by: Mapped[str] = mapped_column(String(10))
    requirements: Mapped[str] = mapped_column(Text, default="")
    payment_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    turn: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AdRequestEvent(Base):
    """Append-only negotiation history: who did what, when, for how much, with what message."""

    __tablename__ = "ad_request_events"
    __table_args__ = (Index("ix_ad_request_events_request", "ad_request_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ad_request_id: Mapped[int] = mapped_column(ForeignKey("ad_requests.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_party: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditLog(Base):
    """Admin and money-relevant actions; never updated or deleted by the product."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor", "actor_id", "at"),
        Index("ix_audit_log_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column(Integer)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text, default="")


class ReminderDelivery(Base):
    """One reminder per user, day and channel; the unique key makes sending idempotent."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "day", "channel", name="uq_reminder_user_day_channel"),
        CheckConstraint(_in("channel", ("email", "gchat", "inapp")), name="channel_valid"),
        CheckConstraint(_in("status", ("pending", "sent", "failed")), name="status_valid"),
        Index("ix_reminder_deliveries_day_status", "day", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When the current attempt was claimed (0005): a "pending" row claimed long ago lost its worker.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class MonthlyReport(Base):
    """A sponsor's archived activity report for one calendar month (month = its first day)."""

    __tablename__ = "monthly_reports"
    __table_args__ = (
        UniqueConstraint("sponsor_id", "month", name="uq_monthly_report_sponsor_month"),
        CheckConstraint(_in("email_status", ("pending", "sent", "failed")), name="email_status_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Reports are the organization's (0007); sponsor_id is the member it was first made for.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    month: Mapped[dt.date] = mapped_column(Date)
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    email_status: Mapped[str] = mapped_column(String(10), default="pending")
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    emailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the current email attempt was claimed (0005): a "pending" claim long ago lost its worker.
    email_claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ExportJob(Base):
    """Durable state of a background CSV export; the file lives under the exports folder."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint(_in("kind", ("campaigns", "ad_requests")), name="kind_valid"),
        CheckConstraint(_in("status", ("queued", "running", "done", "failed")), name="status_valid"),
        Index("ix_export_jobs_owner", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Refreshed by the worker while the job runs (0005): a "running" job whose heartbeat stopped lost its worker.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CacheGeneration(Base):
    """A counter per cache scope, bumped in the writing transaction; cache keys embed it."""

    __tablename__ = "cache_generations"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


# --- Deals: what happens after "accepted" (core/deals/) ---------------------------------------------------------

DELIVERABLE_STATUSES = (
    "planned",
    "in_review",
    "changes_requested",
    "approved",
    "live_submitted",
    "confirmed",
    "cancelled",
)
DRAFT_DECISIONS = ("pending", "approved", "auto_approved", "changes_requested", "rejected")
DOCUMENT_KINDS = ("po", "invoice", "form")
DOCUMENT_STATUSES = ("pending", "approved", "paid", "rejected", "cancelled")
PAYMENT_STATUSES = ("succeeded", "declined", "insufficient_funds")
REVIEW_DIRECTIONS = ("sponsor_to_influencer", "influencer_to_campaign")


class Deliverable(Base):
    """One piece of content an accepted request owes: what, where, by when, with which tags.

    `version` is bumped by every change, so an action carries the version its page showed.
    """

    __tablename__ = "deliverables"
    __table_args__ = (
        CheckConstraint(_in("status", DELIVERABLE_STATUSES), name="status_valid"),
        CheckConstraint(_in("platform", PLATFORMS), name="platform_valid"),
        CheckConstraint("change_rounds >= 0", name="change_rounds_nonnegative"),
        Index("ix_deliverables_request", "ad_request_id", "id"),
        Index("ix_deliverables_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ad_request_id: Mapped[int] = mapped_column(ForeignKey("ad_requests.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[dt.date] = mapped_column(Date)
    required_hashtags: Mapped[str] = mapped_column(String(500), default="")
    required_mentions: Mapped[str] = mapped_column(String(500), default="")
    disclosure_required: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    change_rounds: Mapped[int] = mapped_column(Integer, default=0)
    live_url: Mapped[str | None] = mapped_column(String(500))
    live_submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DeliverableDraft(Base):
    """One submitted version of a deliverable's content; every version is kept, never edited after a decision."""

    __tablename__ = "deliverable_drafts"
    __table_args__ = (
        UniqueConstraint("deliverable_id", "number", name="uq_deliverable_drafts_deliverable_number"),
        CheckConstraint(_in("decision", DRAFT_DECISIONS), name="decision_valid"),
        CheckConstraint("file_size IS NULL OR file_size >= 0", name="file_size_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverables.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_mime: Mapped[str | None] = mapped_column(String(60))
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_path: Mapped[str | None] = mapped_column(String(300))
    compliance: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decision: Mapped[str] = mapped_column(String(20), default="pending")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DocumentCounter(Base):
    """Last number handed out per document kind and year; bumped by one guarded UPDATE (gap-free, race-free)."""

    __tablename__ = "document_counters"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class FinancialDocument(Base):
    """A purchase order, an invoice against one, or an influencer's payee/tax form (the CRM's FinancialDocument)."""

    __tablename__ = "financial_documents"
    __table_args__ = (
        UniqueConstraint("number", name="uq_financial_documents_number"),
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind_valid"),
        CheckConstraint(_in("status", DOCUMENT_STATUSES), name="status_valid"),
        CheckConstraint("amount_cents >= 0", name="amount_nonnegative"),
        CheckConstraint("kind != 'invoice' OR po_id IS NOT NULL", name="invoice_has_po"),
        # Covering for a sponsor's budget burn: sums per campaign, kind and status from the index alone.
        Index("ix_financial_documents_sponsor", "sponsor_id", "campaign_id", "kind", "status", "amount_cents"),
        Index("ix_financial_documents_org", "organization_id", "campaign_id", "kind", "status", "amount_cents"),
        Index("ix_financial_documents_influencer", "influencer_id", "kind", "status"),
        Index("ix_financial_documents_po", "po_id"),
        Index("ix_financial_documents_request", "ad_request_id"),
        # Covering for the admin's overview (totals by kind and status) and the overdue ageing.
        Index("ix_financial_documents_status_due", "kind", "status", "due_date", "amount_cents"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(40))
    external_number: Mapped[str] = mapped_column(String(60), default="")
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The sponsor side is an organization (0007): its members with the right org role act on the document.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True)
    influencer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    ad_request_id: Mapped[int | None] = mapped_column(ForeignKey("ad_requests.id", ondelete="CASCADE"))
    po_id: Mapped[int | None] = mapped_column(ForeignKey("financial_documents.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    paid_date: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    tax_id: Mapped[str] = mapped_column(String(60), default="")
    country: Mapped[str] = mapped_column(String(60), default="")
    payment_details: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    file_path: Mapped[str | None] = mapped_column(String(300))
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    overdue_since: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Payment(Base):
    """One attempt to pay an invoice through the dummy checkout; only the card's last four digits are kept."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_payments_idempotency_key"),
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status_valid"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        Index("ix_payments_invoice", "invoice_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("financial_documents.id", ondelete="CASCADE"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(20), default="card")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    status: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    failure_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Review(Base):
    """A rating after completion: the sponsor rates the influencer, the influencer rates the campaign."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("ad_request_id", "direction", name="uq_reviews_request_direction"),
        CheckConstraint(_in("direction", REVIEW_DIRECTIONS), name="direction_valid"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        Index("ix_reviews_influencer", "influencer_id", "direction", "hidden_at"),
        Index("ix_reviews_campaign", "campaign_id", "direction", "hidden_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ad_request_id: Mapped[int] = mapped_column(ForeignKey("ad_requests.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(30))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    influencer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    stars: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    hidden_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# --- CRM pipeline: stages, records (cards), notes, moves and campaign boards (core/crm/) ---------------------------

STAGE_KINDS = ("cold", "active", "final", "custom")  # the three defaults keep their kind when renamed


class CrmStage(Base):
    """A pipeline column of one organization; the default three carry a stable kind, added ones are 'custom'."""

    __tablename__ = "crm_stages"
    __table_args__ = (
        CheckConstraint(_in("kind", STAGE_KINDS), name="kind_valid"),
        UniqueConstraint("organization_id", "name", name="uq_crm_stages_org_name"),
        Index("ix_crm_stages_org_position", "organization_id", "position", "id"),
        # One cold, one active and one final stage per organization (automatic moves and snapshots find them).
        Index(
            "uq_crm_stages_org_kind",
            "organization_id",
            "kind",
            unique=True,
            sqlite_where=text("kind != 'custom'"),
            postgresql_where=text("kind != 'custom'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10), default="custom")
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CrmRecord(Base):
    """One card: an organization's relationship with one influencer (or, later, one imported prospect)."""

    __tablename__ = "crm_records"
    __table_args__ = (
        CheckConstraint(
            "(influencer_id IS NULL AND prospect_id IS NOT NULL) OR (influencer_id IS NOT NULL AND prospect_id IS NULL)",
            name="one_subject",
        ),
        Index("uq_crm_records_org_influencer", "organization_id", "influencer_id", unique=True),
        Index("uq_crm_records_org_prospect", "organization_id", "prospect_id", unique=True),
        # A board column's first cards are one range of this index, read backwards (board order: last contact, then
        # id, newest first).
        Index("ix_crm_records_board_order", "organization_id", "stage_id", "last_contact_at", "id"),
        Index("ix_crm_records_stage", "stage_id"),
        Index("ix_crm_records_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    influencer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # An imported creator without an account (prospects, migration 0010). No foreign key: SQLite could add one only
    # by rebuilding crm_records; prospects are never deleted on their own (an organization's deletion cascades to
    # both), and the services resolve the id within the card's organization.
    prospect_id: Mapped[int | None] = mapped_column(Integer)
    # NO ACTION (checked at statement end): a stage with cards cannot be deleted, yet deleting the organization
    # cascades to both its stages and its cards in one statement.
    stage_id: Mapped[int] = mapped_column(ForeignKey("crm_stages.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_contact_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CrmRecordTag(Base):
    """A tag on a card (a row per tag, so the board filters by tag with an index)."""

    __tablename__ = "crm_record_tags"
    __table_args__ = (Index("ix_crm_record_tags_tag", "tag", "record_id"),)

    record_id: Mapped[int] = mapped_column(ForeignKey("crm_records.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


class CrmRecordNote(Base):
    """A timestamped note on a card by a teammate; append-only (never edited or deleted by the product)."""

    __tablename__ = "crm_record_notes"
    __table_args__ = (Index("ix_crm_record_notes_record", "record_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("crm_records.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CrmRecordEvent(Base):
    """Append-only history of a card: created or moved, by whom, from/to which stage, automatic or by hand."""

    __tablename__ = "crm_record_events"
    __table_args__ = (Index("ix_crm_record_events_record", "record_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("crm_records.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("crm_stages.id", ondelete="SET NULL"))
    to_stage_id: Mapped[int | None] = mapped_column(ForeignKey("crm_stages.id", ondelete="SET NULL"))
    # The stage names at the time, so the history reads right after a rename.
    from_stage: Mapped[str | None] = mapped_column(String(60))
    to_stage: Mapped[str] = mapped_column(String(60))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")


class CrmRecordCampaign(Base):
    """A card on a campaign's board (added to the pipeline for that campaign, or sent one of its ad requests)."""

    __tablename__ = "crm_record_campaigns"
    __table_args__ = (Index("ix_crm_record_campaigns_campaign", "campaign_id", "record_id"),)

    record_id: Mapped[int] = mapped_column(ForeignKey("crm_records.id", ondelete="CASCADE"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# --- CRM products: an organization's catalogue and what each campaign gifts (core/crm/products.py) --------------

PRODUCT_MAX_PRICE_CENTS = 100_000_000  # $1,000,000 a unit: with the quantity cap, gifted-value sums fit a BIGINT
PRODUCT_MAX_QUANTITY = 100_000
DISCOUNT_FULL_BP = 10_000  # discounts are basis points: 10,000 bp = 100 %


class Product(Base):
    """A product of an organization's catalogue (the CRM's Product); the SKU is unique within the organization."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("organization_id", "sku", name="uq_products_org_sku"),
        CheckConstraint(f"price_cents >= 0 AND price_cents <= {PRODUCT_MAX_PRICE_CENTS}", name="price_in_range"),
        Index("ix_products_org_name", "organization_id", "archived_at", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    sku: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CampaignProduct(Base):
    """A product gifted in a campaign (the CRM's CampaignProduct): quantity and discount in basis points."""

    __tablename__ = "campaign_products"
    __table_args__ = (
        UniqueConstraint("campaign_id", "product_id", name="uq_campaign_products_campaign_product"),
        CheckConstraint(f"quantity >= 1 AND quantity <= {PRODUCT_MAX_QUANTITY}", name="quantity_in_range"),
        CheckConstraint(f"discount_bp >= 0 AND discount_bp <= {DISCOUNT_FULL_BP}", name="discount_in_range"),
        Index("ix_campaign_products_product", "product_id"),  # "was it ever attached?" and SQLite's FK lookups
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # RESTRICT: a product that was ever attached is archived, never deleted, so past campaigns keep their cost.
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    discount_bp: Mapped[int] = mapped_column(Integer, default=0)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# --- CRM imports: creator import runs, their rejected rows, prospect profiles and claim invites -----------------
# (core/crm/imports.py, core/crm/prospects.py, core/marketplace/claims.py)

IMPORT_RUN_STATUSES = ("CREATED", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
IMPORT_RUN_ACTIVE = ("CREATED", "RUNNING")


class ImportRun(Base):
    """The run log of one creator import (a Huey job); counts are what its committed batches wrote."""

    __tablename__ = "import_runs"
    __table_args__ = (
        CheckConstraint(_in("status", IMPORT_RUN_STATUSES), name="status_valid"),
        Index("ix_import_runs_org", "organization_id", "id"),
        Index("ix_import_runs_status", "status", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40), unique=True)  # shown to users: IMP-YYYYMMDD-xxxxxxxx
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20), default="upload")
    task_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="CREATED")
    status_message: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str | None] = mapped_column(String(200))  # the upload under data/imports while the job runs
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    abort_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ImportReject(Base):
    """One rejected row of an import run: its line, the reason, and the row as read."""

    __tablename__ = "import_rejects"
    __table_args__ = (Index("ix_import_rejects_run", "run_id", "line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class Prospect(Base):
    """An imported creator profile of one organization, keyed by (platform, handle); no login until claimed."""

    __tablename__ = "prospects"
    __table_args__ = (
        UniqueConstraint("organization_id", "platform", "handle", name="uq_prospects_org_platform_handle"),
        # A handle rename keeps the record: the platform's stable id, when the export has one, is unique too.
        Index(
            "uq_prospects_org_platform_pid",
            "organization_id",
            "platform",
            "platform_id",
            unique=True,
            sqlite_where=text("platform_id IS NOT NULL"),
            postgresql_where=text("platform_id IS NOT NULL"),
        ),
        Index("ix_prospects_org_followers", "organization_id", "followers", "id"),
        CheckConstraint("followers >= 0", name="followers_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    handle: Mapped[str] = mapped_column(String(100))
    platform_id: Mapped[str | None] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    profile_url: Mapped[str | None] = mapped_column(String(500))
    followers: Mapped[int] = mapped_column(BigInteger, default=0)
    engagement_rate: Mapped[float | None] = mapped_column(Float)  # percent, as imported
    bio: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(60), default="")
    niche: Mapped[str] = mapped_column(String(80), default="")
    country: Mapped[str] = mapped_column(String(80), default="")
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id", ondelete="SET NULL"))
    claimed_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ProspectClaim(Base):
    """A single-use invite to claim a prospect profile; only the SHA-256 of the emailed token is stored."""

    __tablename__ = "prospect_claims"
    __table_args__ = (Index("ix_prospect_claims_prospect", "prospect_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # set by the task that mails the link
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    claimed_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# --- CRM: daily analytics snapshots and find-similar neighbours (core/crm/snapshots.py, core/crm/similar.py) -----


class AnalyticsSnapshot(Base):
    """One organization's (or, with organization_id NULL, the platform's) figures as of the end of one UTC day.

    Written once per (organization, day) by the daily task; amounts are cumulative totals as of that day.
    """

    __tablename__ = "analytics_snapshots"
    __table_args__ = (
        UniqueConstraint("organization_id", "day", name="uq_analytics_snapshots_org_day"),
        # NULLs are distinct in a UNIQUE constraint: the platform-wide row needs its own partial unique index.
        Index(
            "uq_analytics_snapshots_platform_day",
            "day",
            unique=True,
            sqlite_where=text("organization_id IS NULL"),
            postgresql_where=text("organization_id IS NULL"),
        ),
        Index("ix_analytics_snapshots_day", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    campaigns_total: Mapped[int] = mapped_column(Integer, default=0)
    campaigns_active: Mapped[int] = mapped_column(Integer, default=0)
    budget_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    influencers_cold: Mapped[int] = mapped_column(Integer, default=0)
    influencers_active: Mapped[int] = mapped_column(Integer, default=0)
    influencers_final: Mapped[int] = mapped_column(Integer, default=0)
    revenue_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # paid to influencers (succeeded payments)
    expenses_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # committed (accepted/completed requests)
    meta: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SimilarInfluencer(Base):
    """A precomputed neighbour of a listed influencer (top-k by similarity), rebuilt by the find-similar job."""

    __tablename__ = "similar_influencers"
    __table_args__ = (Index("ix_similar_influencers_rank", "influencer_id", "rank"),)

    influencer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    shared_terms: Mapped[str] = mapped_column(String(300), default="")  # comma-separated, strongest first
    built_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# --- Worker health (Step 9, 0013): what /healthz and the admin's System health page read ------------------------


class WorkerHeartbeat(Base):
    """One huey_consumer process: when it started, when it was last seen, and what it ran."""

    __tablename__ = "worker_heartbeats"
    __table_args__ = (Index("ix_worker_heartbeats_last_seen", "last_seen_at"),)

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # "<replica or host>:<pid>"
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    replica: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_task_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # the last task it finished (ok or not)
    tasks_done: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    tasks_failed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class PeriodicTaskRun(Base):
    """The last run of one periodic task by any worker (one row per task name, upserted)."""

    __tablename__ = "periodic_task_runs"
    __table_args__ = (CheckConstraint(_in("last_status", ("running", "ok", "failed")), name="last_status_valid"),)

    task_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    worker_name: Mapped[str] = mapped_column(String(200))
    last_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_status: Mapped[str] = mapped_column(String(10), default="running")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
