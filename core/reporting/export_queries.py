"""The SELECTs behind the CSV exports: every cell already formatted by the database.

Each export column is an SQL expression that yields the cell's final text (or NULL for an empty
cell): money as exact units ('1234.56'), timestamps as 'YYYY-MM-DD HH:MM:SS', flags as words and
free text neutralised (csvsafe.neutralise_sql). So the same statement feeds PostgreSQL's COPY, which
never hands a row to Python, and a DB-API cursor into csv.writer with no per-cell Python code.
"""

from __future__ import annotations

from sqlalchemy import Column, String, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql._typing import ColumnExpressionArgument
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery
from sqlalchemy.sql.functions import FunctionElement

from core.models import (
    COMMITTED_AD_REQUEST_STATUSES,
    OPEN_AD_REQUEST_STATUSES,
    AdRequest,
    Campaign,
    InfluencerProfile,
    Organization,
)
from core.reporting.csvsafe import neutralise_sql


class timestamp_text(FunctionElement):  # noqa: N801 (reads as an SQL function)
    """A timestamp as 'YYYY-MM-DD HH:MM:SS' (seconds truncated, as datetime.isoformat(timespec='seconds'))."""

    type = String()
    inherit_cache = True


class date_text(FunctionElement):  # noqa: N801
    """A date as 'YYYY-MM-DD'."""

    type = String()
    inherit_cache = True


@compiles(timestamp_text)
@compiles(date_text)
def _stored_text(element, compiler, **kw) -> str:
    # SQLite keeps dates and timestamps as ISO text ('2026-03-10 12:04:32.000000'): cut, don't parse.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 19)"


@compiles(timestamp_text, "postgresql")
def _pg_timestamp(element, compiler, **kw) -> str:
    # A timestamp's own text output (DateStyle ISO, which psycopg needs anyway; copy_csv sets it) cut to
    # whole seconds: ~0.15 s less per column at 1M rows than to_char's pattern (bench/analysis.md).
    return f"date_trunc('second', {compiler.process(element.clauses, **kw)})::text"


@compiles(date_text, "postgresql")
def _pg_date(element, compiler, **kw) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


class money_text(FunctionElement):  # noqa: N801
    """Integer cents as exact currency units, 123456 → '1234.56', -5 → '-0.05' (NULL stays NULL)."""

    type = String()
    inherit_cache = True


@compiles(money_text)
def _sqlite_money(element, compiler, **kw) -> str:
    # printf is in every SQLite build (floor() needs the optional math functions); integer division.
    cents = compiler.process(element.clauses, **kw)
    return (
        f"CASE WHEN {cents} IS NULL THEN NULL ELSE printf('%s%d.%02d', CASE WHEN {cents} < 0 THEN '-' ELSE '' END, "
        f"abs({cents}) / 100, abs({cents}) % 100) END"
    )


@compiles(money_text, "postgresql")
def _pg_money(element, compiler, **kw) -> str:
    # mod(), not '%': the statement goes through a pyformat driver, where '%' starts a placeholder.
    cents = compiler.process(element.clauses, **kw)
    return (
        f"(CASE WHEN {cents} < 0 THEN '-' ELSE '' END || (abs({cents}) / 100)::text || '.' "
        f"|| lpad(mod(abs({cents}), 100)::text, 2, '0'))"
    )


LINE = "csv_line"  # the one column of a line query (lines=True)
# The characters that make csv.writer (QUOTE_MINIMAL, the excel dialect) quote a field.
QUOTE_TRIGGERS = (",", '"', "\n", "\r")


class csv_line(FunctionElement):  # noqa: N801
    """The cells as one CSV row, exactly as csv.writer writes it, without the row end (NULL as empty).

    SQLite only: printf('%s,%s,…') builds the row in one allocation, and %s of NULL is empty. Each
    text cell is already quoted by _csv_field. The cursor then hands Python one string per row.
    """

    type = String()
    inherit_cache = True


def _not_null(element: FunctionElement) -> bool:
    """Whether element's one argument is a table column declared NOT NULL."""
    (argument,) = element.clauses
    return isinstance(argument, Column) and not argument.nullable


@compiles(csv_line)
def _sqlite_line(element, compiler, **kw) -> str:
    formats, fields = [], []
    for clause in element.clauses:
        if isinstance(clause, timestamp_text | date_text):
            # printf's precision cuts the stored text as substr would, without a function call per cell.
            formats.append("%.19s" if isinstance(clause, timestamp_text) else "%.10s")
            fields.append(compiler.process(clause.clauses, **kw))
        elif isinstance(clause, money_text) and _not_null(clause):
            # The row's printf formats the amount itself (no nested printf per row); a NULL would
            # print as 0.00, hence only for NOT NULL columns.
            cents = compiler.process(clause.clauses, **kw)
            formats.append("%s%d.%02d")
            fields.append(f"CASE WHEN {cents} < 0 THEN '-' ELSE '' END, abs({cents}) / 100, abs({cents}) % 100")
        else:
            formats.append("%s")
            fields.append(compiler.process(clause, **kw))
    return f"printf('{','.join(formats)}', {', '.join(fields)})"


def _csv_field(cell: ColumnElement, source: ColumnExpressionArgument[str] | None) -> ColumnElement:
    """cell quoted as csv.writer would (quotes doubled) when source, the raw text it is made from, needs it.

    The test reads source, not cell: the cell differs only by a leading "'" or '' → NULL, which
    change nothing about quoting, and a CASE cell would be evaluated once per test.
    """
    if source is None:  # integers, money, timestamps, fixed words: never quoted
        return cell
    needs_quotes = or_(*(func.instr(source, literal(char)) > 0 for char in QUOTE_TRIGGERS))
    quoted = literal('"').concat(func.replace(cell, literal('"'), literal('""'))).concat(literal('"'))
    return case((needs_quotes, quoted), else_=cell)


def _plain(column: ColumnExpressionArgument[str]) -> ColumnElement:
    """A code-like text column (status, platform) as is, with '' as NULL (see csvsafe.neutralise_sql)."""
    return func.nullif(column, "")


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(scope_org: int | None, filters: dict, *, status, campaign, text_columns) -> list:
    """WHERE clauses shared by both export kinds: the owner's scope, then the user's filters."""
    conditions = []
    if scope_org is not None:
        conditions.append(Campaign.organization_id == scope_org)
    if filters.get("sponsor_id"):
        conditions.append(Campaign.sponsor_id == filters["sponsor_id"])
    if filters.get("status"):
        conditions.append(status == filters["status"])
    if filters.get("campaign_id"):
        conditions.append(campaign == filters["campaign_id"])
    if filters.get("text"):
        pattern = _like(filters["text"])
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in text_columns)))
    return conditions


def _request_counts() -> Subquery:
    return (
        select(
            AdRequest.campaign_id,
            func.count().label("requests"),
            func.sum(case((AdRequest.status.in_(COMMITTED_AD_REQUEST_STATUSES), 1), else_=0)).label("committed"),
            func.sum(case((AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES), 1), else_=0)).label("open"),
        )
        .group_by(AdRequest.campaign_id)
        .subquery()
    )


def _campaign_cells() -> tuple[dict[str, tuple], Subquery]:
    """{header: (cell expression, raw text it is made from or None)} of the campaigns export, and its counts."""
    counts = _request_counts()
    cells: dict[str, tuple] = {
        "campaign_id": (Campaign.id, None),
        "campaign": (neutralise_sql(Campaign.name), Campaign.name),
        "sponsor": (neutralise_sql(Organization.name), Organization.name),
        "category": (neutralise_sql(Campaign.category), Campaign.category),
        "niche": (neutralise_sql(Campaign.niche), Campaign.niche),
        "status": (_plain(Campaign.status), Campaign.status),
        "visibility": (case((Campaign.is_public, literal("public")), else_=literal("private")), None),
        "flagged": (case((Campaign.flagged, literal("yes")), else_=literal("no")), None),
        "start_date": (date_text(Campaign.start_date), None),
        "end_date": (date_text(Campaign.end_date), None),
        "budget": (money_text(Campaign.budget_cents), None),
        "committed": (money_text(Campaign.committed_cents), None),
        "remaining": (
            money_text(func.coalesce(Campaign.budget_cents, 0) - func.coalesce(Campaign.committed_cents, 0)),
            None,
        ),
        "requests": (func.coalesce(counts.c.requests, 0), None),
        "accepted_or_completed": (func.coalesce(counts.c.committed, 0), None),
        "open_requests": (func.coalesce(counts.c.open, 0), None),
        "created_at": (timestamp_text(Campaign.created_at), None),
    }
    return cells, counts


def _columns(cells: dict[str, tuple], lines: bool) -> list[ColumnElement]:
    """The SELECT list: one labelled column per cell, or (lines) the one CSV row column."""
    if lines:
        return [csv_line(*(_csv_field(cell, source) for cell, source in cells.values())).label(LINE)]
    return [cell.label(f"c{i}") for i, (cell, _) in enumerate(cells.values())]


def campaign_cells() -> tuple[list[str], list[ColumnElement], Subquery]:
    """(header, cell expressions, the request-count subquery they read) of the campaigns export."""
    cells, counts = _campaign_cells()
    return list(cells), _columns(cells, lines=False), counts


def _request_key_cells() -> dict[str, tuple]:
    """The ad requests export's first cells: the request's and its campaign's ids."""
    return {"request_id": (AdRequest.id, None), "campaign_id": (Campaign.id, None)}


def _campaign_name_cells() -> dict[str, tuple]:
    """The cells that name the request's campaign and sponsor (one lookup per campaign)."""
    return {
        "campaign": (neutralise_sql(Campaign.name), Campaign.name),
        "sponsor": (neutralise_sql(Organization.name), Organization.name),
    }


def _influencer_name_cells() -> dict[str, tuple]:
    """The cells that name the request's influencer (one lookup per profile)."""
    return {
        "influencer": (neutralise_sql(InfluencerProfile.display_name), InfluencerProfile.display_name),
        "platform": (_plain(InfluencerProfile.platform), InfluencerProfile.platform),
    }


def _request_tail_cells() -> dict[str, tuple]:
    """The cells read from the ad_requests row alone, after the names."""
    # status, turn and initiated_by are one of a few fixed words (the table's CHECK constraints): never
    # empty, never quoted, so they need no nullif or quote test (a function call per row each).
    return {
        "status": (AdRequest.status, None),
        "awaiting": (case((AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES), AdRequest.turn)), None),
        "initiated_by": (AdRequest.initiated_by, None),
        "payment": (money_text(AdRequest.payment_cents), None),
        "requirements": (neutralise_sql(AdRequest.requirements), AdRequest.requirements),
        "created_at": (timestamp_text(AdRequest.created_at), None),
        "updated_at": (timestamp_text(AdRequest.updated_at), None),
        "accepted_at": (timestamp_text(AdRequest.accepted_at), None),
        "completed_at": (timestamp_text(AdRequest.completed_at), None),
    }


def _ad_request_cells() -> dict[str, tuple]:
    """{header: (cell expression, raw text it is made from or None)} of the ad requests export."""
    return {**_request_key_cells(), **_campaign_name_cells(), **_influencer_name_cells(), **_request_tail_cells()}


def ad_request_cells() -> tuple[list[str], list[ColumnElement]]:
    """(header, cell expressions) of the ad requests export."""
    cells = _ad_request_cells()
    return list(cells), _columns(cells, lines=False)


CAMPAIGN_HEADER = campaign_cells()[0]
AD_REQUEST_HEADER = ad_request_cells()[0]

# The raw columns the ad request cells are made from: the bench's "bare fetch" floor selects these
# through the same joins, filters and order (so the same plan), with no formatting at all.
AD_REQUEST_RAW = (
    AdRequest.id,
    Campaign.id,
    Campaign.name,
    Organization.name,
    InfluencerProfile.display_name,
    InfluencerProfile.platform,
    AdRequest.status,
    AdRequest.turn,
    AdRequest.initiated_by,
    AdRequest.payment_cents,
    AdRequest.requirements,
    AdRequest.created_at,
    AdRequest.updated_at,
    AdRequest.accepted_at,
    AdRequest.completed_at,
)


def id_span(kind: str):
    """SELECT min(id), max(id) of the export's own table (the range a parallel export cuts up)."""
    table_id = Campaign.id if kind == "campaigns" else AdRequest.id
    return select(func.min(table_id), func.max(table_id))


def campaigns_query(scope_org: int | None, filters: dict, *, ids: tuple[int, int] | None = None, lines: bool = False):
    """The campaigns export, one row per campaign in id order, with its request counts.

    ids (first, last): only those campaigns; lines=True: one CSV row per result row (SQLite, see csv_line).
    """
    cells, counts = _campaign_cells()
    stmt = (
        select(*_columns(cells, lines))
        .join_from(Campaign, Organization, Organization.id == Campaign.organization_id)
        .outerjoin(counts, counts.c.campaign_id == Campaign.id)
        .order_by(Campaign.id)
    )
    if ids is not None:
        stmt = stmt.where(Campaign.id.between(*ids))
    return stmt.where(
        *_conditions(
            scope_org,
            filters,
            status=Campaign.status,
            campaign=Campaign.id,
            text_columns=(Campaign.name, Organization.name, Campaign.category),
        )
    )


def ad_requests_query(
    scope_org: int | None,
    filters: dict,
    *,
    raw: bool = False,
    ids: tuple[int, int] | None = None,
    lines: bool = False,
):
    """The ad requests export in request id order (raw=True: the unformatted columns, for the bench floor).

    ids (first, last): only the requests in that id range, one part of a parallel export; lines=True:
    one CSV row per result row (SQLite, see csv_line).

    Requests first: a whole-table export walks ad_requests by its primary key (already the output
    order, no sort) and looks each campaign, organization and profile up by primary key;
    tests/core/test_export_plans.py holds SQLite to that plan.
    """
    columns = AD_REQUEST_RAW if raw else _columns(_ad_request_cells(), lines)
    stmt = (
        select(*columns)
        .select_from(AdRequest)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(Organization, Organization.id == Campaign.organization_id)
        .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
        .order_by(AdRequest.id)
    )
    if ids is not None:
        stmt = stmt.where(AdRequest.id.between(*ids))
    return stmt.where(
        *_conditions(
            scope_org,
            filters,
            status=AdRequest.status,
            campaign=AdRequest.campaign_id,
            text_columns=(Campaign.name, InfluencerProfile.display_name, Organization.name),
        )
    )


# ---- SQLite's whole-table ad requests export: requests alone, names looked up in Python (export_lookup) ----


def _line_of(cells: dict[str, tuple]) -> ColumnElement:
    """cells as one CSV fragment (csv_line): the fields joined by commas, each quoted as csv.writer would."""
    return csv_line(*(_csv_field(cell, source) for cell, source in cells.values())).label(LINE)


def looks_names_up(scope_org: int | None, filters: dict) -> bool:
    """Whether an ad requests export reads every request (a status filter at most): export_lookup's case.

    A sponsor's export, a campaign's and a text search start from (or filter on) the joined tables, so
    they keep the joined query and its index plans.
    """
    return scope_org is None and not any(filters.get(key) for key in ("sponsor_id", "campaign_id", "text"))


def campaign_names_query(*, raw: bool = False):
    """(campaign id, its 'campaign,sponsor' CSV fields) for every campaign, as the export's join yields them.

    raw=True: the unformatted names (the bench's bare fetch).
    """
    names = (Campaign.name, Organization.name) if raw else (_line_of(_campaign_name_cells()),)
    return select(Campaign.id, *names).join_from(Campaign, Organization, Organization.id == Campaign.organization_id)


def influencer_names_query(*, raw: bool = False):
    """(influencer user id, its 'influencer,platform' CSV fields) for every profile (raw=True: unformatted)."""
    names = (InfluencerProfile.display_name, InfluencerProfile.platform)
    return select(InfluencerProfile.user_id, *(names if raw else (_line_of(_influencer_name_cells()),)))


def names_span(names):
    """SELECT min(id), max(id), count(*) over a names query (campaign_names_query, influencer_names_query)."""
    names = names.subquery()
    key = names.c[0]
    return select(func.min(key), func.max(key), func.count())


def ad_request_rows_query(filters: dict, *, raw: bool = False, ids: tuple[int, int] | None = None):
    """(id, campaign id, influencer id, the CSV fields after the names) of every request in id order.

    raw=True: the unformatted columns instead of the fields (the bench's bare fetch of this plan).
    ids: only requests with first <= id <= last (one process's range of a split export).
    The plan is one SCAN of ad_requests by rowid: no join, no sort (tests/core/test_export_plans.py).
    """
    columns = AD_REQUEST_RAW[6:] if raw else (_line_of(_request_tail_cells()),)
    stmt = select(AdRequest.id, AdRequest.campaign_id, AdRequest.influencer_id, *columns).order_by(AdRequest.id)
    if filters.get("status"):
        stmt = stmt.where(AdRequest.status == filters["status"])
    if ids is not None:
        stmt = stmt.where(AdRequest.id.between(*ids))
    return stmt
