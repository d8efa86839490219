"""The influencer's monthly earnings chart: one series per word of core/deals/earnings.py, gaps filled."""

from __future__ import annotations

import pandas as pd

from core.deals import earnings
from core.reporting.charts import influencer as charts


def _months(rows):
    return pd.DataFrame(rows, columns=earnings.MONTH_COLUMNS)


def test_the_earnings_chart_has_one_series_per_figure_named_like_it():
    figure = charts.earnings_by_month_figure(_months([("2026-03", 40_000, 20_000, 10_000)]))
    assert [trace.name for trace in figure.data] == ["Agreed", "Invoiced", "Paid"]
    assert [trace.y[-1] for trace in figure.data] == [400.0, 200.0, 100.0]


def test_months_without_money_are_zero_and_at_least_six_months_are_shown():
    series = charts.monthly_series(_months([("2026-01", 10_000, 0, 0), ("2026-03", 0, 5_000, 5_000)]))
    assert list(series["month"]) == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert list(series["agreed_cents"]) == [0, 0, 0, 100.0, 0, 0]
    assert list(series["paid_cents"]) == [0, 0, 0, 0, 0, 50.0]


def test_an_empty_month_table_draws_an_empty_chart_without_crashing():
    figure = charts.earnings_by_month_figure(_months([]))
    assert [len(trace.x) for trace in figure.data] == [0, 0, 0]
