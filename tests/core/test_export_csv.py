"""Export CSV bytes: COPY and the cursor path agree byte for byte, match Python's own CSV rules, and stream."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import delete, insert, literal, select, update

from core.models import AdRequest, Campaign, InfluencerProfile, Organization
from core.reporting import csvsafe, export_lookup, export_queries, export_stream, exports, lookup_rows
from tests import factories as f

# Text a spreadsheet would run, CSV metacharacters, control characters and non-ASCII, as stored values.
NASTY_NAMES = [
    "+1",
    "-1",
    "@x",
    "\tstarts with a tab",
    "\rstarts with CR",
    'say "hi", then leave',
    "Zoë «ünï» 😀 עברית",
    "back\\slash \\N \\.",  # backslash sequences that mean something to COPY's text format
]
NASTY_REQUIREMENTS = [
    "=cmd|' /C calc'!A0",
    "",
    "two\r\nlines",
    "one\nbreak",
    'quote " inside',
    "a,b,c",
    "tab\tinside",
    "-2+3",
]
# (stored cents, the cell the export must show): exact, no float rounding.
PAYMENTS = [(1, "0.01"), (5, "0.05"), (99, "0.99"), (100, "1.00"), (12_345, "123.45"), (99_999_999_999, "999999999.99")]
PAYMENTS += [(1_000_000_000_007, "10000000000.07"), (250, "2.50")]
# (status, turn, awaiting cell): "awaiting" only for open requests.
STATES = [("pending", "influencer", "influencer"), ("negotiating", "sponsor", "sponsor"), ("accepted", None, "")]
STATES += [("completed", None, ""), ("rejected", "sponsor", ""), ("pending", "sponsor", "sponsor")]
STATES += [("accepted", "influencer", ""), ("negotiating", None, "")]
CREATED = dt.datetime(2026, 3, 10, 12, 4, 32, 987_654)  # microseconds are cut, never rounded


@pytest.fixture
def nasty(database):
    """Eight ad requests whose names, requirements, amounts and dates exercise every formatting rule."""
    sponsor = f.sponsor(database, name="Acme")
    campaign_id = f.campaign(database, sponsor, name="Launch")
    influencers = [f.influencer(database, platform="youtube") for _ in NASTY_NAMES]
    with database.Session.begin() as s:
        # Stored as a bulk import might have left them: the services' input checks would refuse some.
        s.execute(update(Organization).where(Organization.id == sponsor.organization_id).values(name='=HYPERLINK("x")'))
        s.execute(update(Campaign).where(Campaign.id == campaign_id).values(name="Line\nbreak, naïve"))
        for who, name in zip(influencers, NASTY_NAMES, strict=True):
            s.execute(update(InfluencerProfile).where(InfluencerProfile.user_id == who.id).values(display_name=name))
        ids = [
            s.scalar(insert(AdRequest).values(row).returning(AdRequest.id))
            for row in (
                {
                    "campaign_id": campaign_id,
                    "influencer_id": who.id,
                    "initiated_by": "sponsor",
                    "payment_cents": cents,
                    "requirements": requirements,
                    "status": status,
                    "turn": turn,
                    "created_at": CREATED + dt.timedelta(days=i),
                    "updated_at": CREATED + dt.timedelta(days=i, hours=1),
                    "accepted_at": CREATED + dt.timedelta(days=i + 1) if status in ("accepted", "completed") else None,
                    "completed_at": CREATED + dt.timedelta(days=i + 2) if status == "completed" else None,
                }
                for i, (who, requirements, (cents, _), (status, turn, _)) in enumerate(
                    zip(influencers, NASTY_REQUIREMENTS, PAYMENTS, STATES, strict=True)
                )
            )
        ]
    return {"sponsor": sponsor, "campaign_id": campaign_id, "request_ids": ids}


def expected_csv(nasty) -> bytes:
    """What the export must contain, built with Python's csv module and csvsafe.neutralise (today's rules)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(export_queries.AD_REQUEST_HEADER)

    def stamp(value):
        return value.isoformat(sep=" ", timespec="seconds") if value else ""

    for i, rid in enumerate(nasty["request_ids"]):
        status, _, awaiting = STATES[i]
        accepted = CREATED + dt.timedelta(days=i + 1) if status in ("accepted", "completed") else None
        writer.writerow(
            [
                rid,
                nasty["campaign_id"],
                csvsafe.neutralise("Line\nbreak, naïve"),
                csvsafe.neutralise('=HYPERLINK("x")'),
                csvsafe.neutralise(NASTY_NAMES[i]),
                "youtube",
                status,
                awaiting,
                "sponsor",
                PAYMENTS[i][1],
                csvsafe.neutralise(NASTY_REQUIREMENTS[i]),
                stamp(CREATED + dt.timedelta(days=i)),
                stamp(CREATED + dt.timedelta(days=i, hours=1)),
                stamp(accepted),
                stamp(CREATED + dt.timedelta(days=i + 2) if status == "completed" else None),
            ]
        )
    return text.getvalue().encode("utf-8")


def export_bytes(database, stmt, header, path=export_stream.write_csv, on_rows=lambda rows: None) -> bytes:
    out = io.BytesIO()
    with database.ReadSession.begin() as s:
        path(s.connection(), stmt, header, out, on_rows)
    return out.getvalue()


def test_the_export_is_exactly_what_pythons_csv_writer_makes_of_the_neutralised_values(database, nasty):
    stmt = export_queries.ad_requests_query(None, {})

    got = export_bytes(database, stmt, export_queries.AD_REQUEST_HEADER)

    assert got == expected_csv(nasty)
    rows = list(csv.reader(io.StringIO(got.decode("utf-8"), newline="")))
    assert [r[3] for r in rows[1:]] == ['\'=HYPERLINK("x")'] * len(NASTY_NAMES)  # the formula is inert
    assert rows[1][10] == "'=cmd|' /C calc'!A0" and rows[5][4] == "'\rstarts with CR"
    assert got.count(b"\r\n") == len(rows) + 1  # CRLF row ends, plus the one stored inside a cell


@pytest.mark.postgres
def test_copy_and_the_cursor_path_write_the_same_bytes_on_postgresql(database, nasty):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    owner = nasty["sponsor"]
    for stmt, header in [
        (export_queries.ad_requests_query(None, {}), export_queries.AD_REQUEST_HEADER),
        (export_queries.ad_requests_query(owner.organization_id, {"text": "naïve"}), export_queries.AD_REQUEST_HEADER),
        (export_queries.campaigns_query(None, {}), export_queries.CAMPAIGN_HEADER),
    ]:
        copied = export_bytes(database, stmt, header, export_stream.copy_csv)
        written = export_bytes(database, stmt, header, export_stream.cursor_csv)

        assert copied == written
        assert copied.count(b"\n") > 2  # rows came through, not just the header
    assert export_bytes(database, export_queries.ad_requests_query(None, {}), export_queries.AD_REQUEST_HEADER,
                        export_stream.copy_csv) == expected_csv(nasty)  # fmt: skip


@pytest.mark.postgres
def test_copy_writes_iso_timestamps_whatever_date_style_the_server_was_given(database, nasty):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    out = io.BytesIO()
    with database.ReadSession.begin() as s:
        s.connection().exec_driver_sql("SET LOCAL DateStyle = 'SQL, DMY'")  # '10/03/2026 12:04:32' style

        export_stream.copy_csv(s.connection(), export_queries.ad_requests_query(None, {}),
                               export_queries.AD_REQUEST_HEADER, out, lambda rows: None)  # fmt: skip

    assert out.getvalue() == expected_csv(nasty)


def test_sqlite_builds_each_csv_row_in_the_select_exactly_as_csv_writer_does(database, nasty):
    if not database.is_sqlite:
        pytest.skip("the line queries are for SQLite; PostgreSQL's COPY writes its own rows")
    owner = nasty["sponsor"]
    cases = [
        (export_queries.ad_requests_query, None, {}, export_queries.AD_REQUEST_HEADER),
        (export_queries.ad_requests_query, owner.organization_id, {"text": "naïve"}, export_queries.AD_REQUEST_HEADER),
        (export_queries.campaigns_query, None, {}, export_queries.CAMPAIGN_HEADER),
    ]
    for query, scope, filters, header in cases:
        lines = export_bytes(database, query(scope, filters, lines=True), header)
        written = export_bytes(database, query(scope, filters), header, export_stream.cursor_csv)

        assert lines == written
        assert lines.count(b"\n") > 2  # rows came through, not just the header
    assert export_bytes(database, export_queries.ad_requests_query(None, {}, lines=True),
                        export_queries.AD_REQUEST_HEADER) == expected_csv(nasty)  # fmt: skip


def test_progress_is_reported_while_the_rows_stream(database, nasty, monkeypatch):
    monkeypatch.setattr(export_stream, "YIELD_PER", 3)
    seen: list[int] = []

    export_bytes(database, export_queries.ad_requests_query(None, {}), export_queries.AD_REQUEST_HEADER,
                 on_rows=seen.append)  # fmt: skip

    assert seen[:2] == [3, 6]  # before the last rows arrived
    assert seen[-1] == len(NASTY_NAMES) and seen == sorted(seen)


@pytest.mark.parametrize(
    ("cents", "cell"),
    [(0, "0.00"), (7, "0.07"), (-5, "-0.05"), (-12_345, "-123.45"), (10**15 + 1, "10000000000000.01")],
)
def test_money_cells_are_exact_for_zero_negative_and_huge_amounts(database, cents, cell):
    with database.ReadSession.begin() as s:
        assert s.scalar(select(export_queries.money_text(literal(cents)))) == cell


def lookup_bytes(database, filters, on_rows=lambda rows: None) -> bytes:
    out = io.BytesIO()
    with database.ReadSession.begin() as s:
        export_lookup.lookup_csv(s.connection(), filters, export_queries.AD_REQUEST_HEADER, out, on_rows)
    return out.getvalue()


def test_sqlite_puts_the_names_from_its_maps_into_each_row_exactly_as_the_joined_query_does(database, nasty):
    if not database.is_sqlite:
        pytest.skip("the name lookup is SQLite's whole-table path")

    assert lookup_bytes(database, {}) == expected_csv(nasty)
    for filters in ({"status": "pending"}, {"status": "completed"}):
        joined = export_bytes(database, export_queries.ad_requests_query(None, filters, lines=True),
                              export_queries.AD_REQUEST_HEADER)  # fmt: skip
        assert lookup_bytes(database, filters) == joined
        assert joined.count(b"\r\n") >= 2  # the header and at least one row


@pytest.mark.parametrize("dense_factor", [2, 0], ids=["list-maps", "dict-maps"])
def test_a_request_the_join_would_drop_is_left_out_of_the_lookup_export_too(database, nasty, monkeypatch, dense_factor):
    if not database.is_sqlite:
        pytest.skip("the name lookup is SQLite's whole-table path")
    monkeypatch.setattr(lookup_rows, "BATCH", 3)  # the missing profile falls in the middle of a batch
    monkeypatch.setattr(lookup_rows, "DENSE_FACTOR", dense_factor)  # 0: ids never dense enough for a list
    with database.Session.begin() as s:
        gone = s.scalar(select(AdRequest.influencer_id).where(AdRequest.id == nasty["request_ids"][4]))
        s.execute(delete(InfluencerProfile).where(InfluencerProfile.user_id == gone))
    seen: list[int] = []

    got = lookup_bytes(database, {}, on_rows=seen.append)

    joined = export_bytes(database, export_queries.ad_requests_query(None, {}, lines=True),
                          export_queries.AD_REQUEST_HEADER)  # fmt: skip
    assert got == joined
    assert f"\r\n{nasty['request_ids'][4]},".encode() not in got
    assert seen[0] == 3 and seen[-1] == len(NASTY_NAMES) - 1


def test_a_sqlite_export_of_every_request_reads_the_name_maps_and_a_sponsors_export_the_join(
    database, nasty, monkeypatch
):
    if not database.is_sqlite:
        pytest.skip("the name lookup is SQLite's whole-table path")
    looked_up: list[dict] = []
    real = export_lookup.lookup_csv

    def spy(connection, filters, *rest):
        looked_up.append(filters)
        return real(connection, filters, *rest)

    monkeypatch.setattr(export_lookup, "lookup_csv", spy)
    for actor in (f.admin(database), nasty["sponsor"]):
        with database.Session.begin() as s:
            job_id = exports.start_export(s, actor=actor, kind="ad_requests", filters={})
        assert exports.run_export(database, job_id) == "done"
        with database.ReadSession.begin() as s:
            assert exports.open_export(s, actor=actor, job_id=job_id)[1].read_bytes() == expected_csv(nasty)

    assert looked_up == [{}]  # the admin's export only
