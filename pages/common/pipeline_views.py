"""Pipeline page parts: filters, the board's columns with one-click moves, a card's detail, stage management."""

from __future__ import annotations

import time
from collections import Counter

import pandas as pd
import streamlit as st

from core.crm import board, pipeline, stages
from core.errors import NotFound
from core.permissions import Actor
from pages.common.markup import literal, md
from pages.common.session import read, run_action
from pages.common.widgets import empty_state
from pages.common.pickers import likely_choice, pick
from pages.common.formatting import day, moment, moment_column, table

CARD = "pipeline-card"  # session key: the id of the card whose detail is shown (the card picker remembers it here)
OPENED = f"{CARD}-open"  # set by a card's Open: the picker, when drawn, starts on it
MOVE = f"{CARD}-move"  # set by a card's control: the move done at the top of the next run, before the board is read
MOVE_FRESH_S = 30  # a recorded move older than this is dropped, not done (the click and its run are ms apart)
ACT = "pipeline-act"  # key prefix of a card's control (← stage · Open · stage →): f"{ACT}-{record_id}"
FINDER = f"{CARD}-finder"  # the "Find any card" expander's open state
CARDS_PER_COLUMN = 6  # drawn per column at first (a column scrolls after ~5); "Show more" adds as many again
MORE = "pipeline-more"  # session key: {stage_id: how many cards that column shows} for columns grown by Show more
COLUMN_HEIGHT = 560  # each column scrolls on its own, so the card detail stays close below the board
HISTORY_COLUMNS = {
    "at": moment_column("When"),
    "by": "By",
    "from_stage": "From",
    "to_stage": "To",
    "automatic": st.column_config.CheckboxColumn("Automatic"),
    "note": st.column_config.TextColumn("Note", width="large"),
}
READ_ONLY = "Your role can read the pipeline but not move cards, tag or take notes (ask an owner or a manager)."


def _unique(labels: dict) -> dict:
    """Labels with " (#id)" added where two share a name: a selectbox keeps its choice by label."""
    seen = Counter(labels.values())  # not list.count per label: a busy organization has 1,000 campaigns
    return {key: f"{name} (#{key})" if seen[name] > 1 else name for key, name in labels.items()}


def _filter_choices(options: dict) -> dict:
    """{board() keyword: (picker label, session key, {value: label})} of the three filters."""
    return {
        "campaign_id": ("Board", "pipeline-campaign", {None: "Whole organization", **_unique(options["campaigns"])}),
        "owner_id": ("Owner", "pipeline-owner", {None: "Anyone", **_unique(options["members"])}),
        "tag": ("Tag", "pipeline-tag", {None: "Any", **{t: t for t in options["tags"]}}),
    }


def filters(options: dict) -> dict:
    """Campaign / owner / tag filters as board() keyword arguments."""
    where = dict(zip(("campaign_id", "owner_id", "tag"), st.columns(3)))
    return {
        name: pick(label, choices, key=key, where=where[name])
        for name, (label, key, choices) in _filter_choices(options).items()
    }


def likely_filters(options: dict) -> dict:
    """The board() keywords filters(options) will most likely return on this run (pickers.likely_choice): a guess for
    reading the board in the options' own transaction; the page compares it with what filters() returns."""
    return {name: likely_choice(key, choices) for name, (_, key, choices) in _filter_choices(options).items()}


def pending_move(actor: Actor) -> None:
    """Do the move a card's control asked for, before the board is read: the run that follows the click shows the
    card in its new column (one run per click; drawing the board, moving, then rerunning cost two)."""
    asked = st.session_state.pop(MOVE, None)
    # Only the click of this user in this very run: a run stopped before this line (a session that expired at the
    # click) must not leave a move for a later visit, or for whoever logs in next in this browser.
    if not isinstance(asked, dict) or asked.get("by") != actor.id or time.monotonic() - asked["at"] > MOVE_FRESH_S:
        return
    run_action(
        lambda s: pipeline.move_record(
            s,
            actor=actor,
            record_id=asked["record_id"],
            to_stage_id=asked["stage_id"],
            expected_version=asked["version"],
        ),
        success=md("Moved **{name}** to {stage}", name=asked["name"], stage=asked["stage"]),
    )


def _card(actor: Actor, card: dict, left: dict | None, right: dict | None, can_write: bool) -> None:
    with st.container(border=True):
        followers = "" if pd.isna(card["followers"]) else f"{int(card['followers']):,} followers"
        owner = f"owner {card['owner']}" if card["owner"] else "no owner"
        facts = [card["tier"], followers, f"last contact {day(card['last_contact_at'])}", owner]
        if card["tags"]:
            facts.append("🏷 " + ", ".join(card["tags"]))
        # One Markdown element for name, facts and tags: a card's element count is what the board costs to draw.
        st.markdown(
            md("**{name}**  \n:small[:gray[{facts}]]", name=card["name"], facts=" · ".join(v for v in facts if v))
        )
        # One control for the card's actions, each naming the stage it moves to: a row of three buttons cost about
        # twice as much to draw (bench/analysis.md, 2026-11-30 session 9), and the board draws dozens of cards.
        back = {"←": f"← {literal(left['name'])}"} if can_write and left else {}
        forward = {"→": f"{literal(right['name'])} →"} if can_write and right else {}
        labels = {**back, "Open": "Open", **forward}
        key = f"{ACT}-{int(card['record_id'])}"
        st.segmented_control(
            f"Actions for {literal(card['name'])}",  # hidden, but what a screen reader announces
            list(labels),
            format_func=labels.get,
            key=key,
            label_visibility="collapsed",
            width="stretch",
            on_change=_on_card_action,
            args=(key, actor.id, int(card["record_id"]), int(card["version"]), card["name"], left, right),
        )


def _on_card_action(
    key: str, actor_id: int, record_id: int, version: int, name: str, left: dict | None, right: dict | None
) -> None:
    """A click on a card's control (a callback, before the page runs): open the card, or remember the move for
    pending_move. The control itself keeps no choice, so the same option can be clicked again."""
    choice = st.session_state.get(key)
    st.session_state[key] = None
    stage = {"←": left, "→": right}.get(choice)
    if choice == "Open":
        _open(record_id)
    elif stage is not None:
        st.session_state[MOVE] = {
            "by": actor_id,
            "at": time.monotonic(),
            "record_id": record_id,
            "version": version,
            "name": name,
            "stage_id": stage["id"],
            "stage": stage["name"],
        }


def _open(record_id: int) -> None:
    """Show this card's detail (the picker, when drawn, starts on it)."""
    st.session_state[CARD] = st.session_state[OPENED] = record_id


def column_limits() -> dict[int, int]:
    """{stage_id: cards to show} for the columns whose "Show more" was clicked (board()'s stage_limits).

    One session key for all columns: scanning every session key for a prefix cost ~1.5 ms a run, as the key list
    grows with every widget on the page."""
    saved = st.session_state.get(MORE)
    if not isinstance(saved, dict):
        return {}
    return {sid: n for sid, n in saved.items() if isinstance(sid, int) and isinstance(n, int)}


def _more(stage_id: int, shown: int) -> None:
    """Show more (a callback: this run's read shows them)."""
    st.session_state[MORE] = {**column_limits(), stage_id: shown + CARDS_PER_COLUMN}


def _records(cards: pd.DataFrame) -> list[dict]:
    """The cards as dicts, a column at a time: DataFrame.to_dict("records") cost ~2 ms for a board's 36 rows."""
    names = list(cards.columns)
    return [dict(zip(names, row)) for row in zip(*(cards[name].tolist() for name in names))]


def board_columns(actor: Actor, data: dict, can_write: bool) -> None:
    """One column per stage, its first cards (Show more reads more); each card moves one stage with one click."""
    columns_ = data["stages"]
    cards = data["cards"]
    totals = data.get("totals", {})
    by_stage: dict = {}
    for card in _records(cards):  # one conversion for the board, not one filter and copy per column
        by_stage.setdefault(card["stage_id"], []).append(card)
    for i, (column, stage) in enumerate(zip(st.columns(len(columns_)), columns_)):
        in_stage = by_stage.get(stage["id"], []) if stage["id"] is not None else []
        total = totals.get(stage["id"], len(in_stage))
        with column:
            st.markdown(md("**{name}** · {count}", name=stage["name"], count=f"{total:,}"))
            left = columns_[i - 1] if i > 0 else None
            right = columns_[i + 1] if i + 1 < len(columns_) else None
            with st.container(height=COLUMN_HEIGHT if len(in_stage) > 2 else "content", border=False):
                for card in in_stage:
                    _card(actor, card, left, right, can_write)
                if total > len(in_stage):
                    st.caption(
                        f"Showing {len(in_stage):,} of {total:,}, not yet contacted first, then the most recently contacted."
                    )
                    st.button(
                        "Show more",
                        key=f"{MORE}-button-{stage['id']}",
                        on_click=_more,
                        args=(stage["id"], len(in_stage)),
                        width="stretch",
                    )


def card_detail(actor: Actor, data: dict, options: dict, filters: dict, can_write: bool) -> None:
    """The chosen card: move with a note, owner, tags, notes (newest first) and its stage history.

    Nothing until a card is chosen: Open on a card, or "Find any card", a picker over every card under the filters
    (one beyond "Show more" too). The picker's names are read only while that expander is open: at 1,454 cards they
    cost more than a column of cards. The forms and history of a card nobody asked for are never drawn.
    """
    opened = st.session_state.pop(OPENED, None)
    finder = st.expander("🔎 Find any card", key=FINDER, on_change="rerun")
    if finder.open:
        with finder:
            names = read(lambda s: board.card_names(s, actor=actor, **filters))
            pick(
                "Card",
                _unique(names or {}),
                key=CARD,
                preselect=opened,
                placeholder="Choose a card to see its notes and history",
            )
    record_id = st.session_state.get(CARD)
    if record_id is None:
        st.caption("Open a card on the board, or find any card above, to see its notes, owner, tags and history.")
        return
    detail = read(lambda s: _detail_if_present(s, actor, record_id))
    if detail is None:
        st.session_state.pop(CARD, None)  # the card is gone (or no longer readable): forget it, no error each run
        return
    st.markdown(md("### {name}", name=detail["name"]))
    facts = [detail["stage"], detail["tier"], f"last contact {day(detail['last_contact_at'])}"]
    st.caption(literal(" · ".join(v for v in facts if v)))
    if detail["campaigns"]:
        st.caption(literal("Campaigns: " + ", ".join(detail["campaigns"].values())))
    left, right = st.columns(2)
    with left:
        _note_form(actor, detail, can_write)
        for note in detail["notes"].to_dict("records"):
            st.caption(literal(f"{moment(note['created_at'])} · {note['author'] or 'former teammate'}"))
            st.markdown(literal(note["body"]).replace("\n", "  \n"))
    with right:
        _move_form(actor, detail, data["stages"], can_write)
        _owner_form(actor, detail, options["members"], can_write)
        _tags_form(actor, detail, can_write)
    st.markdown("**History**")
    table(detail["events"], hide_index=True, width="stretch", column_config=HISTORY_COLUMNS)


def _detail_if_present(session, actor: Actor, record_id: int) -> dict | None:
    """record_detail, or None when the remembered card no longer exists in the actor's organization."""
    try:
        return board.record_detail(session, actor=actor, record_id=record_id)
    except NotFound:
        return None


def _act(fn, success) -> None:
    if run_action(fn, success=success):
        st.rerun()


def _note_form(actor: Actor, detail: dict, can_write: bool) -> None:
    rid = detail["record_id"]
    with st.form(f"note-{rid}", clear_on_submit=True):
        body = st.text_area("Add a note", disabled=not can_write)
        contacted = st.checkbox("This was a contact (sets last contact)", disabled=not can_write)
        if st.form_submit_button("Add note", disabled=not can_write):
            _act(
                lambda s: pipeline.add_note(s, actor=actor, record_id=rid, body=body, contacted=contacted), "Note added"
            )


def _move_form(actor: Actor, detail: dict, stage_list: list[dict], can_write: bool) -> None:
    saved = {s["id"]: s["name"] for s in stage_list if s["id"] is not None and s["id"] != detail["stage_id"]}
    with st.form(f"move-{detail['record_id']}"):
        to = pick("Move to", saved, key=f"move-to-{detail['record_id']}", disabled=not can_write)
        note = st.text_input("Why (optional)", disabled=not can_write)
        if st.form_submit_button("Move", disabled=not can_write or not saved):
            _act(
                lambda s: pipeline.move_record(
                    s,
                    actor=actor,
                    record_id=detail["record_id"],
                    to_stage_id=to,
                    expected_version=detail["version"],
                    note=note,
                ),
                md("Moved to {stage}", stage=saved.get(to, "")),
            )


def _owner_form(actor: Actor, detail: dict, members: dict, can_write: bool) -> None:
    choices = {None: "Nobody", **_unique(members)}
    current = detail["owner_id"] if detail["owner_id"] in choices else None
    with st.form(f"owner-{detail['record_id']}"):
        owner = pick("Owner", choices, key=f"owner-pick-{detail['record_id']}", default=current, disabled=not can_write)
        if st.form_submit_button("Change owner", disabled=not can_write):
            _act(
                lambda s: pipeline.set_owner(
                    s, actor=actor, record_id=detail["record_id"], owner_id=owner, expected_version=detail["version"]
                ),
                "Owner changed",
            )


def _tags_form(actor: Actor, detail: dict, can_write: bool) -> None:
    with st.form(f"tags-{detail['record_id']}"):
        tags = st.text_input("Tags (comma-separated)", value=", ".join(detail["tags"]), disabled=not can_write)
        if st.form_submit_button("Save tags", disabled=not can_write):
            _act(
                lambda s: pipeline.set_tags(
                    s, actor=actor, record_id=detail["record_id"], tags=tags, expected_version=detail["version"]
                ),
                "Tags saved",
            )


def stage_manager(actor: Actor, stage_list: list[dict]) -> None:
    """Owners: rename, add, reorder and delete stages (the three defaults keep their kind and cannot be deleted)."""
    # A rerun-tracked expander: its forms are drawn only while it is open (a closed one still costs its elements).
    box = st.expander("Stages", key="pipeline-stages", on_change="rerun")
    if not box.open:
        return
    with box:
        with st.form("add-stage", clear_on_submit=True):
            name = st.text_input("New stage name")
            if st.form_submit_button("Add stage"):
                _act(lambda s: stages.add_stage(s, actor=actor, name=name), md("Stage **{name}** added", name=name))
        saved = {s["id"]: s for s in stage_list if s["id"] is not None}
        if not saved:
            empty_state("The default stages are saved with the first card or stage you add; then you can rename them.")
            return
        stage_id = pick("Stage", {i: s["name"] for i, s in saved.items()}, key="stage-pick")
        stage = saved[stage_id]
        with st.form(f"rename-{stage_id}"):
            new_name = st.text_input("Name", value=stage["name"])
            if st.form_submit_button("Rename"):
                _act(
                    lambda s: stages.rename_stage(
                        s, actor=actor, stage_id=stage_id, name=new_name, expected_version=stage["version"]
                    ),
                    "Stage renamed",
                )
        left, right, remove = st.columns(3)
        for column, label, offset in ((left, "Move left", -1), (right, "Move right", 1)):
            if column.button(label, key=f"stage-{offset}"):
                _act(
                    lambda s, o=offset: stages.move_stage(
                        s, actor=actor, stage_id=stage_id, offset=o, expected_version=stage["version"]
                    ),
                    "Stage moved",
                )
        sure = remove.checkbox("Yes, delete it", key="stage-delete-sure", disabled=stage["kind"] != "custom")
        if remove.button("Delete stage", disabled=not sure or stage["kind"] != "custom"):
            _act(
                lambda s: stages.delete_stage(s, actor=actor, stage_id=stage_id, expected_version=stage["version"]),
                "Stage deleted",
            )


def shortlist_bar(actor: Actor, influencer_ids: list[int], campaigns: list[tuple[int, str]]) -> None:
    """Find influencers: add the selected result rows to the pipeline's Cold stage (optionally a campaign's board)."""
    if not actor.can("pipeline.manage"):
        return
    names = {None: "No campaign", **_unique(dict(campaigns))}
    count, campaign, button = st.columns([2, 2, 2], vertical_alignment="bottom")
    count.caption(f"{len(influencer_ids)} selected — tick rows in the table to shortlist them.")
    campaign_id = pick("For campaign", names, key="shortlist-campaign", where=campaign)
    if button.button("Add to pipeline (Cold)", disabled=not influencer_ids, key="shortlist-add"):
        counts = run_action(
            lambda s: pipeline.add_to_pipeline(s, actor=actor, influencer_ids=influencer_ids, campaign_id=campaign_id)
        )
        if isinstance(counts, dict):
            st.success(f"Added {counts['added']} to the pipeline; {counts['already']} already there.")
