"""Budget burn, the admin's finance overview, PO/invoice PDFs and the bookkeeping export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from core.deals import documents, finance, payments
from core.errors import InvalidInput, PermissionDenied
from core.reporting import bookkeeping, documents_pdf, reports
from core.reporting.charts import finance as charts
from tests import factories as f
from tests.core.test_deals import GOOD_CARD, _act, _approved_invoice, _doc


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))


def test_budget_burn_separates_committed_invoiced_owed_and_paid(database):
    sponsor, _, po_id, invoice_id = _approved_invoice(database)
    with database.ReadSession.begin() as s:
        burn = finance.budget_burn(s, actor=sponsor)
    row = burn.iloc[0]
    assert (row.committed_cents, row.invoiced_cents, row.owed_cents, row.paid_cents) == (20_000, 20_000, 20_000, 0)
    _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        idempotency_key="k",
        **GOOD_CARD,
    )
    with database.ReadSession.begin() as s:
        row = finance.budget_burn(s, actor=sponsor).iloc[0]
    assert (row.owed_cents, row.paid_cents, row.uncommitted_cents) == (0, 20_000, 80_000)
    parts = charts.burn_parts(burn)
    assert int(parts.iloc[0][[c for c in parts.columns if c.endswith("_cents")]].sum()) == 100_000


def test_the_finance_overview_ages_overdue_invoices_and_is_for_admins_only(database):
    sponsor, _, _, invoice_id = _approved_invoice(database)
    due = _doc(database, invoice_id).due_date
    with database.ReadSession.begin() as s:
        with pytest.raises(PermissionDenied):
            finance.finance_overview(s, actor=sponsor)
        overview = finance.finance_overview(s, actor=f.admin(database), on=due + dt.timedelta(days=45))
    ageing = overview["ageing"].set_index("bucket")
    assert ageing.loc["31–60 days", "count"] == 1 and ageing["count"].sum() == 1
    assert set(overview["by_status"]["kind"]) == {"po", "invoice"}


def test_an_invoice_renders_as_html_with_escaped_user_text_and_as_a_pdf(database):
    sponsor, influencer, _, invoice_id = _approved_invoice(database)
    from core.models import FinancialDocument

    with database.Session.begin() as s:
        s.get(FinancialDocument, invoice_id).legal_name = "<script>alert(1)</script> Maya"
    with database.ReadSession.begin() as s:
        html = documents_pdf.document_html(s, actor=influencer, document_id=invoice_id)
        assert "&lt;script&gt;" in html and "<script>" not in html
        assert _doc(database, invoice_id).number in html and "$200.00" in html
        if not reports.pdf_available():
            pytest.skip("WeasyPrint/pango is not installed here")
        pdf = documents_pdf.document_pdf(s, actor=sponsor, document_id=invoice_id)
    assert pdf.startswith(b"%PDF-")


def test_a_stranger_cannot_render_someone_elses_invoice(database):
    _, _, _, invoice_id = _approved_invoice(database)
    with database.ReadSession.begin() as s, pytest.raises(PermissionDenied):
        documents_pdf.document_html(s, actor=f.sponsor(database, name="Nosy"), document_id=invoice_id)


def test_the_bookkeeping_export_filters_by_date_and_status_and_neutralises_formulas(database):
    sponsor, _, _, invoice_id = _approved_invoice(database)
    from core.models import FinancialDocument

    with database.Session.begin() as s:
        s.get(FinancialDocument, invoice_id).description = '=HYPERLINK("http://evil")'
    today = dt.date.today()
    with database.ReadSession.begin() as s:
        rows = list(
            csv.DictReader(
                io.StringIO(
                    bookkeeping.documents_csv(s, actor=sponsor, start=today, end=today, statuses=("approved",)).decode()
                )
            )
        )
        later = bookkeeping.documents_csv(
            s, actor=sponsor, start=today + dt.timedelta(days=1), end=today + dt.timedelta(days=2)
        )
        with pytest.raises(InvalidInput):
            bookkeeping.documents_csv(s, actor=sponsor, start=today, end=today, statuses=("bogus",))
    assert [r["kind"] for r in rows] == ["invoice", "po"] and rows[0]["amount"] == "200.0"
    assert len(later.decode().splitlines()) == 1  # header only
    assert rows[0]["description"].startswith("'=")
    with database.ReadSession.begin() as s:  # stored as typed; only the CSV cell is neutralised
        assert documents.get_document(s, actor=sponsor, document_id=invoice_id)["description"].startswith("=")


def test_cached_money_views_show_a_payment_at_once_and_check_who_asks_first(database):
    from core.deals import cached

    sponsor, influencer, _, invoice_id = _approved_invoice(database)
    admin = f.admin(database)
    assert cached.budget_burn(database, actor=sponsor).iloc[0].paid_cents == 0
    assert cached.finance_overview(database, actor=admin)["by_status"]["count"].sum() == 2
    _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        idempotency_key="k",
        **GOOD_CARD,
    )
    assert cached.budget_burn(database, actor=sponsor).iloc[0].paid_cents == 20_000
    paid = cached.finance_overview(database, actor=admin)["by_status"].set_index(["kind", "status"])
    assert paid.loc[("invoice", "paid"), "amount_cents"] == 20_000
    with pytest.raises(PermissionDenied):
        cached.finance_overview(database, actor=sponsor)
    with pytest.raises(PermissionDenied):
        cached.budget_burn(database, actor=influencer)


@pytest.mark.parametrize(
    "days_late, bucket", [(1, "0–30 days"), (30, "0–30 days"), (31, "31–60 days"), (90, "61–90 days"), (91, "90+ days")]
)
def test_overdue_invoices_fall_into_the_right_age_bucket_at_its_edges(database, days_late, bucket):
    _, _, _, invoice_id = _approved_invoice(database)
    due = _doc(database, invoice_id).due_date
    with database.ReadSession.begin() as s:
        ageing = finance.finance_overview(s, actor=f.admin(database), on=due + dt.timedelta(days=days_late))["ageing"]
    counts = ageing.set_index("bucket")["count"]
    assert counts[bucket] == 1 and counts.sum() == 1
