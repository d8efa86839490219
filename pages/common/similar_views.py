"""The "similar creators" panel under an influencer profile (sponsors and admins), from the find-similar index."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.crm import similar
from core.permissions import Actor
from pages.common.session import read
from pages.common.widgets import empty_state
from pages.common.formatting import count_column, table

COLUMNS = {
    "display_name": "Creator",
    "tier": "Tier",
    "followers": count_column("Followers"),
    "engagement_rate": st.column_config.NumberColumn("Engagement", format="%.1f%%"),
    "why": st.column_config.TextColumn("Why it matches", width="large"),
}


def similar_panel(actor: Actor, influencer_id: int) -> None:
    """A table of the most similar listed creators with what they share, or an empty state."""
    results = read(lambda s: similar.similar_to(s, actor=actor, influencer_id=influencer_id))
    if results is None:
        return
    if not results:
        empty_state("No similar creators found yet — the index is rebuilt every hour from listed profiles.", icon="🧭")
        return
    # A dataframe shows cell text literally (no Markdown), so names and terms need no escaping here.
    table(pd.DataFrame(results), column_config=COLUMNS, column_order=list(COLUMNS), hide_index=True)
