"""The sponsor's Pipeline page (and the shortlist on Find influencers) through AppTest, with hostile user text."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core.crm import board, pipeline, stages
from core.marketplace import accounts
from core.models import CrmRecord, CrmStage, OrgMember
from pages.common import pipeline_views
from pages.common.markup import literal
from tests import factories as f
from tests.pages.test_hostile_names import HOSTILE, MULTILINE, SHORT, assert_clean, markdown_texts, open_page


def card_controls(at) -> list:
    return [c for c in at.button_group if c.key and c.key.startswith(f"{pipeline_views.ACT}-")]


def click(at, record_id: int, option: str):
    """Click one option of a card's control (← stage, Open, stage →) and run the page."""
    return at.button_group(key=f"{pipeline_views.ACT}-{record_id}").set_value(option).run()


@pytest.fixture
def hostile_board(app_db):
    """An organization whose stage, card, owner, tag and note texts are all hostile Markdown/HTML."""
    db = app_db
    owner = f.sponsor(db, name=HOSTILE)
    with db.Session.begin() as s:
        accounts.update_sponsor_profile(s, actor=owner, name=HOSTILE, kind="company", industry=SHORT, budget_cents=1)
    stars = [f.influencer(db, name=HOSTILE, category=SHORT, niche=SHORT, bio=MULTILINE) for _ in range(2)]
    campaign_id = f.campaign(db, owner, name=HOSTILE)
    with db.Session.begin() as s:
        pipeline.add_to_pipeline(s, actor=owner, influencer_ids=[p.id for p in stars], campaign_id=campaign_id)
    with db.Session.begin() as s:
        stages.add_stage(s, actor=owner, name=SHORT)
        cold = stages.stage_of_kind(s, owner.organization_id, "cold")
        stages.rename_stage(s, actor=owner, stage_id=cold.id, name=SHORT[:-1] + "!", expected_version=1)
        record = s.scalar(select(CrmRecord).where(CrmRecord.influencer_id == stars[0].id))
        pipeline.set_tags(s, actor=owner, record_id=record.id, tags=[SHORT[:40]], expected_version=record.version)
        pipeline.add_note(s, actor=owner, record_id=record.id, body=MULTILINE, contacted=True)
    analyst = f.sponsor(db)
    with db.Session.begin() as s:
        s.execute(
            update(OrgMember)
            .where(OrgMember.user_id == analyst.id)
            .values(organization_id=owner.organization_id, org_role="analyst")
        )
    return {"db": db, "owner": owner, "analyst": analyst, "stars": stars, "record_id": record.id}


def test_the_board_renders_hostile_stage_card_tag_and_note_texts_as_typed(hostile_board):
    at = open_page("sponsor/pipeline", hostile_board["owner"].id)
    assert_clean(at)
    shown = [text for _, text in markdown_texts(at)]
    assert any(literal(HOSTILE) in text for text in shown)  # the card's name
    assert any(literal(SHORT[:40]) in text for text in shown)  # its tag
    assert any(literal(SHORT) in text for text in shown)  # the custom stage's name
    assert len(card_controls(at)) == 2


def test_a_cards_control_names_the_stages_it_moves_to_escaped(hostile_board):
    at = open_page("sponsor/pipeline", hostile_board["owner"].id)
    rid = hostile_board["record_id"]
    assert at.button_group(key=f"{pipeline_views.ACT}-{rid}").options == ["Open", "Active →"]  # Cold is the first
    click(at, rid, "→")
    assert_clean(at)
    hostile_cold = literal(SHORT[:-1] + "!")
    assert at.button_group(key=f"{pipeline_views.ACT}-{rid}").options == [f"← {hostile_cold}", "Open", "Final →"]


def test_one_click_on_a_card_moves_it_to_the_next_stage_and_records_the_move(hostile_board):
    db, owner = hostile_board["db"], hostile_board["owner"]
    at = open_page("sponsor/pipeline", owner.id)
    click(at, hostile_board["record_id"], "→")
    assert_clean(at)
    with db.ReadSession.begin() as s:
        kind = s.scalar(
            select(CrmStage.kind)
            .join(CrmRecord, CrmRecord.stage_id == CrmStage.id)
            .where(CrmRecord.id == hostile_board["record_id"])
        )
        detail = board.record_detail(s, actor=owner, record_id=hostile_board["record_id"])
    assert kind == "active"
    assert (detail["events"].iloc[0]["to_stage"], bool(detail["events"].iloc[0]["automatic"])) == ("Active", False)


def test_opening_a_card_shows_its_notes_and_a_note_can_be_added(hostile_board):
    db, owner = hostile_board["db"], hostile_board["owner"]
    at = open_page("sponsor/pipeline", owner.id)
    click(at, hostile_board["record_id"], "Open")
    assert_clean(at)
    assert any(literal(MULTILINE.splitlines()[0]) in text for _, text in markdown_texts(at))
    note_area = next(t for t in at.text_area if t.label == "Add a note")
    note_area.input(HOSTILE)
    next(b for b in at.button if b.label == "Add note").click().run()
    assert_clean(at)
    with db.ReadSession.begin() as s:
        notes = board.record_detail(s, actor=owner, record_id=hostile_board["record_id"])["notes"]
    assert list(notes["body"])[0] == HOSTILE


def test_an_analyst_sees_the_board_read_only_with_the_reason(hostile_board):
    at = open_page("sponsor/pipeline", hostile_board["analyst"].id)
    assert_clean(at)
    assert [i.value for i in at.info] == [pipeline_views.READ_ONLY]
    controls = card_controls(at)
    assert controls and all(c.options == ["Open"] for c in controls)  # no move offered; core refuses one anyway
    assert not [e for e in at.expander if e.label == "Stages"]


def test_find_influencers_offers_the_shortlist_button_to_managers_only(hostile_board):
    at = open_page("sponsor/find_influencers", hostile_board["owner"].id)
    assert_clean(at)
    add = at.button(key="shortlist-add")
    assert add.label == "Add to pipeline (Cold)" and add.disabled  # nothing selected yet
    at = open_page("sponsor/find_influencers", hostile_board["analyst"].id)
    assert_clean(at)
    assert not [b for b in at.button if b.key == "shortlist-add"]


def test_an_organization_without_cards_is_told_how_to_fill_its_board(app_db):
    owner = f.sponsor(app_db)
    at = open_page("sponsor/pipeline", owner.id)
    assert_clean(at)
    assert any("Add to pipeline (Cold)" in i.value for i in at.info)
    assert [e.label for e in at.expander] == ["Stages"]


# ---- a long column shows its first cards; Show more reads the next ones, and they act on themselves -------------


@pytest.fixture
def long_column(app_db):
    """An owner with 11 cards in Cold (3 more than a column shows at first)."""
    owner = f.sponsor(app_db)
    stars = [f.influencer(app_db).id for _ in range(pipeline_views.CARDS_PER_COLUMN + 3)]
    with app_db.Session.begin() as s:
        pipeline.add_to_pipeline(s, actor=owner, influencer_ids=stars)
    with app_db.ReadSession.begin() as s:
        order = board.board(s, actor=owner)["cards"]["record_id"].tolist()
    return {"db": app_db, "owner": owner, "order": order}


def card_keys(at) -> list[int]:
    """The record ids of the cards drawn, in board order."""
    return [int(c.key.rsplit("-", 1)[1]) for c in card_controls(at)]


def test_a_long_column_shows_its_first_cards_with_the_total_and_show_more_shows_the_next(long_column):
    order = long_column["order"]
    at = open_page("sponsor/pipeline", long_column["owner"].id)
    assert_clean(at)
    assert card_keys(at) == order[: pipeline_views.CARDS_PER_COLUMN]
    assert any(f"Showing {pipeline_views.CARDS_PER_COLUMN} of {len(order)}" in c.value for c in at.caption)
    more = [b for b in at.button if b.label == "Show more"]
    assert len(more) == 1
    more[0].click().run()
    assert_clean(at)
    assert card_keys(at) == order
    assert not [b for b in at.button if b.label == "Show more"]


def test_a_card_revealed_by_show_more_moves_itself_and_no_other(long_column):
    db, owner, order = long_column["db"], long_column["owner"], long_column["order"]
    at = open_page("sponsor/pipeline", owner.id)
    next(b for b in at.button if b.label == "Show more").click().run()
    last = order[-1]
    click(at, last, "→")
    assert_clean(at)
    with db.ReadSession.begin() as s:
        kinds = dict(
            s.execute(select(CrmRecord.id, CrmStage.kind).join(CrmStage, CrmStage.id == CrmRecord.stage_id)).all()
        )
    assert kinds[last] == "active"
    assert [kinds[r] for r in order[:-1]] == ["cold"] * (len(order) - 1)


def test_the_card_detail_waits_for_a_card_to_be_opened(long_column):
    at = open_page("sponsor/pipeline", long_column["owner"].id)
    assert not [t for t in at.text_area if t.label == "Add a note"]
    click(at, long_column["order"][2], "Open")
    assert_clean(at)
    assert [t.label for t in at.text_area] == ["Add a note"]
    at.session_state[pipeline_views.FINDER] = True  # the user opens "Find any card": it starts on the open card
    at.run()
    assert next(s for s in at.selectbox if s.label == "Card").value == long_column["order"][2]


def test_the_card_picker_reaches_a_card_the_board_does_not_show_yet(long_column):
    hidden = long_column["order"][-1]  # beyond the first cards of its column: only "Show more" would draw it
    at = open_page("sponsor/pipeline", long_column["owner"].id)
    assert hidden not in card_keys(at)
    at.session_state[pipeline_views.FINDER] = True
    at.run()
    picker = next(s for s in at.selectbox if s.label == "Card")
    assert len(picker.options) == len(long_column["order"])  # every card of the organization, shown or not
    picker.set_value(hidden).run()
    assert_clean(at)
    assert [t.label for t in at.text_area] == ["Add a note"]


def test_the_card_names_are_read_only_while_find_any_card_is_open(long_column, monkeypatch):
    reads = []
    original = board.card_names
    monkeypatch.setattr(board, "card_names", lambda s, **kw: reads.append(kw) or original(s, **kw))
    at = open_page("sponsor/pipeline", long_column["owner"].id)
    click(at, long_column["order"][0], "Open")
    assert_clean(at)
    assert reads == [] and [e.label for e in at.expander][:1] == ["🔎 Find any card"]
    at.session_state[pipeline_views.FINDER] = True
    at.run()
    assert len(reads) == 1 and [s.label for s in at.selectbox if s.label == "Card"] == ["Card"]


def test_a_card_that_is_gone_is_forgotten_without_an_error(long_column):
    db, owner, order = long_column["db"], long_column["owner"], long_column["order"]
    at = open_page("sponsor/pipeline", owner.id)
    click(at, order[0], "Open")
    with db.Session.begin() as s:
        s.execute(
            update(CrmRecord).where(CrmRecord.id == order[0]).values(organization_id=f.sponsor(db).organization_id)
        )
    at.run()
    assert_clean(at)
    assert not at.error and not [t for t in at.text_area if t.label == "Add a note"]
    assert pipeline_views.CARD not in at.session_state  # forgotten: the next run reads nothing for it


def test_a_move_is_shown_in_the_run_that_follows_the_click(long_column, monkeypatch):
    from pages.common import session

    owner, order = long_column["owner"], long_column["order"]
    at = open_page("sponsor/pipeline", owner.id)
    runs = []
    original = session.read
    monkeypatch.setattr(session, "read", lambda fn: runs.append(fn) or original(fn))
    click(at, order[0], "→")
    assert_clean(at)
    assert [s.value for s in at.success] == [at.success[0].value] and "Moved" in at.success[0].value
    assert len(runs) == 1  # one run: the move came before the board's single read, no rerun
    assert at.button_group(key=f"{pipeline_views.ACT}-{order[0]}").options[0].startswith("← ")  # in Active now


def test_an_arrow_on_a_card_someone_else_just_moved_changes_nothing_and_says_why(long_column):
    db, owner, order = long_column["db"], long_column["owner"], long_column["order"]
    at = open_page("sponsor/pipeline", owner.id)
    with db.Session.begin() as s:  # a teammate moves the card to Final while this board is on screen
        final = stages.stage_of_kind(s, owner.organization_id, "final")
        record = s.get(CrmRecord, order[0])
        pipeline.move_record(s, actor=owner, record_id=record.id, to_stage_id=final.id, expected_version=record.version)
    click(at, order[0], "→")  # this board still draws it in Cold: → would mean Active
    assert_clean(at)
    with db.ReadSession.begin() as s:
        assert s.scalar(select(CrmRecord.stage_id).where(CrmRecord.id == order[0])) == final.id
    assert [e.value for e in at.error] == ["This card changed while you were looking at it. Review it and try again."]
    assert not at.success


def test_the_stage_forms_are_drawn_only_while_the_stages_expander_is_open(hostile_board):
    at = open_page("sponsor/pipeline", hostile_board["owner"].id)
    assert [e.label for e in at.expander] == ["🔎 Find any card", "Stages"]
    assert not [t for t in at.text_input if t.label == "New stage name"]
    at.session_state["pipeline-stages"] = True  # the owner opened the expander
    at.run()
    assert_clean(at)
    assert [t.label for t in at.text_input if t.label == "New stage name"] == ["New stage name"]
    assert any(b.label == "Delete stage" for b in at.button)


def test_the_board_is_read_in_the_filter_choices_own_transaction_when_the_filters_stay(hostile_board, monkeypatch):
    from pages.common import session

    reads = []
    original = session.read
    monkeypatch.setattr(session, "read", lambda fn: reads.append(fn) or original(fn))
    at = open_page("sponsor/pipeline", hostile_board["owner"].id)
    assert_clean(at)
    assert len(reads) == 1  # the filter choices and the board in one read transaction
    assert len(card_controls(at)) == 2


def test_a_wrong_guess_of_the_filters_reads_the_board_again_under_the_ones_picked(hostile_board, monkeypatch):
    tagged = {"campaign_id": None, "owner_id": None, "tag": SHORT[:40]}  # only one card carries the tag
    monkeypatch.setattr(pipeline_views, "likely_filters", lambda options: tagged)
    at = open_page("sponsor/pipeline", hostile_board["owner"].id)
    assert_clean(at)
    assert len(card_controls(at)) == 2  # no filter picked


@pytest.mark.parametrize("by_other_user, seconds_ago", [(True, 0), (False, pipeline_views.MOVE_FRESH_S + 5)])
def test_a_move_left_over_from_another_user_or_an_old_run_is_dropped_not_done(long_column, by_other_user, seconds_ago):
    import time

    db, owner, order = long_column["db"], long_column["owner"], long_column["order"]
    with db.ReadSession.begin() as s:
        record = s.get(CrmRecord, order[0])
        before, version = record.stage_id, record.version
        active = stages.stage_of_kind(s, owner.organization_id, "active")
    at = open_page("sponsor/pipeline", owner.id)
    at.session_state[pipeline_views.MOVE] = {
        "by": owner.id + 1000 if by_other_user else owner.id,
        "at": time.monotonic() - seconds_ago,
        "record_id": order[0],
        "version": version,
        "name": "x",
        "stage_id": active.id,
        "stage": "Active",
    }
    at.run()
    assert_clean(at)
    with db.ReadSession.begin() as s:
        assert s.scalar(select(CrmRecord.stage_id).where(CrmRecord.id == order[0])) == before
    assert not at.success and pipeline_views.MOVE not in at.session_state
