"""Earned, agreed, invoiced, paid: one definition (core/deals/earnings.py), checked deal by deal."""

from __future__ import annotations

import pandas as pd
import pytest

from core.deals import cancellation, documents, earnings, finance
from core.errors import PermissionDenied
from core.marketplace import ad_requests, stats
from core.platform.timeutil import today
from tests import deal_steps as steps
from tests import factories as f


def _cancel(database, sponsor, request_id):
    steps.act(
        database,
        lambda s, **_: cancellation.cancel_deal(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            reason="Budget cut",
        ),
    )


def test_agreed_invoiced_and_paid_each_count_their_own_deals(database):
    sponsor, ana = f.sponsor(database), f.influencer(database)
    _, paid_d, paid_po = steps.deal(database, sponsor, ana, "Paid deal")  # $200, invoiced and paid
    paid_invoice = steps.invoice(database, sponsor, ana, paid_d, paid_po)
    steps.decide(database, documents.approve_document, sponsor, paid_invoice)
    steps.pay(database, sponsor, paid_invoice)
    _, owed_d, owed_po = steps.deal(database, sponsor, ana, "Owed deal")  # $200, invoiced and approved
    steps.decide(database, documents.approve_document, sponsor, steps.invoice(database, sponsor, ana, owed_d, owed_po))
    _, bad_d, bad_po = steps.deal(database, sponsor, ana, "Rejected invoice")  # $200, its invoice rejected
    steps.decide(
        database,
        documents.reject_document,
        sponsor,
        steps.invoice(database, sponsor, ana, bad_d, bad_po),
        reason="Wrong IBAN",
    )
    steps.deal(database, sponsor, ana, "Agreed only")  # $200, nothing invoiced
    cancelled_id, _, _ = steps.deal(database, sponsor, ana, "Cancelled")  # $200, cancelled: never agreed money
    _cancel(database, sponsor, cancelled_id)
    f.request(database, sponsor, f.campaign(database, sponsor), ana, payment_cents=7_000)  # an open offer

    summary = f.read(database, lambda s: earnings.summary(s, actor=ana))
    assert summary == {
        "agreed_cents": 80_000,
        "invoiced_cents": 40_000,
        "paid_cents": 20_000,
        "to_invoice_cents": 40_000,
        "awaiting_payment_cents": 20_000,
        "open_offers_cents": 7_000,
        "awaiting_me": 1,
    }
    by_month = f.read(database, lambda s: earnings.by_month(s, actor=ana))
    this_month = today().strftime("%Y-%m")
    assert by_month.to_dict("records") == [
        {"month": this_month, "agreed_cents": 80_000, "invoiced_cents": 40_000, "paid_cents": 20_000}
    ]
    # The monthly series add up to the figures: one definition, not two.
    assert {c: int(by_month[c].sum()) for c in earnings.LABELS} == {c: summary[c] for c in earnings.LABELS}


def test_a_new_influencer_has_no_earnings_and_an_empty_month_table(database):
    ana = f.influencer(database)
    assert f.read(database, lambda s: earnings.summary(s, actor=ana))["paid_cents"] == 0
    by_month = f.read(database, lambda s: earnings.by_month(s, actor=ana))
    assert by_month.empty and list(by_month.columns) == earnings.MONTH_COLUMNS


def test_only_an_influencer_reads_earnings(database):
    sponsor = f.sponsor(database)
    for read in (earnings.summary, earnings.by_month):
        with pytest.raises(PermissionDenied):
            f.read(database, lambda s, read=read: read(s, actor=sponsor))


def test_the_sponsors_burn_by_day_counts_the_same_money_as_the_influencers_earnings(database):
    sponsor, ana = f.sponsor(database), f.influencer(database)
    _, paid_d, paid_po = steps.deal(database, sponsor, ana, "Paid deal")
    paid_invoice = steps.invoice(database, sponsor, ana, paid_d, paid_po)
    steps.decide(database, documents.approve_document, sponsor, paid_invoice)
    steps.pay(database, sponsor, paid_invoice)
    steps.deal(database, sponsor, ana, "Agreed only")
    burn = f.read(database, lambda s: finance.burn_by_day(s, actor=sponsor))
    summary = f.read(database, lambda s: earnings.summary(s, actor=ana))
    # The sponsor's "committed" is the influencer's "agreed": the same fees seen from the other side.
    spent = (int(burn["committed_cents"].sum()), int(burn["invoiced_cents"].sum()), int(burn["paid_cents"].sum()))
    assert (
        spent == (summary["agreed_cents"], summary["invoiced_cents"], summary["paid_cents"]) == (40_000, 20_000, 20_000)
    )
    assert list(burn["day"]) == [pd.Timestamp(today())]


def test_the_admins_paid_figure_and_chart_count_paid_invoices_not_completed_jobs(database):
    sponsor, ana = f.sponsor(database), f.influencer(database)
    _, paid_d, paid_po = steps.deal(database, sponsor, ana, "Paid deal")
    paid_invoice = steps.invoice(database, sponsor, ana, paid_d, paid_po)
    steps.decide(database, documents.approve_document, sponsor, paid_invoice)
    steps.pay(database, sponsor, paid_invoice)
    _, owed_d, owed_po = steps.deal(database, sponsor, ana, "Owed deal")  # work done and invoiced, not paid
    steps.decide(database, documents.approve_document, sponsor, steps.invoice(database, sponsor, ana, owed_d, owed_po))
    figures = f.read(database, lambda s: stats.admin_statistics(s, actor=f.admin(database)))
    assert figures["ad_requests"]["paid_cents"] == 20_000 and figures["ad_requests"]["completed"] == 2
    month = today().strftime("%Y-%m")
    assert figures["money_by_month"].to_dict("records") == [
        {"month": month, "committed_cents": 40_000, "paid_cents": 20_000}
    ]
