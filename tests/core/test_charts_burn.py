"""The sponsor's budget burn: scaled to the money spent, the budget a reference line only when it is near."""

from __future__ import annotations

import pandas as pd

from core.reporting.charts import sponsor as charts


def _burn(rows):
    frame = pd.DataFrame(rows, columns=["day", "committed_cents", "invoiced_cents", "paid_cents"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


SPENT = _burn([("2026-03-01", 20_000, 0, 0), ("2026-03-05", 10_000, 20_000, 0), ("2026-03-09", 0, 0, 20_000)])


def test_a_budget_far_above_the_spending_leaves_the_axis_scaled_to_the_spending_and_is_stated_in_the_title():
    figure = charts.budget_burn_figure(SPENT, budget_cents=10_000_000)  # $100,000 budget, $300 committed
    low, high = figure.layout.yaxis.range
    assert low == 0 and 300 <= high < 400
    assert not figure.layout.shapes  # no budget line squashing the data
    assert "$100,000" in figure.layout.title.text


def test_a_budget_near_the_spending_is_a_labelled_reference_line_inside_the_axis():
    figure = charts.budget_burn_figure(SPENT, budget_cents=60_000)  # $600 budget, 2x the $300 committed
    assert [shape.y0 for shape in figure.layout.shapes] == [600.0]
    assert "Total budget $600" in figure.layout.annotations[0].text
    assert figure.layout.yaxis.range[1] >= 600
    assert not figure.layout.title.text


def test_the_burn_draws_running_totals_of_committed_invoiced_and_paid():
    figure = charts.budget_burn_figure(SPENT, budget_cents=60_000)
    totals = {trace.name: list(trace.y) for trace in figure.data}
    assert totals == {
        "Committed in total": [200.0, 300.0, 300.0],
        "Invoiced in total": [0.0, 200.0, 200.0],
        "Paid in total": [0.0, 0.0, 200.0],
    }


def test_the_budget_used_bullet_spans_exactly_the_budget_in_four_parts():
    figure = charts.budget_used_figure(30_000, 20_000, 5_000, 100_000)
    parts = {trace.name: trace.x[0] for trace in figure.data}
    assert parts == {"Paid": 50.0, "Invoiced, not paid": 150.0, "Committed, not invoiced": 100.0, "Uncommitted": 700.0}
    assert list(figure.layout.xaxis.range) == [0, 1000.0]
    assert "30% of the budget committed" in figure.layout.title.text
