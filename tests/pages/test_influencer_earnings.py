"""Profile & earnings: the figures and the monthly chart use the same three words and the same numbers."""

from __future__ import annotations

import json

from core.deals import documents
from tests import deal_steps as steps
from tests import factories as f
from tests.pages.conftest import app_test


def test_a_paid_deal_shows_as_agreed_invoiced_and_paid_in_the_figures_and_the_chart(app_db):
    sponsor, ana = f.sponsor(app_db), f.influencer(app_db)
    _, deliverable_id, po_id = steps.deal(app_db, sponsor, ana, "Spring run")  # $200.00
    invoice_id = steps.invoice(app_db, sponsor, ana, deliverable_id, po_id)
    steps.decide(app_db, documents.approve_document, sponsor, invoice_id)
    steps.pay(app_db, sponsor, invoice_id)
    steps.deal(app_db, sponsor, ana, "Summer run")  # $200.00 agreed, not invoiced yet

    at = app_test("pages/influencer/profile.py", ana.id).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Agreed"], metrics["Invoiced"], metrics["Paid"]) == ("$400.00", "$200.00", "$200.00")
    # Nothing says $0.00 earned beside a chart of agreed money: every series is named like a figure.
    chart = at.get("plotly_chart")[0].proto.spec
    names = [trace["name"] for trace in json.loads(chart)["data"]]
    assert names == ["Agreed", "Invoiced", "Paid"] and set(names) <= set(metrics)
