"""Metrics with provenance on screen: measured figures plain, estimates greyed in italics with "≈", gaps explained."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from core.crm.metrics import Metric
from core.money import format_cents
from pages.common.markup import Markdown, md

SUFFIX = {"estimated": " (estimated)", "imported": " (imported)", "measured": ""}


def value_text(metric: Metric) -> str:
    """The bare value: 12,300 / 4.0% / $1,234.56 (— when unavailable)."""
    if metric.value is None:
        return "—"
    if metric.unit == "cents":
        return format_cents(int(metric.value))
    if metric.unit == "percent":
        return f"{float(metric.value):.1f}%"
    return f"{int(metric.value):,}"


def metric_text(metric: Metric) -> str:
    """The value with its provenance in words: '≈ 12,300 (estimated)', '12,300 (imported)', '— (unavailable)'."""
    if metric.kind == "unavailable":
        return "— (unavailable)"
    prefix = "≈ " if metric.kind == "estimated" else ""
    return f"{prefix}{value_text(metric)}{SUFFIX[metric.kind]}"


def metric_markdown(metric: Metric) -> Markdown:
    """Estimated and unavailable values greyed (estimates also in italics); measured ones bold, imported plain."""
    text = metric_text(metric)
    if metric.kind == "estimated":
        return md(":gray[*{text}*]", text=text)
    if metric.kind == "unavailable":
        return md(":gray[{text}]", text=text)
    if metric.kind == "imported":
        return md("{text}", text=text)
    return md("**{text}**", text=text)


def provenance(metric: Metric) -> str:
    """Where a value comes from, and as of when (or why it is missing)."""
    when = f" · as of {metric.as_of:%d %b %Y}" if metric.as_of else ""
    return f"{metric.source}{when}"


def show_metrics(metrics: Iterable[Metric], *, per_row: int = 3) -> None:
    """A grid of labelled values; each says where it comes from (columns stack on a phone)."""
    items = list(metrics)
    for start in range(0, len(items), per_row):
        for column, metric in zip(st.columns(per_row), items[start : start + per_row]):
            with column:
                st.caption(metric.label)
                st.markdown(metric_markdown(metric))
                st.caption(provenance(metric))
