"""CRM pipeline: stages, cards, moves (by hand and automatic), owner, tags, notes, boards, and org isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from core.crm import board, pipeline, stages
from core.deals import lifecycle
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import ad_requests
from core.models import CrmRecord, CrmRecordEvent, CrmRecordNote, CrmStage, OrgMember
from core.permissions import Actor
from tests import factories as f

CRM_TABLES = (
    "crm_stages",
    "crm_records",
    "crm_record_tags",
    "crm_record_notes",
    "crm_record_events",
    "crm_record_campaigns",
)


def teammate(db, owner: Actor, org_role: str) -> Actor:
    """A sponsor user made an active member of owner's organization with org_role."""
    user = f.sponsor(db)
    f.write(
        db,
        lambda s: s.execute(
            update(OrgMember)
            .where(OrgMember.user_id == user.id)
            .values(organization_id=owner.organization_id, org_role=org_role)
        ),
    )
    actor = f.actor(db, user.id)
    assert actor is not None and actor.organization_id == owner.organization_id and actor.org_role == org_role
    return actor


def add(db, actor, ids, campaign_id=None) -> dict:
    return f.write(db, lambda s: pipeline.add_to_pipeline(s, actor=actor, influencer_ids=ids, campaign_id=campaign_id))


def card(db, actor, influencer_id) -> dict:
    cards = f.read(db, lambda s: board.board(s, actor=actor))["cards"]
    row = cards[cards["influencer_id"] == influencer_id]
    assert len(row) == 1
    return row.iloc[0].to_dict()


def stage_ids(db, actor) -> dict[str, int]:
    return {
        s["kind"] if s["kind"] != "custom" else s["name"]: s["id"]
        for s in f.read(db, lambda s: stages.list_stages(s, actor=actor))
    }


def stage_kind_of(db, record_id) -> str:
    return f.read(
        db,
        lambda s: s.scalar(
            select(CrmStage.kind).join(CrmRecord, CrmRecord.stage_id == CrmStage.id).where(CrmRecord.id == record_id)
        ),
    )


def events(db, record_id) -> list[tuple]:
    return f.read(
        db,
        lambda s: [
            tuple(r)
            for r in s.execute(
                select(
                    CrmRecordEvent.from_stage,
                    CrmRecordEvent.to_stage,
                    CrmRecordEvent.automatic,
                    CrmRecordEvent.actor_id,
                )
                .where(CrmRecordEvent.record_id == record_id)
                .order_by(CrmRecordEvent.id)
            )
        ],
    )


def move(db, actor, record_id, to_stage_id, version, note=""):
    return f.write(
        db,
        lambda s: pipeline.move_record(
            s, actor=actor, record_id=record_id, to_stage_id=to_stage_id, expected_version=version, note=note
        ),
    )


# --- stages -------------------------------------------------------------------------------------------------------


def test_a_new_organization_shows_cold_active_final_and_saves_them_on_its_first_pipeline_write(database):
    owner = f.sponsor(database)
    shown = f.read(database, lambda s: stages.list_stages(s, actor=owner))
    assert [(s["name"], s["kind"], s["id"]) for s in shown] == [
        ("Cold", "cold", None),
        ("Active", "active", None),
        ("Final", "final", None),
    ]
    add(database, owner, [f.influencer(database).id])
    saved = f.read(database, lambda s: stages.list_stages(s, actor=owner))
    assert [(s["name"], s["kind"], s["cards"]) for s in saved] == [
        ("Cold", "cold", 1),
        ("Active", "active", 0),
        ("Final", "final", 0),
    ]
    assert all(s["id"] is not None for s in saved)


def test_ensuring_the_default_stages_twice_creates_them_once(database):
    owner = f.sponsor(database)
    f.write(database, lambda s: stages.ensure_defaults(s, owner.organization_id))
    f.write(database, lambda s: stages.ensure_defaults(s, owner.organization_id))
    count = f.read(
        database,
        lambda s: s.scalar(
            select(func.count()).select_from(CrmStage).where(CrmStage.organization_id == owner.organization_id)
        ),
    )
    assert count == 3


def test_owner_renames_adds_and_reorders_stages_and_the_defaults_keep_their_kind(database):
    owner = f.sponsor(database)
    f.write(database, lambda s: stages.ensure_defaults(s, owner.organization_id))
    ids = stage_ids(database, owner)
    f.write(
        database,
        lambda s: stages.rename_stage(s, actor=owner, stage_id=ids["cold"], name="Shortlist", expected_version=1),
    )
    new_id = f.write(database, lambda s: stages.add_stage(s, actor=owner, name="Negotiating"))
    f.write(database, lambda s: stages.move_stage(s, actor=owner, stage_id=new_id, offset=-1, expected_version=1))
    f.write(database, lambda s: stages.move_stage(s, actor=owner, stage_id=new_id, offset=-1, expected_version=2))
    shown = f.read(database, lambda s: stages.list_stages(s, actor=owner))
    assert [(s["name"], s["kind"]) for s in shown] == [
        ("Shortlist", "cold"),
        ("Negotiating", "custom"),
        ("Active", "active"),
        ("Final", "final"),
    ]
    # Automatic moves still find the renamed cold stage by its kind.
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    assert card(database, owner, influencer.id)["stage_id"] == ids["cold"]


def test_stage_names_are_unique_within_an_organization_case_insensitively(database):
    owner = f.sponsor(database)
    with pytest.raises(Conflict):
        f.write(database, lambda s: stages.add_stage(s, actor=owner, name="cold"))
    with pytest.raises(InvalidInput):
        f.write(database, lambda s: stages.add_stage(s, actor=owner, name="   "))


def test_a_stage_moved_past_the_end_of_the_board_is_refused(database):
    owner = f.sponsor(database)
    f.write(database, lambda s: stages.ensure_defaults(s, owner.organization_id))
    ids = stage_ids(database, owner)
    with pytest.raises(Conflict):
        f.write(
            database, lambda s: stages.move_stage(s, actor=owner, stage_id=ids["cold"], offset=-1, expected_version=1)
        )
    with pytest.raises(InvalidInput):
        f.write(
            database, lambda s: stages.move_stage(s, actor=owner, stage_id=ids["cold"], offset=2, expected_version=1)
        )


def test_renaming_a_stage_someone_renamed_meanwhile_is_a_conflict_and_changes_nothing(database):
    owner = f.sponsor(database)
    f.write(database, lambda s: stages.ensure_defaults(s, owner.organization_id))
    ids = stage_ids(database, owner)
    f.write(
        database, lambda s: stages.rename_stage(s, actor=owner, stage_id=ids["final"], name="Won", expected_version=1)
    )
    with pytest.raises(Conflict):
        f.write(
            database,
            lambda s: stages.rename_stage(s, actor=owner, stage_id=ids["final"], name="Signed", expected_version=1),
        )
    assert [s["name"] for s in f.read(database, lambda s: stages.list_stages(s, actor=owner))][-1] == "Won"


def test_default_stages_cannot_be_deleted_and_a_custom_stage_only_while_empty(database):
    owner = f.sponsor(database)
    f.write(database, lambda s: stages.ensure_defaults(s, owner.organization_id))
    ids = stage_ids(database, owner)
    with pytest.raises(Conflict, match="default"):
        f.write(database, lambda s: stages.delete_stage(s, actor=owner, stage_id=ids["active"], expected_version=1))
    custom = f.write(database, lambda s: stages.add_stage(s, actor=owner, name="Paused"))
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    record = card(database, owner, influencer.id)
    move(database, owner, record["record_id"], custom, record["version"])
    with pytest.raises(Conflict, match="move them"):
        f.write(database, lambda s: stages.delete_stage(s, actor=owner, stage_id=custom, expected_version=1))
    record = card(database, owner, influencer.id)
    move(database, owner, record["record_id"], ids["cold"], record["version"])
    f.write(database, lambda s: stages.delete_stage(s, actor=owner, stage_id=custom, expected_version=1))
    assert "Paused" not in stage_ids(database, owner)
    # The history keeps the deleted stage's name.
    assert ("Cold", "Paused", False, owner.id) in events(database, record["record_id"])


@pytest.mark.parametrize("org_role", ["manager", "analyst"])
def test_only_owners_manage_stages(database, org_role):
    owner = f.sponsor(database)
    f.write(database, lambda s: stages.ensure_defaults(s, owner.organization_id))
    ids = stage_ids(database, owner)
    member = teammate(database, owner, org_role)
    before = f.snapshot(database, CRM_TABLES)
    for attempt in (
        lambda s: stages.add_stage(s, actor=member, name="Mine"),
        lambda s: stages.rename_stage(s, actor=member, stage_id=ids["cold"], name="Mine", expected_version=1),
        lambda s: stages.move_stage(s, actor=member, stage_id=ids["final"], offset=-1, expected_version=1),
    ):
        with pytest.raises(PermissionDenied):
            f.write(database, attempt)
    assert f.snapshot(database, CRM_TABLES) == before
    assert len(f.read(database, lambda s: stages.list_stages(s, actor=member))) == 3  # reading is allowed


def test_another_organizations_owner_cannot_touch_our_stages(database):
    owner, other = f.sponsor(database), f.sponsor(database)
    f.write(database, lambda s: stages.ensure_defaults(s, owner.organization_id))
    ids = stage_ids(database, owner)
    before = f.snapshot(database, CRM_TABLES)
    with pytest.raises(NotFound):
        f.write(
            database,
            lambda s: stages.rename_stage(s, actor=other, stage_id=ids["cold"], name="Mine", expected_version=1),
        )
    with pytest.raises(NotFound):
        f.write(
            database, lambda s: stages.move_stage(s, actor=other, stage_id=ids["final"], offset=-1, expected_version=1)
        )
    assert f.snapshot(database, CRM_TABLES) == before


# --- adding in bulk -----------------------------------------------------------------------------------------------


def test_bulk_add_puts_new_influencers_in_cold_and_skips_ones_already_there(database):
    owner = f.sponsor(database)
    ids = f.influencers(database, [{}, {}, {}])
    assert add(database, owner, ids[:2]) == {"added": 2, "already": 0}
    assert add(database, owner, [ids[1], ids[2], ids[2]]) == {"added": 1, "already": 1}
    cards = f.read(database, lambda s: board.board(s, actor=owner))["cards"]
    assert sorted(cards["influencer_id"]) == sorted(ids)
    assert {stage_kind_of(database, r) for r in cards["record_id"]} == {"cold"}
    assert set(cards["owner_id"]) == {owner.id}
    first = card(database, owner, ids[0])
    assert events(database, first["record_id"]) == [(None, "Cold", False, owner.id)]


def test_bulk_add_for_a_campaign_puts_new_and_existing_cards_on_its_board(database):
    owner = f.sponsor(database)
    campaign_id = f.campaign(database, owner)
    ids = f.influencers(database, [{}, {}, {}])
    add(database, owner, [ids[0]])
    assert add(database, owner, ids[:2], campaign_id=campaign_id) == {"added": 1, "already": 1}
    on_board = f.read(database, lambda s: board.board(s, actor=owner, campaign_id=campaign_id))["cards"]
    assert sorted(on_board["influencer_id"]) == sorted(ids[:2])


@pytest.mark.parametrize("bad", [[], "12", [0], [True], ["1"], None, list(range(1, 502))])
def test_bulk_add_refuses_malformed_choices_and_changes_nothing(database, bad):
    owner = f.sponsor(database)
    before = f.snapshot(database, CRM_TABLES)
    with pytest.raises(InvalidInput):
        add(database, owner, bad)
    assert f.snapshot(database, CRM_TABLES) == before


def test_bulk_add_with_an_unknown_or_unlisted_influencer_adds_none_of_them(database):
    owner = f.sponsor(database)
    listed = f.influencer(database)
    hidden = f.influencer(database, is_public=False)
    before = f.snapshot(database, CRM_TABLES)
    for ids in ([listed.id, 999_999], [listed.id, hidden.id], [owner.id]):
        with pytest.raises(NotFound):
            add(database, owner, ids)
    assert f.snapshot(database, CRM_TABLES) == before


def test_bulk_add_onto_another_organizations_campaign_is_refused(database):
    owner, other = f.sponsor(database), f.sponsor(database)
    theirs = f.campaign(database, other)
    with pytest.raises(NotFound):
        add(database, owner, [f.influencer(database).id], campaign_id=theirs)


def test_the_same_influencer_has_one_card_per_organization(database):
    one, two = f.sponsor(database), f.sponsor(database)
    influencer = f.influencer(database)
    add(database, one, [influencer.id])
    add(database, two, [influencer.id])
    assert card(database, one, influencer.id)["record_id"] != card(database, two, influencer.id)["record_id"]


def test_a_record_points_at_exactly_one_influencer_or_prospect(database):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    cold = f.write(database, lambda s: stages.stage_of_kind(s, owner.organization_id, "cold").id)
    for fields in ({}, {"influencer_id": influencer.id, "prospect_id": 7}):
        with pytest.raises(Exception, match="(?i)check|constraint"):
            f.write(
                database,
                lambda s: s.add(CrmRecord(organization_id=owner.organization_id, stage_id=cold, **fields)) or s.flush(),
            )
    f.write(
        database,
        lambda s: s.add(CrmRecord(organization_id=owner.organization_id, stage_id=cold, prospect_id=7)) or s.flush(),
    )
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        f.write(
            database,
            lambda s: s.add(CrmRecord(organization_id=owner.organization_id, stage_id=cold, prospect_id=7))
            or s.flush(),
        )
    shown = f.read(database, lambda s: board.board(s, actor=owner))["cards"]
    assert list(shown["name"]) == ["Prospect #7"]


# --- moving by hand -----------------------------------------------------------------------------------------------


def test_moving_a_card_records_who_when_from_and_to_with_the_note(database):
    owner = f.sponsor(database)
    manager = teammate(database, owner, "manager")
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    ids = stage_ids(database, owner)
    record = card(database, manager, influencer.id)
    move(database, manager, record["record_id"], ids["active"], record["version"], note="Replied by DM")
    after = card(database, manager, influencer.id)
    assert after["stage_id"] == ids["active"] and after["version"] == record["version"] + 1
    detail = f.read(database, lambda s: board.record_detail(s, actor=owner, record_id=record["record_id"]))
    latest = detail["events"].iloc[0]
    assert (latest["from_stage"], latest["to_stage"], latest["automatic"], latest["note"]) == (
        "Cold",
        "Active",
        False,
        "Replied by DM",
    )
    assert latest["at"] is not None and latest["by"]


def test_moving_a_card_with_a_stale_version_is_a_conflict_and_changes_nothing(database):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    ids = stage_ids(database, owner)
    record = card(database, owner, influencer.id)
    move(database, owner, record["record_id"], ids["active"], record["version"])
    before = f.snapshot(database, CRM_TABLES)
    with pytest.raises(Conflict, match="changed"):
        move(database, owner, record["record_id"], ids["final"], record["version"])
    assert f.snapshot(database, CRM_TABLES) == before


def test_moving_a_card_to_its_own_stage_or_a_missing_stage_is_refused(database):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    record = card(database, owner, influencer.id)
    with pytest.raises(Conflict, match="already"):
        move(database, owner, record["record_id"], record["stage_id"], record["version"])
    with pytest.raises(NotFound):
        move(database, owner, record["record_id"], 999_999, record["version"])
    with pytest.raises(InvalidInput):
        move(database, owner, record["record_id"], stage_ids(database, owner)["final"], 0)


def test_another_organization_cannot_read_or_move_our_cards_nor_use_its_stages_on_them(database):
    owner, other = f.sponsor(database), f.sponsor(database)
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    add(database, other, [f.influencer(database).id])
    record = card(database, owner, influencer.id)
    ours, theirs = stage_ids(database, owner), stage_ids(database, other)
    before = f.snapshot(database, CRM_TABLES)
    with pytest.raises(NotFound):
        f.read(database, lambda s: board.record_detail(s, actor=other, record_id=record["record_id"]))
    for attempt in (
        lambda s: pipeline.move_record(
            s, actor=other, record_id=record["record_id"], to_stage_id=theirs["final"], expected_version=1
        ),
        lambda s: pipeline.move_record(
            s, actor=owner, record_id=record["record_id"], to_stage_id=theirs["final"], expected_version=1
        ),
        lambda s: pipeline.add_note(s, actor=other, record_id=record["record_id"], body="peek"),
        lambda s: pipeline.set_tags(s, actor=other, record_id=record["record_id"], tags=["x"], expected_version=1),
        lambda s: pipeline.set_owner(
            s, actor=other, record_id=record["record_id"], owner_id=other.id, expected_version=1
        ),
    ):
        with pytest.raises(NotFound):
            f.write(database, attempt)
    assert f.snapshot(database, CRM_TABLES) == before
    assert influencer.id not in set(f.read(database, lambda s: board.board(s, actor=other))["cards"]["influencer_id"])
    assert ours["cold"] != theirs["cold"]
    with pytest.raises(NotFound):
        f.read(database, lambda s: board.board(s, actor=other, campaign_id=f.campaign(database, owner)))


def test_an_analyst_reads_the_board_but_every_write_is_refused(database):
    owner = f.sponsor(database)
    analyst = teammate(database, owner, "analyst")
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    record = card(database, analyst, influencer.id)
    ids = stage_ids(database, analyst)
    before = f.snapshot(database, CRM_TABLES)
    for attempt in (
        lambda s: pipeline.add_to_pipeline(s, actor=analyst, influencer_ids=[f.influencer(database).id]),
        lambda s: pipeline.move_record(
            s,
            actor=analyst,
            record_id=record["record_id"],
            to_stage_id=ids["final"],
            expected_version=record["version"],
        ),
        lambda s: pipeline.add_note(s, actor=analyst, record_id=record["record_id"], body="hi"),
        lambda s: pipeline.set_tags(
            s, actor=analyst, record_id=record["record_id"], tags=["x"], expected_version=record["version"]
        ),
        lambda s: pipeline.set_owner(
            s, actor=analyst, record_id=record["record_id"], owner_id=analyst.id, expected_version=record["version"]
        ),
    ):
        with pytest.raises(PermissionDenied):
            f.write(database, attempt)
    assert (
        f.snapshot(
            database,
            CRM_TABLES,
        )
        == before
    )
    assert f.read(database, lambda s: board.record_detail(s, actor=analyst, record_id=record["record_id"]))["name"]


@pytest.mark.parametrize("who", ["admin", "influencer", "nobody"])
def test_admins_influencers_and_anonymous_callers_have_no_pipeline(database, who):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    actor = {"admin": f.admin(database), "influencer": influencer, "nobody": None}[who]
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: board.board(s, actor=actor))
    with pytest.raises(PermissionDenied):
        f.write(database, lambda s: pipeline.add_to_pipeline(s, actor=actor, influencer_ids=[influencer.id]))


# --- owner, tags, notes ---------------------------------------------------------------------------------------------


def test_a_card_is_given_to_an_active_teammate_only(database):
    owner = f.sponsor(database)
    manager = teammate(database, owner, "manager")
    stranger = f.sponsor(database)
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    record = card(database, owner, influencer.id)
    f.write(
        database,
        lambda s: pipeline.set_owner(
            s, actor=owner, record_id=record["record_id"], owner_id=manager.id, expected_version=record["version"]
        ),
    )
    after = card(database, owner, influencer.id)
    assert after["owner_id"] == manager.id
    for bad in (stranger.id, influencer.id, 999_999):
        with pytest.raises(InvalidInput):
            f.write(
                database,
                lambda s: pipeline.set_owner(
                    s, actor=owner, record_id=record["record_id"], owner_id=bad, expected_version=after["version"]
                ),
            )
    f.write(
        database, lambda s: s.execute(update(OrgMember).where(OrgMember.user_id == manager.id).values(status="removed"))
    )
    with pytest.raises(InvalidInput):
        f.write(
            database,
            lambda s: pipeline.set_owner(
                s, actor=owner, record_id=record["record_id"], owner_id=manager.id, expected_version=after["version"]
            ),
        )
    with pytest.raises(Conflict):
        f.write(
            database,
            lambda s: pipeline.set_owner(
                s, actor=owner, record_id=record["record_id"], owner_id=None, expected_version=record["version"]
            ),
        )
    f.write(
        database,
        lambda s: pipeline.set_owner(
            s, actor=owner, record_id=record["record_id"], owner_id=None, expected_version=after["version"]
        ),
    )
    assert card(database, owner, influencer.id)["owner_id"] is None or pd_isna(
        card(database, owner, influencer.id)["owner_id"]
    )


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_tags_are_trimmed_deduplicated_and_filter_the_board(database):
    owner = f.sponsor(database)
    ids = f.influencers(database, [{}, {}])
    add(database, owner, ids)
    record = card(database, owner, ids[0])
    kept = f.write(
        database,
        lambda s: pipeline.set_tags(
            s,
            actor=owner,
            record_id=record["record_id"],
            tags=" vip, Summer ,vip,VIP ",
            expected_version=record["version"],
        ),
    )
    assert kept == ["vip", "Summer"]
    assert sorted(card(database, owner, ids[0])["tags"]) == ["Summer", "vip"]
    tagged = f.read(database, lambda s: board.board(s, actor=owner, tag="vip"))["cards"]
    assert list(tagged["influencer_id"]) == [ids[0]]
    assert f.read(database, lambda s: board.filter_options(s, actor=owner))["tags"] == ["Summer", "vip"]
    with pytest.raises(InvalidInput):
        f.write(
            database,
            lambda s: pipeline.set_tags(
                s,
                actor=owner,
                record_id=record["record_id"],
                tags=[f"t{i}" for i in range(21)],
                expected_version=record["version"] + 1,
            ),
        )
    with pytest.raises(InvalidInput):
        f.write(
            database,
            lambda s: pipeline.set_tags(
                s, actor=owner, record_id=record["record_id"], tags=["x" * 41], expected_version=record["version"] + 1
            ),
        )
    with pytest.raises(Conflict):
        f.write(
            database,
            lambda s: pipeline.set_tags(
                s, actor=owner, record_id=record["record_id"], tags=["late"], expected_version=record["version"]
            ),
        )
    assert sorted(card(database, owner, ids[0])["tags"]) == ["Summer", "vip"]


def test_notes_are_appended_with_author_and_time_and_a_contact_note_sets_last_contact(database):
    owner = f.sponsor(database)
    manager = teammate(database, owner, "manager")
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    record = card(database, owner, influencer.id)
    assert pd_isna(record["last_contact_at"])
    f.write(
        database, lambda s: pipeline.add_note(s, actor=owner, record_id=record["record_id"], body="Looks promising")
    )
    f.write(
        database,
        lambda s: pipeline.add_note(
            s, actor=manager, record_id=record["record_id"], body="Called\nthem", contacted=True
        ),
    )
    detail = f.read(database, lambda s: board.record_detail(s, actor=owner, record_id=record["record_id"]))
    assert list(detail["notes"]["body"]) == ["Called\nthem", "Looks promising"]
    assert detail["notes"]["created_at"].notna().all() and detail["notes"]["author"].notna().all()
    assert detail["last_contact_at"] is not None
    # A note never changes the card's version: a teammate's pending move still applies.
    assert card(database, owner, influencer.id)["version"] == record["version"]
    with pytest.raises(InvalidInput):
        f.write(database, lambda s: pipeline.add_note(s, actor=owner, record_id=record["record_id"], body="  "))
    assert f.read(database, lambda s: s.scalar(select(func.count()).select_from(CrmRecordNote))) == 2


def test_the_board_filters_by_owner_and_names_each_card_with_tier_and_followers(database):
    owner = f.sponsor(database)
    manager = teammate(database, owner, "manager")
    ids = f.influencers(database, [{"followers": 5_000}, {"followers": 2_000_000}])
    add(database, owner, [ids[0]])
    add(database, manager, [ids[1]])
    cards = f.read(database, lambda s: board.board(s, actor=owner))["cards"].set_index("influencer_id")
    assert (cards.loc[ids[0], "tier"], cards.loc[ids[1], "tier"]) == ("nano", "mega")
    assert cards.loc[ids[1], "followers"] == 2_000_000
    mine = f.read(database, lambda s: board.board(s, actor=owner, owner_id=manager.id))["cards"]
    assert list(mine["influencer_id"]) == [ids[1]]
    options = f.read(database, lambda s: board.filter_options(s, actor=owner))
    assert set(options["members"]) == {owner.id, manager.id}


@pytest.mark.parametrize(
    "followers, tier",
    [
        (0, "nano"),
        (9_999, "nano"),
        (10_000, "micro"),
        (99_999, "micro"),
        (100_000, "mid"),
        (499_999, "mid"),
        (500_000, "macro"),
        (999_999, "macro"),
        (1_000_000, "mega"),
    ],
)
def test_the_tier_placeholder_follows_the_documented_thresholds(followers, tier):
    assert board.tier_of(followers) == tier


# --- automatic moves ------------------------------------------------------------------------------------------------


def test_sending_an_ad_request_moves_a_cold_card_to_active_recorded_as_automatic(database):
    owner = f.sponsor(database)
    manager = teammate(database, owner, "manager")
    influencer = f.influencer(database)
    campaign_id = f.campaign(database, owner)
    add(database, owner, [influencer.id])
    record = card(database, owner, influencer.id)
    f.request(database, manager, campaign_id, influencer)
    after = card(database, owner, influencer.id)
    assert stage_kind_of(database, record["record_id"]) == "active"
    assert after["version"] == record["version"] + 1 and not pd_isna(after["last_contact_at"])
    assert events(database, record["record_id"])[-1] == ("Cold", "Active", True, manager.id)
    on_board = f.read(database, lambda s: board.board(s, actor=owner, campaign_id=campaign_id))["cards"]
    assert list(on_board["influencer_id"]) == [influencer.id]
    # The page's older version of the card no longer moves it.
    with pytest.raises(Conflict):
        move(database, owner, record["record_id"], stage_ids(database, owner)["final"], record["version"])


def test_sending_an_ad_request_creates_a_missing_card_in_active(database):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    f.request(database, owner, f.campaign(database, owner), influencer)
    record = card(database, owner, influencer.id)
    assert stage_kind_of(database, record["record_id"]) == "active" and record["owner_id"] == owner.id
    assert events(database, record["record_id"]) == [(None, "Active", True, owner.id)]


def test_sending_an_ad_request_leaves_a_card_past_cold_where_it_is(database):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    custom = f.write(database, lambda s: stages.add_stage(s, actor=owner, name="On hold"))
    record = card(database, owner, influencer.id)
    move(database, owner, record["record_id"], custom, record["version"])
    f.request(database, owner, f.campaign(database, owner), influencer)
    assert card(database, owner, influencer.id)["stage_id"] == custom
    assert len(events(database, record["record_id"])) == 2


def test_a_refused_ad_request_moves_no_card(database):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    add(database, owner, [influencer.id])
    campaign_id = f.campaign(database, owner, budget_cents=1_000)
    before = f.snapshot(database, CRM_TABLES)
    with pytest.raises(Exception):
        f.request(database, owner, campaign_id, influencer, payment_cents=5_000)  # over budget
    assert f.snapshot(database, CRM_TABLES) == before


def test_an_accepted_offer_moves_the_card_to_final_recorded_as_automatic_by_who_accepted(database):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    campaign_id = f.campaign(database, owner)
    add(database, owner, [influencer.id])
    request_id = f.request(database, owner, campaign_id, influencer)
    record = card(database, owner, influencer.id)
    f.write(
        database,
        lambda s: lifecycle.accept_offer(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    assert stage_kind_of(database, record["record_id"]) == "final"
    assert [e[:3] for e in events(database, record["record_id"])] == [
        (None, "Cold", False),
        ("Cold", "Active", True),
        ("Active", "Final", True),
    ]
    assert events(database, record["record_id"])[-1][3] == influencer.id


def test_a_sponsor_accepting_an_ask_to_join_creates_the_card_in_final(database):
    owner = f.sponsor(database)
    influencer = f.influencer(database)
    campaign_id = f.campaign(database, owner)
    request_id = f.ask(database, influencer, campaign_id)
    f.write(
        database,
        lambda s: lifecycle.accept_offer(
            s, actor=owner, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    record = card(database, owner, influencer.id)
    assert stage_kind_of(database, record["record_id"]) == "final"
    assert events(database, record["record_id"]) == [(None, "Final", True, owner.id)]


def test_deleting_an_organization_takes_its_stages_cards_and_history_with_it(database):
    from core.models import Organization

    owner = f.sponsor(database)
    add(database, owner, [f.influencer(database).id], campaign_id=f.campaign(database, owner))
    f.write(database, lambda s: s.delete(s.get(Organization, owner.organization_id)))
    assert all(rows == [] for rows in f.snapshot(database, CRM_TABLES).values())


def test_imported_prospects_join_the_pipeline_by_name_and_only_from_their_own_organization(database):
    from core.models import Prospect

    owner, other = f.sponsor(database), f.sponsor(database)
    with database.Session.begin() as s:
        mine = Prospect(organization_id=owner.organization_id, platform="tiktok", handle="lena.bakes",
                        display_name="Lena Bakes", followers=42_000)  # fmt: skip
        theirs = Prospect(organization_id=other.organization_id, platform="tiktok", handle="x.y", followers=1)
        s.add_all([mine, theirs])
        s.flush()
        mine_id, theirs_id = mine.id, theirs.id
    with database.Session.begin() as s:
        assert pipeline.add_prospects_to_pipeline(s, actor=owner, prospect_ids=[mine_id]) == {"added": 1, "already": 0}
    with database.Session.begin() as s:
        assert pipeline.add_prospects_to_pipeline(s, actor=owner, prospect_ids=[mine_id]) == {"added": 0, "already": 1}
    with pytest.raises(NotFound):
        with database.Session.begin() as s:
            pipeline.add_prospects_to_pipeline(s, actor=owner, prospect_ids=[theirs_id])
    with database.ReadSession.begin() as s:
        cards = board.board(s, actor=owner)["cards"]
    (card,) = cards.to_dict("records")
    assert (card["name"], card["followers"], card["tier"], card["prospect_id"]) == (
        "Lena Bakes",
        42_000,
        "micro",
        mine_id,
    )


def test_an_empty_pipeline_reads_as_three_empty_columns_and_no_cards(database):
    owner = f.sponsor(database)
    data = f.read(database, lambda s: board.board(s, actor=owner))
    assert data["cards"].empty and list(data["cards"].columns) == list(board.CARD_COLUMNS)
    assert [s["cards"] for s in data["stages"]] == [0, 0, 0]


# ---- a long column: the first cards of each stage in SQL, with every stage's total -----------------------------


def test_per_stage_keeps_the_first_cards_of_every_column_in_board_order_and_totals_count_them_all(database):
    owner = f.sponsor(database)
    stars = [f.influencer(database).id for _ in range(7)]
    add(database, owner, stars)
    ids = stage_ids(database, owner)
    for star in stars[:2]:
        moved = card(database, owner, star)
        f.write(
            database,
            lambda s, c=moved: pipeline.move_record(
                s, actor=owner, record_id=int(c["record_id"]), to_stage_id=ids["final"], expected_version=c["version"]
            ),
        )
    full = f.read(database, lambda s: board.board(s, actor=owner))
    first = f.read(database, lambda s: board.board(s, actor=owner, per_stage=3))
    more = f.read(database, lambda s: board.board(s, actor=owner, per_stage=3, stage_limits={ids["cold"]: 4}))

    def column(data, kind):
        return data["cards"][data["cards"]["stage_id"] == ids[kind]]["record_id"].tolist()

    assert column(first, "cold") == column(full, "cold")[:3]
    assert column(first, "final") == column(full, "final")
    assert column(more, "cold") == column(full, "cold")[:4]
    assert first["totals"] == {ids["cold"]: 5, ids["final"]: 2}


def test_a_column_lists_never_contacted_cards_first_then_the_most_recently_contacted_on_every_engine(database):
    owner = f.sponsor(database)
    stars = [f.influencer(database).id for _ in range(4)]
    add(database, owner, stars)
    records = {star: int(card(database, owner, star)["record_id"]) for star in stars}
    for star in stars[:2]:  # two contacts, the second one later
        f.write(
            database,
            lambda s, r=records[star]: pipeline.add_note(s, actor=owner, record_id=r, body="called", contacted=True),
        )
    cold = stage_ids(database, owner)["cold"]
    for per_stage in (None, 4):  # every card, and a column's first cards read through the per-stage limit
        data = f.read(database, lambda s, n=per_stage: board.board(s, actor=owner, per_stage=n))
        shown = data["cards"][data["cards"]["stage_id"] == cold]["record_id"].tolist()
        never = sorted((records[s] for s in stars[2:]), reverse=True)  # never contacted: the newest card first
        assert shown == [*never, records[stars[1]], records[stars[0]]]


def test_per_stage_totals_follow_the_filters_and_a_bad_limit_reads_as_one_card(database):
    owner = f.sponsor(database)
    stars = [f.influencer(database).id for _ in range(3)]
    add(database, owner, stars)
    tagged = card(database, owner, stars[0])
    f.write(
        database,
        lambda s: pipeline.set_tags(
            s, actor=owner, record_id=int(tagged["record_id"]), tags="vip", expected_version=tagged["version"]
        ),
    )
    cold = stage_ids(database, owner)["cold"]
    data = f.read(database, lambda s: board.board(s, actor=owner, tag="vip", per_stage=10))
    assert data["totals"] == {cold: 1} and data["cards"]["record_id"].tolist() == [tagged["record_id"]]
    bad = f.read(database, lambda s: board.board(s, actor=owner, per_stage=-3, stage_limits={cold: "all"}))
    assert len(bad["cards"]) == 1 and bad["totals"] == {cold: 3}


def test_the_board_filter_offers_only_campaigns_that_have_cards(database):
    owner = f.sponsor(database)
    shortlisted, untouched = f.campaign(database, owner, name="Shortlisted"), f.campaign(database, owner, name="Quiet")
    add(database, owner, [f.influencer(database).id], campaign_id=shortlisted)
    campaigns = f.read(database, lambda s: board.filter_options(s, actor=owner))["campaigns"]
    assert campaigns == {shortlisted: "Shortlisted"} and untouched not in campaigns
