"""Bulk demo/benchmark data: believable users, campaigns and ad requests, loaded fast.

`seed_bulk(db, influencers=..., campaigns=..., requests=..., sponsors=...)` appends generated rows
to a migrated database. It bypasses the services (which cost ~1 ms per row) but keeps every
invariant they keep:

- influencer reach and score come from core.marketplace.scoring; `listed` flags follow core/marketplace/listing.py;
- a campaign's committed_cents is the sum of its accepted + completed payments and never exceeds
  budget_cents (budgets are raised to cover what was generated as accepted);
- at most one live (pending/negotiating/accepted) request per (campaign, influencer) — in fact
  every pair is unique; drafts have no requests; completed/cancelled campaigns have no open ones;
- `turn` is set exactly for open requests; accepted_at/completed_at for the states that have them;
- each request gets ONE opening history event ('sent' by the sponsor or 'asked' by the
  influencer, with its first amount and message); later negotiation steps are not synthesised;
- FTS5 tables are rebuilt in one pass (their triggers are dropped for the load and recreated);
- the global cache generations are bumped so no cache serves pre-load answers.

All bulk users share one bcrypt hash of BULK_PASSWORD (hashed once). One sponsor (the first one
generated, reported as `busiest_sponsor_id`) owns far more campaigns than any other.

Speed: rows are built from small word pools with numpy (no per-row Faker), secondary indexes are
dropped and rebuilt after the load; SQLite loads with executemany in chunks, PostgreSQL with COPY.
CLI: python -m core.demo.seed_bulk --influencers 100000 --campaigns 50000 --requests 1000000 --url URL
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from core.marketplace import scoring
from core.models import PLATFORMS
from core.platform import cachegen
from core.platform.db import Database
from core.platform.passwords import hash_password
from core.platform.timeutil import utcnow

BULK_PASSWORD = "Bulk-pass-1"
CHUNK = 50_000

CATEGORIES: dict[str, list[str]] = {
    "Fitness": ["yoga", "running", "strength", "pilates", "cycling", "crossfit"],
    "Beauty": ["skincare", "makeup", "haircare", "fragrance", "nails"],
    "Food": ["vegan", "baking", "street food", "coffee", "wine", "meal prep"],
    "Travel": ["backpacking", "luxury travel", "road trips", "city breaks", "camping"],
    "Tech": ["smartphones", "gadgets", "ai tools", "pc building", "smart home"],
    "Gaming": ["esports", "indie games", "retro games", "streaming", "mobile games"],
    "Fashion": ["streetwear", "sustainable fashion", "menswear", "vintage", "sneakers"],
    "Parenting": ["toddlers", "homeschool", "pregnancy", "family travel"],
    "Finance": ["investing", "budgeting", "crypto", "real estate"],
    "Music": ["hip hop", "indie", "classical", "dj", "guitar"],
    "Education": ["languages", "science", "study tips", "history"],
    "Home": ["interior design", "gardening", "diy", "minimalism"],
    "Pets": ["dogs", "cats", "aquariums", "horses"],
    "Sports": ["football", "basketball", "tennis", "surfing", "climbing"],
    "Comedy": ["sketches", "stand-up", "pranks", "satire"],
}
FIRST = (
    "Maya Liam Noah Emma Olivia Ava Lucas Mia Ethan Zoe Aria Leo Nina Omar Sara Yuki Ivan Lena Ravi Priya "
    "Chloe Mateo Amara Kai Elena Hugo Ines Theo Nora Felix Luca Aisha Jonas Clara Diego Hana Marco Leila "
    "Owen Tara Sofia Malik Eva Ben Iris Adam Freya Samir Julia Arjun Rosa Finn Dana Victor Alma Nils Mei "
    "Tomas Lina Ezra"
).split()
LAST = (
    "Lopez Smith Chen Patel Garcia Kim Nguyen Rossi Muller Silva Dubois Novak Haddad Tanaka Okafor Berg "
    "Costa Ivanova Khan Moreau Jensen Santos Rahman Weber Larsen Fischer Ali Cohen Park Romero Sato Ortiz "
    "Meyer Kowalski Brown Wilson Nakamura Hughes Rivera Baker Evans Ward Reyes Bianchi Petrov Lund Mendes "
    "Adeyemi Varga Laurent Holm Gupta Torres Wong Schmidt Morgan Ramos Keller Quinn"
).split()
HANDLE_SUFFIX = ["", "", "", " Eats", " Fit", " Travels", " Plays", " Studio", " Daily", " Life", " Lab", " TV"]
CITIES = (
    "Lisbon Berlin Austin Toronto Sydney Seoul Nairobi Lagos Mumbai Madrid Paris Oslo Denver Chicago "
    "London Dublin Milan Tokyo Cairo Lima Bogota Warsaw Prague Vienna Boston Seattle Miami Manila"
).split()
BIO_OPENERS = [
    "Sharing",
    "Obsessed with",
    "Talking about",
    "Reviewing",
    "Documenting",
    "Teaching",
    "Exploring",
    "Making videos about",
    "Writing about",
    "Daily posts on",
]
BIO_CLOSERS = [
    "Collabs welcome.",
    "DM for partnerships.",
    "New video every week.",
    "Honest reviews only.",
    "Based in {city}.",
    "Dog lover.",
    "Coffee first.",
    "Award-winning creator.",
    "Ex-engineer.",
    "Part-time chef.",
    "Proud parent of two.",
    "Runner and reader.",
]
SPONSOR_A = (
    "Blue Green Bright Silver Golden Urban Wild Happy Nordic Clear Bold Fresh True North Summit Lumen "
    "Atlas Nova Pixel Harbor Cedar Maple Coral Orbit Echo Vivid Prime Solar Lunar Crimson"
).split()
SPONSOR_B = (
    "Foods Labs Works Wear Beauty Gear Games Bank Travel Tech Home Pets Sports Media Studio Coffee "
    "Audio Motors Health Kitchen Outdoors Apparel Brewing Books"
).split()
SPONSOR_SUFFIX = ["Ltd", "Inc", "Co", "Group", "GmbH", "& Sons", "Collective", "Brands"]
INDUSTRIES = [
    "Retail",
    "Consumer goods",
    "Food & beverage",
    "Technology",
    "Gaming",
    "Finance",
    "Travel",
    "Beauty",
    "Sports",
    "Media",
    "Automotive",
    "Health",
]
SEASONS = [
    "Spring",
    "Summer",
    "Autumn",
    "Winter",
    "Holiday",
    "Back to School",
    "Black Friday",
    "New Year",
    "Launch",
    "Anniversary",
    "Weekend",
    "Flash",
]
ADJECTIVES = [
    "Glow",
    "Fresh",
    "Bold",
    "Bright",
    "Epic",
    "Cozy",
    "Green",
    "Smart",
    "Wild",
    "Pure",
    "Daring",
    "Golden",
    "Urban",
    "Zen",
    "Turbo",
]
NOUNS = [
    "Launch",
    "Challenge",
    "Drop",
    "Giveaway",
    "Tour",
    "Series",
    "Collab",
    "Sprint",
    "Week",
    "Edition",
    "Campaign",
    "Push",
    "Showcase",
    "Story",
]
DESCRIPTIONS = [
    "We are looking for {category} creators focused on {niche} to introduce our new range to their audience.",
    "Authentic {niche} content showing our product in everyday life; {city} based creators preferred.",
    "A {season} push for our {category} line: unboxing, honest review and a discount code.",
    "Help us reach {niche} fans with short videos and stories that feel native to your channel.",
    "Long-term partnership for {category} creators; first phase is a {niche} themed {noun}.",
]
GOALS = [
    "Brand awareness",
    "Drive app installs",
    "Grow newsletter sign-ups",
    "Launch sales",
    "Reach new audiences",
    "Collect user generated content",
    "Boost store traffic",
    "Increase followers",
]
REQUIREMENTS = [
    "Two feed posts and three stories within a week, tagged and with the discount code.",
    "One dedicated video of at least 60 seconds plus a link in the description.",
    "A short-form video series (3 parts) showing the product in daily use.",
    "One live stream segment of 10 minutes and a pinned comment with our link.",
    "Blog review with photos, 800+ words, and two social shares.",
    "Unboxing reel plus one follow-up story after two weeks of use.",
    "Giveaway post run together with our account, winner picked after 7 days.",
    "Podcast mid-roll read (60 s) in two consecutive episodes.",
]
MESSAGES = [
    "Hi! We love your content and think this is a great fit.",
    "Would you be up for this?",
    "Happy to discuss the details.",
    "Looking forward to working together!",
    "I'd love to join this campaign.",
    "My audience would really like this product.",
    "Let me know what you think.",
    "",
]
PLATFORM_WEIGHTS = [0.34, 0.22, 0.22, 0.06, 0.05, 0.04, 0.04, 0.03]
# Ad-request statuses and their share of generated requests.
STATUS_SHARES = {
    "pending": 0.18,
    "negotiating": 0.10,
    "accepted": 0.14,
    "completed": 0.22,
    "rejected": 0.26,
    "withdrawn": 0.10,
}
CAMPAIGN_STATUS_SHARES = {"active": 0.70, "completed": 0.17, "cancelled": 0.05, "draft": 0.08}


@dataclass
class SeedSummary:
    """What seed_bulk inserted and how long each phase took."""

    sponsors: int = 0
    influencers: int = 0
    campaigns: int = 0
    ad_requests: int = 0
    events: int = 0
    documents: int = 0
    busiest_sponsor_id: int | None = None
    busiest_sponsor_campaigns: int = 0
    busiest_influencer_id: int | None = None
    password: str = BULK_PASSWORD
    seconds: dict[str, float] = field(default_factory=dict)  # wall-clock per phase, and "total"
    cpu_seconds: float = 0.0  # this process's CPU time (the machine may be shared; wall time is noisy)

    def as_dict(self) -> dict:
        return asdict(self)


# ---- helpers ---------------------------------------------------------------------------------------------


def _timestamps(epoch_seconds: np.ndarray) -> list[str]:
    """Epoch seconds -> 'YYYY-MM-DD HH:MM:SS.000000', the text form SQLAlchemy stores on SQLite."""
    text_values = np.datetime_as_string(epoch_seconds.astype("datetime64[s]"), unit="s")
    return [s.replace("T", " ") + ".000000" for s in text_values.tolist()]


def _dates(epoch_days: np.ndarray) -> list[str]:
    return np.datetime_as_string(epoch_days.astype("datetime64[D]"), unit="D").tolist()


def _pick(rng: np.random.Generator, pool, size: int) -> list:
    index = rng.integers(0, len(pool), size=size)
    return [pool[i] for i in index.tolist()]


def _weighted_choice(rng: np.random.Generator, population: np.ndarray, weights: np.ndarray, size: int):
    weights = weights / weights.sum()
    return population[np.searchsorted(np.cumsum(weights), rng.random(size), side="right").clip(0, len(population) - 1)]


def _chunks(rows: list, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class _Loader:
    """Writes row tuples in column order: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, conn):
        self.conn = conn
        self.dialect = conn.dialect.name

    def insert(self, table: str, columns: list[str], rows) -> int:
        count = 0
        if self.dialect == "postgresql":
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            return count
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        for chunk in _chunks(rows if isinstance(rows, list) else list(rows)):
            self.conn.exec_driver_sql(sql, chunk)
            count += len(chunk)
        return count


def _load_documents(
    conn,
    loader,
    rng,
    now_s,
    req_ids,
    sponsors,
    campaign_ids,
    influencer_ids,
    payment,
    status,
    accepted_at,
    completed_at,
) -> int:
    """A PO for every accepted or completed request; for completed ones an invoice (paid, approved — some
    overdue — or pending), as the deal flow would have left them."""
    deal = np.flatnonzero(np.isin(status, ["accepted", "completed"]))
    done = status[deal] == "completed"
    base = _max_id(conn, "financial_documents")
    po_ids = base + 1 + np.arange(len(deal), dtype=np.int64)
    roll = rng.random(len(deal))
    invoice_status = np.where(roll < 0.6, "paid", np.where(roll < 0.85, "approved", "pending"))
    po_status = np.where(done & (invoice_status == "paid"), "paid", "approved")
    issue_day = accepted_at[deal] // 86400
    invoice_day = np.maximum(completed_at[deal] // 86400, issue_day)
    due_day = invoice_day + 30
    today_day = now_s // 86400
    po_dates, invoice_dates, due_dates = _dates(issue_day), _dates(invoice_day), _dates(due_day)
    stamps = _timestamps(accepted_at[deal])
    columns = [
        "id",
        "kind",
        "number",
        "external_number",
        "sponsor_id",
        "influencer_id",
        "campaign_id",
        "ad_request_id",
        "po_id",
        "amount_cents",
        "status",
        "issue_date",
        "due_date",
        "paid_date",
        "overdue_since",
        "description",
        "legal_name",
        "tax_id",
        "country",
        "payment_details",
        "details",
        "rejection_reason",
        "version",
        "created_at",
        "updated_at",
    ]
    rows: list[tuple] = []  # POs and invoices: the same columns, some None
    next_id = base + len(deal)
    for k, request_index in enumerate(deal.tolist()):
        common = (
            int(sponsors[request_index]),
            int(influencer_ids[request_index]),
            int(campaign_ids[request_index]),
            int(req_ids[request_index]),
        )
        amount = int(payment[request_index])
        rows.append(
            (
                int(po_ids[k]),
                "po",
                f"PO-B{int(po_ids[k]):08d}",
                "",
                *common,
                None,
                amount,
                str(po_status[k]),
                po_dates[k],
                None,
                po_dates[k] if po_status[k] == "paid" else None,
                None,
                "Bulk deal",
                "",
                "",
                "",
                "",
                "{}",
                "",
                1,
                stamps[k],
                stamps[k],
            )
        )
        if done[k]:
            next_id += 1
            state = str(invoice_status[k])
            overdue = state == "approved" and due_day[k] < today_day
            rows.append(
                (
                    next_id,
                    "invoice",
                    f"INV-B{next_id:08d}",
                    "",
                    *common,
                    int(po_ids[k]),
                    amount,
                    state,
                    invoice_dates[k],
                    due_dates[k],
                    invoice_dates[k] if state == "paid" else None,
                    due_dates[k] if overdue else None,
                    "Bulk invoice",
                    "Creator Ltd",
                    "",
                    "",
                    "IBAN",
                    "{}",
                    "",
                    1,
                    stamps[k],
                    stamps[k],
                )
            )
    count = loader.insert("financial_documents", columns, rows)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('financial_documents', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM financial_documents), false)"
        )
    return count


BULK_TABLES = ("users", "sponsor_profiles", "influencer_profiles", "campaigns", "ad_requests", "ad_request_events")


def _load_organizations(conn) -> None:
    """Each generated sponsor owns a one-member organization with one brand, as a sign-up would (set-based)."""
    offset = _max_id(conn, "organizations")  # ids after the demo's own organizations: user id + offset
    orphans = "FROM users u JOIN sponsor_profiles p ON p.user_id = u.id WHERE u.role = 'sponsor' AND NOT EXISTS " \
        "(SELECT 1 FROM org_members m WHERE m.user_id = u.id)"  # fmt: skip
    conn.exec_driver_sql(
        "INSERT INTO organizations (id, name, email, phone, address, city, state, zip_code, country, approval, "
        f"require_payee_form, created_at) SELECT u.id + {offset}, p.name, u.email, '', '', '', '', '', '', u.approval, "
        f"p.require_payee_form, u.created_at {orphans}"
    )
    conn.exec_driver_sql(
        "INSERT INTO brands (organization_id, name, email, phone, address, created_at) "
        f"SELECT u.id + {offset}, p.name, u.email, '', '', u.created_at {orphans}"
    )
    conn.exec_driver_sql(
        "INSERT INTO org_members (user_id, organization_id, org_role, status, joined_at, version) "
        f"SELECT u.id, u.id + {offset}, 'owner', 'active', u.created_at, 1 {orphans}"
    )
    owning = "(SELECT m.organization_id FROM org_members m WHERE m.user_id = {table}.sponsor_id)"
    conn.exec_driver_sql(
        f"UPDATE campaigns SET organization_id = {owning.format(table='campaigns')}, "
        "brand_id = (SELECT MIN(b.id) FROM brands b JOIN org_members m ON m.organization_id = b.organization_id "
        "WHERE m.user_id = campaigns.sponsor_id) WHERE organization_id IS NULL"
    )
    conn.exec_driver_sql(
        f"UPDATE financial_documents SET organization_id = {owning.format(table='financial_documents')} "
        "WHERE organization_id IS NULL"
    )
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('organizations', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM organizations), false)"
        )


def _drop_secondary_indexes(conn) -> list[str]:
    """Drop plain secondary indexes of the bulk tables (and FTS triggers on SQLite); return DDL to restore."""
    restore: list[str] = []
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
            f"((type = 'index' AND tbl_name IN ({', '.join(repr(t) for t in BULK_TABLES)})) "
            "OR (type = 'trigger' AND name LIKE '%\\_fts\\_%' ESCAPE '\\'))"
        ).all()
        for kind, name, sql in rows:
            conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
            restore.append(sql)
        return restore
    # Foreign keys are checked by a trigger per inserted row; re-adding them checks each in one join.
    foreign_keys = conn.exec_driver_sql(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace "
        f"AND c.conrelid::regclass::text IN ({', '.join(repr(t) for t in BULK_TABLES)})"
    ).all()
    for table, name, definition in foreign_keys:
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    rows = conn.exec_driver_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        f"AND i.tablename IN ({', '.join(repr(t) for t in BULK_TABLES)}) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
    ).all()
    for name, sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
        restore.append(sql)
    restore += [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in foreign_keys]
    return restore


def _max_id(conn, table: str, column: str = "id") -> int:
    return int(conn.exec_driver_sql(f"SELECT coalesce(max({column}), 0) FROM {table}").scalar())


# ---- generation ------------------------------------------------------------------------------------------


def seed_bulk(
    db: Database,
    *,
    influencers: int,
    campaigns: int,
    requests: int,
    sponsors: int | None = None,
    seed: int = 42,
    events: bool = True,
    analyze: bool = True,
    log=None,
) -> SeedSummary:
    """Append a generated data set to db (schema at head, roles seeded); returns what was made.

    sponsors defaults to campaigns // 25 (at least 2). Deterministic for a given seed on an empty database.
    """
    if min(influencers, campaigns, requests) < 0:
        raise ValueError("Counts cannot be negative.")
    if requests and (not influencers or not campaigns):
        raise ValueError("Ad requests need at least one influencer and one campaign.")
    sponsors = max(2, campaigns // 25) if sponsors is None else sponsors
    if campaigns and sponsors < 1:
        raise ValueError("Campaigns need at least one sponsor.")
    say = log or (lambda message: None)
    rng = np.random.default_rng(seed)
    summary = SeedSummary()
    clock, cpu = time.perf_counter(), time.process_time()
    started_cpu = cpu

    def phase(name: str) -> None:
        nonlocal clock, cpu
        now, now_cpu = time.perf_counter(), time.process_time()
        summary.seconds[name] = round(now - clock, 3)
        say(f"{name}: {now - clock:.1f} s (cpu {now_cpu - cpu:.1f} s)")
        clock, cpu = now, now_cpu

    password_hash = hash_password(BULK_PASSWORD)  # one bcrypt hash shared by every bulk user
    with db.engine.connect() as outer:
        is_sqlite = outer.dialect.name == "sqlite"
        raw = outer.connection.driver_connection
        assert raw is not None, "a connection just checked out of the pool holds its driver connection"
        journal = None
        if is_sqlite:  # outside any transaction, where SQLite allows it
            raw.execute("PRAGMA cache_size=-262144")  # 256 MB for the index builds
            # The generator guarantees every reference; checking 2 parents per row would double the load time.
            raw.execute("PRAGMA foreign_keys=OFF")
            # WAL writes every new page twice (log, then checkpoint). When nobody else has the file
            # open, load with a rollback journal instead (appended pages need no journaling, and it
            # stays crash-safe) and switch back to WAL after.
            journal = raw.execute("PRAGMA journal_mode").fetchone()[0]
            try:
                raw.execute("PRAGMA journal_mode=DELETE")
            except Exception:  # someone else is connected: keep WAL
                pass
        try:
            with outer.begin():
                _load(
                    db,
                    outer,
                    summary,
                    phase,
                    rng,
                    password_hash,
                    influencers=influencers,
                    campaigns=campaigns,
                    requests=requests,
                    sponsors=sponsors,
                    events=events,
                )
        finally:
            if is_sqlite:
                raw.execute("PRAGMA cache_size=-2000")
                raw.execute("PRAGMA foreign_keys=ON")
                if journal and raw.execute("PRAGMA journal_mode").fetchone()[0] != journal:
                    raw.execute(f"PRAGMA journal_mode={journal}")
    phase("commit")
    if analyze:
        if is_sqlite:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        else:  # VACUUM also sets the visibility map, which index-only scans need after a bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join((*BULK_TABLES, 'financial_documents'))}")
        phase("analyze")
    summary.seconds["total"] = round(sum(v for k, v in summary.seconds.items() if k != "total"), 3)
    summary.cpu_seconds = round(time.process_time() - started_cpu, 3)
    return summary


def _load(
    db: Database,
    conn,
    summary: SeedSummary,
    phase,
    rng,
    password_hash: str,
    *,
    influencers: int,
    campaigns: int,
    requests: int,
    sponsors: int,
    events: bool,
) -> None:
    now = utcnow().replace(microsecond=0)
    now_s = int(now.replace(tzinfo=dt.timezone.utc).timestamp())
    today_d = now_s // 86400
    cat_names = list(CATEGORIES)
    loader = _Loader(conn)
    restore = _drop_secondary_indexes(conn)
    phase("drop_indexes")
    base_user = _max_id(conn, "users")
    base_campaign = _max_id(conn, "campaigns")
    base_request = _max_id(conn, "ad_requests")
    base_event = _max_id(conn, "ad_request_events")

    # ---- sponsors ----------------------------------------------------------------------------------
    sp_ids = base_user + 1 + np.arange(sponsors, dtype=np.int64)
    sp_approval = _pick(rng, ["approved"] * 95 + ["pending"] * 3 + ["rejected"] * 2, sponsors)
    sp_flagged = rng.random(sponsors) < 0.01
    sp_active = rng.random(sponsors) >= 0.01
    if sponsors:
        sp_approval[0], sp_flagged[0], sp_active[0] = "approved", False, True  # the busiest sponsor
    sp_created = now_s - rng.integers(30 * 86400, 730 * 86400, size=sponsors)
    sp_good = np.array([a == "approved" for a in sp_approval], dtype=bool) & ~sp_flagged & sp_active
    # ---- influencers -------------------------------------------------------------------------------
    inf_ids = (
        sp_ids[-1] + 1 + np.arange(influencers, dtype=np.int64)
        if sponsors
        else base_user + 1 + np.arange(influencers, dtype=np.int64)
    )
    inf_flagged = rng.random(influencers) < 0.005
    inf_active = rng.random(influencers) >= 0.01
    inf_public = rng.random(influencers) >= 0.05
    inf_created = now_s - rng.integers(0, 730 * 86400, size=influencers)
    followers = np.clip(rng.lognormal(math.log(20_000), 1.6, size=influencers), 100, 50_000_000).astype(np.int64)
    engagement = np.round(np.clip(rng.gamma(2.0, 1.8, size=influencers), 0.1, 25.0), 2)
    inf_listed = inf_public & ~inf_flagged & inf_active

    users = []
    for i in range(sponsors):
        uid = int(sp_ids[i])
        users.append(
            (
                uid,
                f"brand{uid}",
                f"brand{uid}@bulk.example",
                password_hash,
                "sponsor",
                bool(sp_active[i]),
                sp_approval[i],
                None,
                bool(sp_flagged[i]),
                "Spam reports" if sp_flagged[i] else None,
                int(sp_created[i]),
            )
        )
    for i in range(influencers):
        uid = int(inf_ids[i])
        users.append(
            (
                uid,
                f"creator{uid}",
                f"creator{uid}@bulk.example",
                password_hash,
                "influencer",
                bool(inf_active[i]),
                "approved",
                None,
                bool(inf_flagged[i]),
                "Fake followers" if inf_flagged[i] else None,
                int(inf_created[i]),
            )
        )
    created_text = _timestamps(np.array([u[-1] for u in users], dtype=np.int64))
    login_at = now_s - rng.integers(0, 90 * 86400, size=len(users))
    login_text = _timestamps(login_at)
    logged = rng.random(len(users)) < 0.6
    user_rows = [
        u[:-1] + (created_text[k], login_text[k] if logged[k] else None, 0, True, False, True)
        for k, u in enumerate(users)
    ]
    del users
    summary.sponsors = sponsors
    summary.influencers = influencers
    loader.insert(
        "users",
        [
            "id",
            "username",
            "email",
            "password_hash",
            "role",
            "is_active",
            "approval",
            "approval_note",
            "flagged",
            "flag_reason",
            "created_at",
            "last_login_at",
            "failed_logins",
            "notify_email",
            "notify_gchat",
            "notify_inapp",
        ],
        user_rows,
    )
    del user_rows
    sp_rows = [
        (int(sp_ids[i]), f"{a} {b} {s}", k, ind, int(bud))
        for i, a, b, s, k, ind, bud in zip(
            range(sponsors),
            _pick(rng, SPONSOR_A, sponsors),
            _pick(rng, SPONSOR_B, sponsors),
            _pick(rng, SPONSOR_SUFFIX, sponsors),
            _pick(rng, ["company"] * 9 + ["individual"], sponsors),
            _pick(rng, INDUSTRIES, sponsors),
            rng.integers(100, 50_000, size=sponsors) * 100_000,
        )
    ]
    loader.insert("sponsor_profiles", ["user_id", "name", "kind", "industry", "budget_cents"], sp_rows)
    del sp_rows
    phase("users_sponsors")

    inf_cat = rng.integers(0, len(cat_names), size=influencers)
    firsts, lasts = _pick(rng, FIRST, influencers), _pick(rng, LAST, influencers)
    suffixes, cities = _pick(rng, HANDLE_SUFFIX, influencers), _pick(rng, CITIES, influencers)
    openers, closers = _pick(rng, BIO_OPENERS, influencers), _pick(rng, BIO_CLOSERS, influencers)
    platforms = [
        PLATFORMS[i]
        for i in np.searchsorted(
            np.cumsum(PLATFORM_WEIGHTS), rng.random(influencers) * sum(PLATFORM_WEIGHTS), side="right"
        )
        .clip(0, 7)
        .tolist()
    ]
    niche_pick = rng.random(influencers)
    inf_rows = []
    inf_score = np.zeros(influencers, dtype=np.int64)
    for i in range(influencers):
        category = cat_names[inf_cat[i]]
        niches = CATEGORIES[category]
        niche = niches[int(niche_pick[i] * len(niches))]
        f, e = int(followers[i]), float(engagement[i])
        reach = scoring.estimated_reach(f, e)
        score = scoring.relevance_score(reach, e)
        inf_score[i] = score
        uid = int(inf_ids[i])
        name = f"{firsts[i]} {lasts[i]}{suffixes[i]}"
        bio = f"{openers[i]} {niche} and {category.lower()} from {cities[i]}. " + closers[i].format(city=cities[i])
        inf_rows.append(
            (
                uid,
                name,
                category,
                niche,
                platforms[i],
                f"https://{platforms[i]}.example/creator{uid}",
                f,
                e,
                bio,
                bool(inf_public[i]),
                reach,
                score,
                bool(inf_listed[i]),
            )
        )
    loader.insert(
        "influencer_profiles",
        [
            "user_id",
            "display_name",
            "category",
            "niche",
            "platform",
            "profile_url",
            "followers",
            "engagement_rate",
            "bio",
            "is_public",
            "reach",
            "score",
            "listed",
        ],
        inf_rows,
    )
    del inf_rows
    phase("influencers")

    # ---- campaigns: owners, dates, statuses --------------------------------------------------------
    good_sponsors = np.flatnonzero(sp_good)
    camp_owner_idx = np.zeros(campaigns, dtype=np.int64)
    busiest = 0
    if campaigns:
        if len(good_sponsors) == 0:
            raise ValueError("No sponsor in good standing to own campaigns.")
        busiest = min(campaigns, max(50, campaigns // 50)) if len(good_sponsors) > 1 else campaigns
        others = good_sponsors[good_sponsors != 0] if len(good_sponsors) > 1 else good_sponsors
        weights = 1.0 / (np.arange(len(others)) + 30.0)
        rest = _weighted_choice(rng, others, weights, campaigns - busiest)
        camp_owner_idx = np.concatenate([np.zeros(busiest, dtype=np.int64), rest])
        rng.shuffle(camp_owner_idx)
    camp_ids = base_campaign + 1 + np.arange(campaigns, dtype=np.int64)
    camp_sponsor = sp_ids[camp_owner_idx] if campaigns else np.zeros(0, dtype=np.int64)
    # Start dates lean recent (a growing platform): about half the campaigns have ended by today.
    start_day = today_d + 30 - np.clip(rng.exponential(160, size=campaigns), 0, 700).astype(np.int64)
    end_day = start_day + rng.integers(14, 150, size=campaigns)
    statuses = np.array(list(CAMPAIGN_STATUS_SHARES))
    camp_status = statuses[
        np.searchsorted(np.cumsum(list(CAMPAIGN_STATUS_SHARES.values())), rng.random(campaigns), side="right").clip(
            0, len(statuses) - 1
        )
    ]
    ended = end_day < today_d
    # Most campaigns that ended were closed by their sponsor; a few are still 'active' past their end.
    close_them = ended & (camp_status == "active") & (rng.random(campaigns) < 0.8)
    camp_status[close_them] = "completed"
    camp_status[(camp_status == "completed") & ~ended] = "active"
    camp_public = rng.random(campaigns) >= 0.15
    camp_flagged = rng.random(campaigns) < 0.01
    camp_created = (start_day * 86400 - rng.integers(86400, 30 * 86400, size=campaigns)).clip(max=now_s - 3600)
    camp_created = np.maximum(camp_created, sp_created[camp_owner_idx] + 3600) if campaigns else camp_created
    camp_budget = rng.integers(20, 2_000, size=campaigns) * 10_000  # $2,000 .. $200,000
    summary.campaigns = campaigns
    if campaigns:
        summary.busiest_sponsor_id = int(sp_ids[0])
        summary.busiest_sponsor_campaigns = int(busiest)

    # ---- ad requests: unique (campaign, influencer) pairs on non-draft campaigns -------------------
    eligible = np.flatnonzero(camp_status != "draft")
    req_camp_idx = np.zeros(0, dtype=np.int64)
    req_inf_idx = np.zeros(0, dtype=np.int64)
    if requests:
        if len(eligible) == 0:
            raise ValueError("Every generated campaign is a draft; nothing can hold requests.")
        camp_weight = rng.gamma(1.5, 1.0, size=len(eligible))
        inf_weight = (inf_score.astype(np.float64) + 5.0) ** 2
        seen = np.zeros(0, dtype=np.int64)
        want = requests
        pairs_capacity = len(eligible) * influencers
        if requests > pairs_capacity:
            raise ValueError("More requests than distinct (campaign, influencer) pairs.")
        while want > 0:
            draw = int(want * 1.05) + 16
            c = _weighted_choice(rng, eligible, camp_weight, draw)
            drawn_inf = (
                _weighted_choice(rng, np.arange(influencers), inf_weight, draw)
                if influencers > 1
                else np.zeros(draw, dtype=np.int64)
            )
            key = c * influencers + drawn_inf
            merged = np.concatenate([seen, key])
            _, first = np.unique(merged, return_index=True)
            first.sort()
            seen = merged[first][:requests]
            want = requests - len(seen)
            if want > 0 and draw > 50 * requests:  # pragma: no cover - pathological tiny spaces
                camp_weight = np.ones_like(camp_weight)
                inf_weight = np.ones_like(inf_weight)
        rng.shuffle(seen)
        req_camp_idx, req_inf_idx = seen // influencers, seen % influencers
        # Requests are numbered in creation order so ids grow with time.
    n = len(req_camp_idx)
    status_names = np.array(list(STATUS_SHARES))
    req_status = status_names[
        np.searchsorted(np.cumsum(list(STATUS_SHARES.values())), rng.random(n), side="right").clip(
            0, len(status_names) - 1
        )
    ]
    r_camp_status = camp_status[req_camp_idx]
    closed = np.isin(r_camp_status, ["completed", "cancelled"])
    req_status[closed & np.isin(req_status, ["pending", "negotiating"])] = "withdrawn"
    req_status[(r_camp_status == "completed") & (req_status == "accepted")] = "completed"
    req_status[(r_camp_status == "active") & (req_status == "completed") & (rng.random(n) < 0.3)] = "accepted"
    initiated = np.where(rng.random(n) < 0.7, "sponsor", "influencer")
    turn = np.full(n, None, dtype=object)
    pending = req_status == "pending"
    turn[pending] = np.where(initiated[pending] == "sponsor", "influencer", "sponsor")
    nego = req_status == "negotiating"
    turn[nego] = np.where(rng.random(int(nego.sum())) < 0.5, "influencer", "sponsor")
    payment = (np.clip(rng.lognormal(math.log(400), 0.8, size=n), 25, 25_000).astype(np.int64)) * 100
    first_payment = np.where(
        req_status == "pending", payment, (payment * rng.uniform(0.7, 1.2, size=n)).astype(np.int64) // 100 * 100 + 100
    )
    c_created = camp_created[req_camp_idx]
    c_end = end_day[req_camp_idx] * 86400 + 86399
    window_end = np.minimum(np.maximum(c_end, c_created + 86400), now_s - 60)
    created = c_created + (rng.random(n) * np.maximum(window_end - c_created, 60)).astype(np.int64)
    order = np.argsort(created, kind="stable")
    req_camp_idx, req_inf_idx = req_camp_idx[order], req_inf_idx[order]
    req_status, initiated, turn = req_status[order], initiated[order], turn[order]
    payment, first_payment, created = payment[order], first_payment[order], created[order]
    open_or_new = np.isin(req_status, ["pending"])
    updated = np.where(open_or_new, created, np.minimum(created + rng.integers(600, 14 * 86400, size=n), now_s - 30))
    accepted_mask = np.isin(req_status, ["accepted", "completed"])
    completed_mask = req_status == "completed"
    accepted_at = np.where(accepted_mask, updated, 0)
    completed_at = np.where(
        completed_mask, np.minimum(accepted_at + rng.integers(86400, 30 * 86400, size=n), now_s - 10), 0
    )
    updated = np.where(completed_mask, completed_at, updated)

    # committed_cents per campaign; raise budgets that the generated deals would exceed.
    committed = (
        np.bincount(req_camp_idx[accepted_mask], weights=payment[accepted_mask], minlength=campaigns).astype(np.int64)
        if campaigns
        else np.zeros(0, np.int64)
    )
    headroom = (committed * rng.uniform(1.0, 1.6, size=campaigns)).astype(np.int64) // 10_000 * 10_000 + 10_000
    camp_budget = np.where(committed > camp_budget, headroom, camp_budget)
    camp_budget = np.maximum(camp_budget, committed)
    phase("generate_campaigns_requests")

    camp_listed = (
        camp_public & ~camp_flagged & (camp_status == "active") & sp_good[camp_owner_idx]
        if campaigns
        else np.zeros(0, dtype=bool)
    )
    cat_idx = rng.integers(0, len(cat_names), size=campaigns)
    niche_pick = rng.random(campaigns)
    seasons, adjectives = _pick(rng, SEASONS, campaigns), _pick(rng, ADJECTIVES, campaigns)
    nouns, cities = _pick(rng, NOUNS, campaigns), _pick(rng, CITIES, campaigns)
    templates, goals = _pick(rng, DESCRIPTIONS, campaigns), _pick(rng, GOALS, campaigns)
    start_text, end_text = _dates(start_day), _dates(end_day)
    camp_created_text = _timestamps(camp_created)
    camp_rows = []
    for k in range(campaigns):
        category = cat_names[cat_idx[k]]
        niches = CATEGORIES[category]
        niche = niches[int(niche_pick[k] * len(niches))]
        name = f"{seasons[k]} {adjectives[k]} {nouns[k]}"
        description = templates[k].format(
            category=category.lower(), niche=niche, city=cities[k], season=seasons[k].lower(), noun=nouns[k].lower()
        )
        camp_rows.append(
            (
                int(camp_ids[k]),
                int(camp_sponsor[k]),
                name,
                description,
                category,
                niche,
                goals[k],
                start_text[k],
                end_text[k],
                int(camp_budget[k]),
                int(committed[k]),
                bool(camp_public[k]),
                str(camp_status[k]),
                bool(camp_flagged[k]),
                "Misleading claims" if camp_flagged[k] else None,
                bool(camp_listed[k]),
                camp_created_text[k],
                camp_created_text[k],
            )
        )
    loader.insert(
        "campaigns",
        [
            "id",
            "sponsor_id",
            "name",
            "description",
            "category",
            "niche",
            "goals",
            "start_date",
            "end_date",
            "budget_cents",
            "committed_cents",
            "is_public",
            "status",
            "flagged",
            "flag_reason",
            "listed",
            "created_at",
            "updated_at",
        ],
        camp_rows,
    )
    del camp_rows
    phase("campaigns")

    req_ids = base_request + 1 + np.arange(n, dtype=np.int64)
    r_camp_ids = camp_ids[req_camp_idx] if n else np.zeros(0, np.int64)
    r_inf_ids = inf_ids[req_inf_idx] if n else np.zeros(0, np.int64)
    requirements = _pick(rng, REQUIREMENTS, n)
    created_text, updated_text = _timestamps(created), _timestamps(updated)
    accepted_text: list[str | None] = [None] * n
    completed_text: list[str | None] = [None] * n
    for target, mask, values in (
        (accepted_text, accepted_mask, accepted_at),
        (completed_text, completed_mask, completed_at),
    ):
        for index, value in zip(np.flatnonzero(mask).tolist(), _timestamps(values[mask])):
            target[index] = value
    rows = list(
        zip(
            req_ids.tolist(),
            r_camp_ids.tolist(),
            r_inf_ids.tolist(),
            initiated.tolist(),
            requirements,
            payment.tolist(),
            req_status.tolist(),
            turn.tolist(),
            created_text,
            updated_text,
            accepted_text,
            completed_text,
        )
    )
    del accepted_text, completed_text, updated_text
    summary.ad_requests = loader.insert(
        "ad_requests",
        [
            "id",
            "campaign_id",
            "influencer_id",
            "initiated_by",
            "requirements",
            "payment_cents",
            "status",
            "turn",
            "created_at",
            "updated_at",
            "accepted_at",
            "completed_at",
        ],
        rows,
    )
    del rows
    phase("ad_requests")

    if events and n:
        r_sponsor = camp_sponsor[req_camp_idx]
        by_sponsor = initiated == "sponsor"
        actor_ids = np.where(by_sponsor, r_sponsor, r_inf_ids).tolist()
        messages = _pick(rng, MESSAGES, n)
        event_ids = (base_event + 1 + np.arange(n, dtype=np.int64)).tolist()
        actions = np.where(by_sponsor, "sent", "asked").tolist()
        rows = list(
            zip(
                event_ids,
                req_ids.tolist(),
                actor_ids,
                initiated.tolist(),
                actions,
                [None] * n,
                ["pending"] * n,
                first_payment.tolist(),
                messages,
                created_text,
            )
        )
        summary.events = loader.insert(
            "ad_request_events",
            [
                "id",
                "ad_request_id",
                "actor_id",
                "actor_party",
                "action",
                "from_status",
                "to_status",
                "amount_cents",
                "message",
                "at",
            ],
            rows,
        )
        del rows
        phase("events")
    if n:
        summary.documents = _load_documents(
            conn,
            loader,
            rng,
            now_s,
            req_ids,
            camp_sponsor[req_camp_idx],
            r_camp_ids,
            r_inf_ids,
            payment,
            req_status,
            accepted_at,
            completed_at,
        )
        phase("documents")
    if n:
        summary.busiest_influencer_id = int(inf_ids[np.bincount(req_inf_idx, minlength=influencers).argmax()])
    _load_organizations(conn)
    phase("organizations")

    for statement in restore:
        if statement.upper().startswith("CREATE TRIGGER"):
            continue
        conn.exec_driver_sql(statement)
    phase("create_indexes")
    if conn.dialect.name == "sqlite":
        for fts in ("influencer_fts", "campaign_fts"):
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        for statement in restore:
            if statement.upper().startswith("CREATE TRIGGER"):
                conn.exec_driver_sql(statement)
        phase("fulltext")
    else:
        for table in ("users", "campaigns", "ad_requests", "ad_request_events"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
    with db.Session(bind=conn) as session:
        cachegen.bump(session, cachegen.STATS, cachegen.INFLUENCERS, cachegen.CAMPAIGNS)
        session.flush()


def main(argv: list[str] | None = None) -> int:
    from core.platform import bootstrap
    from core.platform.config import get_settings
    from core.platform.db import connect

    parser = argparse.ArgumentParser(description="Generate a large believable IESCP data set quickly.")
    parser.add_argument("--influencers", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--sponsors", type=int, default=None, help="default: campaigns / 25")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-events", action="store_true", help="skip the opening history event per request")
    parser.add_argument("--url", default=None, help="database URL (default: IESCP_DATABASE_URL / settings)")
    args = parser.parse_args(argv)
    url = args.url or get_settings().database_url
    database = connect(url)
    try:
        result = bootstrap.init_database(database)
        if result.generated_admin_password:
            print(f"admin password (shown once): {result.generated_admin_password}")
        summary = seed_bulk(
            database,
            influencers=args.influencers,
            campaigns=args.campaigns,
            requests=args.requests,
            sponsors=args.sponsors,
            seed=args.seed,
            events=not args.no_events,
            log=lambda m: print(f"  {m}", file=sys.stderr),
        )
    finally:
        database.dispose()
    print(
        f"loaded {summary.influencers:,} influencers, {summary.sponsors:,} sponsors, {summary.campaigns:,} "
        f"campaigns, {summary.ad_requests:,} ad requests, {summary.events:,} events in "
        f"{summary.seconds['total']:.1f} s (cpu {summary.cpu_seconds:.1f} s)"
    )
    print(
        f"busiest sponsor: user id {summary.busiest_sponsor_id} ({summary.busiest_sponsor_campaigns:,} campaigns); "
        f"every bulk user's password is {summary.password!r}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
