"""Org roles against every CRM service: the owning organization's owner, manager and analyst, another
organization's owner, an influencer and the admin, each on the same prepared pipeline, catalogue and campaign."""

from __future__ import annotations

from dataclasses import dataclass

from core.crm import board, imports, pipeline, products, prospects, similar, snapshots, stages
from core.errors import Conflict, NotFound, PermissionDenied
from tests import factories as f
from tests.core import test_permissions_matrix as marketplace_matrix

OK = "ok"
PD, NF, CF = PermissionDenied, NotFound, Conflict
ROLES = ("owner", "manager", "analyst", "other_owner", "influencer", "admin")


@dataclass
class World:
    actors: dict
    campaign: int
    card: int
    card_version: int
    active_stage: int
    product: int
    newcomer: int  # an influencer not in anyone's pipeline yet


def _build(db) -> World:
    owner = f.sponsor(db)
    actors = {
        "owner": owner,
        "manager": f.teammate(db, owner, org_role="manager"),
        "analyst": f.teammate(db, owner, org_role="analyst"),
        "other_owner": f.sponsor(db),
        "influencer": f.influencer(db),
        "admin": f.admin(db),
    }
    campaign = f.campaign(db, owner)
    newcomer = f.influencer(db)
    with db.Session.begin() as s:
        pipeline.add_to_pipeline(s, actor=owner, influencer_ids=[actors["influencer"].id])
        product = products.create_product(s, actor=owner, name="Trail shoe", sku="TS-1", price_cents=12_000)
    with db.ReadSession.begin() as s:
        record = board.board(s, actor=owner)["cards"].iloc[0]
        active = stages.stage_of_kind(s, owner.organization_id, "active").id
    return World(actors, campaign, int(record["record_id"]), int(record["version"]), active, product, newcomer.id)


MATRIX = {
    "board.board": (lambda s, a, w: board.board(s, actor=a), (OK, OK, OK, OK, PD, PD)),
    "board.record_detail": (
        lambda s, a, w: board.record_detail(s, actor=a, record_id=w.card),
        (OK, OK, OK, NF, PD, PD),
    ),
    "pipeline.add_to_pipeline": (
        lambda s, a, w: pipeline.add_to_pipeline(s, actor=a, influencer_ids=[w.newcomer]),
        (OK, OK, PD, OK, PD, PD),
    ),
    "pipeline.move_record": (
        lambda s, a, w: pipeline.move_record(
            s, actor=a, record_id=w.card, to_stage_id=w.active_stage, expected_version=w.card_version
        ),
        (OK, OK, PD, NF, PD, PD),
    ),
    "pipeline.add_note": (
        lambda s, a, w: pipeline.add_note(s, actor=a, record_id=w.card, body="Met at the expo"),
        (OK, OK, PD, NF, PD, PD),
    ),
    "stages.add_stage": (lambda s, a, w: stages.add_stage(s, actor=a, name="Nurture"), (OK, PD, PD, OK, PD, PD)),
    "products.list_products": (lambda s, a, w: products.list_products(s, actor=a), (OK, OK, OK, OK, PD, PD)),
    "products.create_product": (
        lambda s, a, w: products.create_product(s, actor=a, name="Cap", sku="CAP-1", price_cents=1_500),
        (OK, OK, PD, OK, PD, PD),
    ),
    "products.attach_product": (
        lambda s, a, w: products.attach_product(s, actor=a, campaign_id=w.campaign, product_id=w.product),
        (OK, OK, PD, NF, PD, PD),
    ),
    "imports.list_runs": (lambda s, a, w: imports.list_runs(s, actor=a), (OK, OK, OK, OK, PD, PD)),
    "prospects.search_prospects": (
        lambda s, a, w: prospects.search_prospects(s, actor=a),
        (OK, OK, OK, OK, PD, PD),
    ),
    "snapshots.trend": (lambda s, a, w: snapshots.trend(s, actor=a), (OK, OK, OK, OK, PD, OK)),
    "similar.similar_to": (
        lambda s, a, w: similar.similar_to(s, actor=a, influencer_id=w.newcomer),
        (OK, OK, OK, OK, PD, OK),
    ),
}


def test_each_org_role_is_allowed_or_refused_each_crm_service(database):
    world = _build(database)
    outcomes, expected = {}, {}
    for service, (call, allowed) in MATRIX.items():
        for role, wanted in zip(ROLES, allowed, strict=True):
            outcomes[service, role] = marketplace_matrix._outcome(
                database, lambda s, a, w, r, c=call: c(s, a, w), world.actors[role], world, role
            )
            expected[service, role] = wanted
    assert {k: v for k, v in outcomes.items() if v != expected[k]} == {}
