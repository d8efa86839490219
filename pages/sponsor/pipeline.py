"""Pipeline: the organization's board (a column per stage), filters, one-click moves, and a card's notes, owner, tags."""

import streamlit as st

from core.crm import board
from core.errors import DomainError
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
pv.pending_move(actor)


def read_board(session, filters: dict) -> dict:
    return board.board(session, actor=actor, **filters, per_stage=pv.CARDS_PER_COLUMN, stage_limits=pv.column_limits())


def options_and_likely_board(session) -> tuple[dict, dict, dict | None]:
    """The filter choices and, in the same transaction, the board under the filters most likely picked (None when
    that read is refused: the board is read again below, where the refusal is shown)."""
    options = board.filter_options(session, actor=actor)
    likely = pv.likely_filters(options)
    try:
        return options, likely, read_board(session, likely)
    except DomainError:
        return options, likely, None


found = read(options_and_likely_board)
if found is None:
    st.stop()
options, likely, data = found
chosen = pv.filters(options)
if data is None or chosen != likely:
    data = read(lambda s: read_board(s, chosen))
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
    pv.card_detail(actor, data, options, chosen, can_write)
if actor.can("org.edit"):
    pv.stage_manager(actor, data["stages"])
