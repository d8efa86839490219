"""Find similar: neighbours share terms, never self or unlisted, explain themselves, follow a rebuild; who may ask."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import update

from core.crm import similar
from core.errors import NotFound, PermissionDenied
from core.marketplace import accounts
from core.models import InfluencerProfile
from tests import factories as f

PROFILES = [
    {"display_name": "Trail Tess", "category": "Fitness", "niche": "trail running", "bio": "Mountain trail runs.",
     "followers": 40_000, "engagement_rate": 3.4},
    {"display_name": "Ultra Uma", "category": "Fitness", "niche": "trail running", "bio": "Ultra trail races.",
     "followers": 30_000, "engagement_rate": 3.1},
    {"display_name": "Road Rob", "category": "Fitness", "niche": "road running", "bio": "Marathon training.",
     "followers": 2_000_000, "engagement_rate": 1.0},
    {"display_name": "Chef Cleo", "category": "Food", "niche": "vegan baking", "bio": "Cakes without eggs.",
     "followers": 20_000, "engagement_rate": 5.0},
    {"display_name": "Baker Ben", "category": "Food", "niche": "sourdough baking", "bio": "Bread every morning.",
     "followers": 25_000, "engagement_rate": 4.5},
]  # fmt: skip


@pytest.fixture
def people(database):
    return dict(zip(("tess", "uma", "rob", "cleo", "ben"), f.influencers(database, PROFILES)))


def _build(db) -> dict:
    return f.write(db, lambda s: similar.build_index(s).as_dict())


def _similar(db, actor, influencer_id, **kwargs) -> list[dict]:
    return f.read(db, lambda s: similar.similar_to(s, actor=actor, influencer_id=influencer_id, **kwargs))


def test_the_most_similar_creator_shares_terms_and_the_explanation_names_them(database, people):
    _build(database)
    results = _similar(database, f.sponsor(database), people["tess"])
    assert results[0]["user_id"] == people["uma"]
    assert {"trail", "running"} <= set(results[0]["shared_terms"])
    assert results[0]["why"].startswith("shared: ")
    assert "trail" in results[0]["why"] and "same tier: micro" in results[0]["why"]
    assert "engagement 3.1% vs 3.4%" in results[0]["why"]
    assert all(r["shared_terms"] for r in results)  # nobody appears without a shared term
    assert people["cleo"] not in [r["user_id"] for r in results]  # Food shares nothing with trail running


def test_results_never_include_the_creator_asked_about(database, people):
    _build(database)
    sponsor = f.sponsor(database)
    for influencer_id in people.values():
        assert influencer_id not in [r["user_id"] for r in _similar(database, sponsor, influencer_id)]


def test_an_unlisted_creator_never_appears_and_cannot_be_asked_about_by_a_sponsor(database, people):
    _build(database)
    with database.Session.begin() as s:  # e.g. flagged since the last build
        s.execute(update(InfluencerProfile).where(InfluencerProfile.user_id == people["uma"]).values(listed=False))
    sponsor = f.sponsor(database)
    assert people["uma"] not in [r["user_id"] for r in _similar(database, sponsor, people["tess"])]
    with pytest.raises(NotFound):
        _similar(database, sponsor, people["uma"])
    _build(database)
    assert people["uma"] not in [r["user_id"] for r in _similar(database, sponsor, people["tess"])]
    assert _similar(database, f.admin(database), people["uma"]) == []  # admins may ask; it has no neighbours


def test_a_rebuild_picks_up_a_changed_bio(database, people):
    _build(database)
    sponsor = f.sponsor(database)
    assert people["ben"] not in [r["user_id"] for r in _similar(database, sponsor, people["tess"])]
    ben = f.actor(database, people["ben"])
    f.write(
        database,
        lambda s: accounts.update_influencer_profile(
            s,
            actor=ben,
            display_name="Baker Ben",
            category="Food",
            platform="instagram",
            followers=25_000,
            engagement_rate=4.5,
            niche="sourdough baking",
            bio="Bread, then mountain trail runs every weekend.",
        ),
    )
    assert people["ben"] not in [r["user_id"] for r in _similar(database, sponsor, people["tess"])]  # until rebuilt
    _build(database)
    found = {r["user_id"]: r for r in _similar(database, sponsor, people["tess"])}
    assert people["ben"] in found and "trail" in found[people["ben"]]["shared_terms"]


def test_an_influencer_or_nobody_may_not_look_up_similar_creators(database, people):
    _build(database)
    for actor in (f.actor(database, people["tess"]), None):
        with pytest.raises(PermissionDenied):
            _similar(database, actor, people["uma"])


def test_a_member_whose_org_role_lacks_the_search_grant_is_refused(database, people):
    _build(database)
    owner = f.sponsor(database)
    narrowed = dataclasses.replace(owner, permissions=owner.permissions - {"influencer.search"})
    with pytest.raises(PermissionDenied):
        _similar(database, narrowed, people["tess"])


def test_a_lookup_before_the_first_build_is_empty_not_an_error(database, people):
    assert _similar(database, f.sponsor(database), people["tess"]) == []


def test_the_limit_caps_the_results_and_the_order_is_best_first(database, people):
    _build(database)
    results = _similar(database, f.admin(database), people["tess"], limit=2)
    assert len(results) <= 2
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_tiers_follow_the_follower_thresholds():
    assert [similar.tier_of(n) for n in (0, 9_999, 10_000, 150_000, 600_000, 5_000_000)] == [
        "nano",
        "nano",
        "micro",
        "mid",
        "macro",
        "mega",
    ]


def test_the_clustered_search_for_large_indexes_finds_the_same_best_match(database, people, monkeypatch):
    monkeypatch.setattr(similar, "EXACT_LIMIT", 2)  # force the inverted-file path on five profiles
    _build(database)
    results = _similar(database, f.sponsor(database), people["tess"])
    assert results[0]["user_id"] == people["uma"] and people["tess"] not in [r["user_id"] for r in results]
