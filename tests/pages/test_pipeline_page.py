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
    assert [b.label for b in at.button if b.key and b.key.startswith("open-")] == ["Open", "Open"]


def test_one_click_on_a_card_moves_it_to_the_next_stage_and_records_the_move(hostile_board):
    db, owner = hostile_board["db"], hostile_board["owner"]
    at = open_page("sponsor/pipeline", owner.id)
    at.button(key=f"fwd-{hostile_board['record_id']}").click().run()
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
    at.button(key=f"open-{hostile_board['record_id']}").click().run()
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
    moves = [b for b in at.button if b.key and b.key.startswith(("fwd-", "back-"))]
    assert moves and all(b.disabled for b in moves)
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
    return [int(b.key.split("-")[1]) for b in at.button if b.key and b.key.startswith("open-")]


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
    at.button(key=f"fwd-{last}").click().run()
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
    at.button(key=f"open-{long_column['order'][2]}").click().run()
    assert_clean(at)
    assert [t.label for t in at.text_area] == ["Add a note"]
    assert next(s for s in at.selectbox if s.label == "Card").value == long_column["order"][2]


def test_the_card_picker_reaches_a_card_the_board_does_not_show_yet(long_column):
    hidden = long_column["order"][-1]  # beyond the first cards of its column: only "Show more" would draw it
    at = open_page("sponsor/pipeline", long_column["owner"].id)
    assert hidden not in card_keys(at)
    picker = next(s for s in at.selectbox if s.label == "Card")
    assert len(picker.options) == len(long_column["order"])  # every card of the organization, shown or not
    picker.set_value(hidden).run()
    assert_clean(at)
    assert [t.label for t in at.text_area] == ["Add a note"]


def test_the_stage_forms_are_drawn_only_while_the_stages_expander_is_open(hostile_board):
    at = open_page("sponsor/pipeline", hostile_board["owner"].id)
    assert [e.label for e in at.expander] == ["Stages"]
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
    assert [b.label for b in at.button if b.key and b.key.startswith("open-")] == ["Open", "Open"]


def test_a_wrong_guess_of_the_filters_reads_the_board_again_under_the_ones_picked(hostile_board, monkeypatch):
    tagged = {"campaign_id": None, "owner_id": None, "tag": SHORT[:40]}  # only one card carries the tag
    monkeypatch.setattr(pipeline_views, "likely_filters", lambda options: tagged)
    at = open_page("sponsor/pipeline", hostile_board["owner"].id)
    assert_clean(at)
    assert [b.label for b in at.button if b.key and b.key.startswith("open-")] == ["Open", "Open"]  # no filter picked
