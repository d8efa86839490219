"""Pipeline: the organization's board (a column per stage), filters, one-click moves, and a card's notes, owner, tags."""

import streamlit as st

from core.crm import board
from pages.common import pipeline_views as pv
from pages.common.session import current_actor, read, show_flash
from pages.common.widgets import empty_state

actor = current_actor(role="sponsor")
st.title("Pipeline", icon="🗂️")
st.caption(
    "Every creator your team works with or considers, from Cold to Final. Sending an ad request moves a Cold "
    "card to Active; an accepted deal moves it to Final."
)
show_flash()

options = read(lambda s: board.filter_options(s, actor=actor))
if options is None:
    st.stop()
chosen = pv.filters(options)
data = read(
    lambda s: board.board(s, actor=actor, **chosen, per_stage=pv.CARDS_PER_COLUMN, stage_limits=pv.column_limits())
)
if data is None:
    st.stop()
can_write = actor.can("pipeline.manage")
if not can_write:
    st.info(pv.READ_ONLY, icon="👀")
if data["cards"].empty:
    empty_state(
        "No cards here yet — on Find influencers, tick creators in the results and click “Add to pipeline (Cold)”.",
        icon="🗂️",
    )
pv.board_columns(actor, data, can_write)
if not data["cards"].empty:
    st.divider()
    pv.card_detail(actor, data, options, can_write)
if actor.can("org.edit"):
    pv.stage_manager(actor, data["stages"])
