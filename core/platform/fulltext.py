"""Full-text search: SQLite FTS5 tables kept in sync by triggers, PostgreSQL stored tsvector columns.

The FTS5 tables are invisible to the ORM metadata; the migration creates them with the DDL here
and Alembic's autogenerate is told to ignore them (core/migrations/env.py).
"""

from __future__ import annotations

import re

from sqlalchemy import func, literal_column, text
from sqlalchemy.sql import ColumnElement

FTS_TABLES = ("influencer_fts", "campaign_fts")
MAX_TERMS = 8

_INDEXED = {
    "influencer_fts": ("influencer_profiles", "user_id", ("display_name", "category", "niche", "bio")),
    "campaign_fts": ("campaigns", "id", ("name", "category", "niche", "description", "goals")),
}


def is_fts_name(name: str) -> bool:
    """True for FTS5 tables and their shadow tables (so Alembic leaves them alone)."""
    return any(name == t or name.startswith(f"{t}_") for t in FTS_TABLES)


def sqlite_ddl() -> list[str]:
    """CREATE statements for the FTS5 tables and their sync triggers."""
    statements = []
    for fts, (table, key, columns) in _INDEXED.items():
        cols = ", ".join(columns)
        new_vals = ", ".join(f"new.{c}" for c in columns)
        old_vals = ", ".join(f"old.{c}" for c in columns)
        statements += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='{key}', "
            "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.{key}, {new_vals}); END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{key}, {old_vals}); END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{key}, {old_vals}); "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.{key}, {new_vals}); END",
        ]
    return statements


def sqlite_drop_ddl() -> list[str]:
    stmts = []
    for fts in FTS_TABLES:
        stmts += [f"DROP TRIGGER IF EXISTS {fts}_{s}" for s in ("ai", "ad", "au")]
        stmts.append(f"DROP TABLE IF EXISTS {fts}")
    return stmts


PG_DOCUMENT_COLUMN = "search_document"
PG_TABLES = ("influencer_profiles", "campaigns")


def pg_document(table: str, *, qualified: bool = False) -> str:
    """The SQL expression of table's searchable text on PostgreSQL (what search_document stores)."""
    _, _, columns = _INDEXED[{"influencer_profiles": "influencer_fts", "campaigns": "campaign_fts"}[table]]
    prefix = f"{table}." if qualified else ""
    joined = " || ' ' || ".join(f"coalesce({prefix}{c}, '')" for c in columns)
    return f"to_tsvector('simple', {joined})"


def postgres_ddl() -> list[str]:
    """The stored tsvector column (generated from pg_document) and its GIN index, per table.

    Stored rather than an expression index: the GIN index answers prefix queries ('yog:*') only
    approximately, so PostgreSQL rechecks each candidate row; with an expression index every
    recheck re-ran to_tsvector (~15 µs a row: 1.3 s to count a common word over 100k profiles),
    and the planner, not knowing that cost, also chose to filter rows by the expression while
    walking the sort index. A stored column makes both cheap. See migration 0003.
    """
    return [
        statement
        for t in PG_TABLES
        for statement in (
            f"ALTER TABLE {t} ADD COLUMN {PG_DOCUMENT_COLUMN} tsvector GENERATED ALWAYS AS ({pg_document(t)}) STORED",
            f"CREATE INDEX ix_{t}_fulltext ON {t} USING gin ({PG_DOCUMENT_COLUMN})",
        )
    ]


def terms(query: str) -> list[str]:
    """Words of a user query, lower-cased, at most MAX_TERMS; punctuation cannot inject syntax."""
    return re.findall(r"\w+", (query or "").lower())[:MAX_TERMS]


def matching_ids(dialect: str, fts_table: str, query: str):
    """A selectable of rowids matching every word (as a prefix), or None for an empty query."""
    words = terms(query)
    if not words:
        return None
    if dialect == "sqlite":
        expression = " ".join(f'"{w}"*' for w in words)
        return text(f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :q").bindparams(q=expression)
    raise ValueError("matching_ids is for SQLite; use pg_match on PostgreSQL")


def pg_match(table: str, query: str) -> ColumnElement | None:
    """A WHERE clause matching every word as a prefix on PostgreSQL, or None for an empty query."""
    words = terms(query)
    if not words:
        return None
    tsquery = " & ".join(f"{w}:*" for w in words)
    return literal_column(f"{table}.{PG_DOCUMENT_COLUMN}").op("@@")(func.to_tsquery("simple", tsquery))
