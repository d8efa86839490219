"""Search: influencer and campaign filters, every sort walked page by page, and who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts, ad_requests, campaigns, search
from core.models import InfluencerProfile
from core.platform.timeutil import today
from tests import factories as f

# A crowd with many ties in every sort key, so keyset pagination has to break ties correctly.
CROWD = [
    {
        "display_name": f"Creator {i:02d}",
        "category": ("Fitness", "Food", "Travel")[i % 3],
        "niche": ("yoga", "vegan", "hiking", "running")[i % 4],
        "platform": ("instagram", "youtube", "tiktok")[i % 3 if i % 5 else 1],
        "followers": (1_000, 25_000, 25_000, 400_000, 2_000_000)[i % 5],
        "engagement_rate": (0.5, 3.3, 3.3, 7.1, 12.0)[(i * 7) % 5],
        "bio": (
            "Plant based recipes from Lisbon"
            if i % 6 == 0
            else "Mountain trails and hiking gear reviews"
            if i % 6 == 1
            else "Daily workouts"
        ),
    }
    for i in range(41)
]


def _walk(fetch, limit):
    """Follow next_cursor to the end; returns (ids in order, the totals reported on each page)."""
    ids, totals, cursor = [], [], None
    for _ in range(1000):
        page = fetch(cursor, limit)
        assert len(page.rows) <= limit
        ids += [int(i) for i in page.rows.iloc[:, 0]]
        totals.append(page.total)
        cursor = page.next_cursor
        if cursor is None:
            return ids, totals
    raise AssertionError("pagination never ended")


def _profiles(db) -> list[InfluencerProfile]:
    return f.read(db, lambda s: list(s.scalars(select(InfluencerProfile))))


SORT_KEYS = {"relevance": "score", "followers": "followers", "engagement": "engagement_rate", "reach": "reach"}


@pytest.fixture
def crowd(database):
    """41 listed influencers plus three that must never show up for sponsors."""
    admin = f.admin(database)
    ids = f.influencers(database, CROWD)
    hidden = f.influencers(
        database,
        [
            {"display_name": "Hidden Private", "is_public": False, "bio": "Daily workouts"},
            {"display_name": "Hidden Flagged", "bio": "Daily workouts"},
            {"display_name": "Hidden Gone", "bio": "Daily workouts"},
        ],
    )
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=hidden[1], reason="Spam"))
    f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=hidden[2], reason="Left"))
    return ids, hidden


INFLUENCER_FILTERS = {
    "everyone": ({}, lambda p: True),
    "text word": ({"text": "lisbon"}, lambda p: "Lisbon" in p.bio),
    "text prefixes of two words": ({"text": "HIK gea"}, lambda p: "hiking gear" in p.bio),
    "text in name": ({"text": "creator 07"}, lambda p: p.display_name == "Creator 07"),
    "text with punctuation": ({"text": "plant-based!! (recipes)"}, lambda p: "Plant based recipes" in p.bio),
    "category": ({"category": "Food"}, lambda p: p.category == "Food"),
    "niche": ({"niche": "hiking"}, lambda p: p.niche == "hiking"),
    "platform": ({"platform": "youtube"}, lambda p: p.platform == "youtube"),
    "followers range": (
        {"min_followers": 25_000, "max_followers": 400_000},
        lambda p: 25_000 <= p.followers <= 400_000,
    ),
    "reach range": ({"min_reach": 3_000, "max_reach": 100_000}, lambda p: 3_000 <= p.reach <= 100_000),
    "engagement": ({"min_engagement": 7.1}, lambda p: p.engagement_rate >= 7.1),
    "everything at once": (
        {"text": "daily", "category": "Fitness", "platform": "instagram", "min_followers": 1_000, "min_engagement": 1},
        lambda p: "Daily" in p.bio and p.category == "Fitness" and p.platform == "instagram" and p.engagement_rate >= 1,
    ),
    "nothing matches": ({"text": "zzzyzzx"}, lambda p: False),
}


def test_influencer_search_filters_match_exactly_the_right_profiles(database, crowd):
    sponsor = f.sponsor(database)
    listed = [p for p in _profiles(database) if p.user_id in set(crowd[0])]
    found, wanted = {}, {}
    for name, (filters, keep) in INFLUENCER_FILTERS.items():
        page = f.read(database, lambda s: search.search_influencers(s, actor=sponsor, limit=200, **filters))
        found[name] = (sorted(int(i) for i in page.rows["user_id"]), page.total)
        expected = sorted(p.user_id for p in listed if keep(p))
        wanted[name] = (expected, len(expected))
    assert found == wanted
    assert all(found[name][1] > 0 for name in INFLUENCER_FILTERS if name != "nothing matches")


@pytest.mark.parametrize("sort", list(SORT_KEYS))
def test_walking_every_influencer_page_returns_each_match_once_in_sort_order(database, crowd, sort):
    sponsor = f.sponsor(database)
    key = SORT_KEYS[sort]
    listed = [p for p in _profiles(database) if p.user_id in set(crowd[0])]
    for filters, keep in ({}, lambda p: True), ({"category": "Travel"}, lambda p: p.category == "Travel"):
        expected = [
            p.user_id
            for p in sorted((p for p in listed if keep(p)), key=lambda p: (getattr(p, key), p.user_id), reverse=True)
        ]
        ids, totals = _walk(
            lambda cursor, limit: f.read(
                database,
                lambda s: search.search_influencers(s, actor=sponsor, sort=sort, cursor=cursor, limit=limit, **filters),
            ),
            limit=4,
        )
        assert len(ids) == len(set(ids)), "a row appeared twice"
        assert ids == expected
        assert set(totals) == {len(expected)}
    first = f.read(database, lambda s: search.search_influencers(s, actor=sponsor, sort=sort, limit=1))
    assert "reach" in first.rows.loc[0, "score_reasons"]


def test_only_admins_see_unlisted_influencers_and_only_when_they_ask(database, crowd):
    admin, sponsor = f.admin(database), f.sponsor(database)
    listed, hidden = crowd
    seen = {
        int(i)
        for i in f.read(
            database,
            lambda s: search.search_influencers(s, actor=sponsor, text="daily", include_unlisted=True, limit=200),
        ).rows["user_id"]
    }
    assert seen and seen <= set(listed) and not seen & set(hidden)
    admin_default = {
        int(i)
        for i in f.read(database, lambda s: search.search_influencers(s, actor=admin, text="daily", limit=200)).rows[
            "user_id"
        ]
    }
    assert not admin_default & set(hidden)
    admin_all = {
        int(i)
        for i in f.read(
            database,
            lambda s: search.search_influencers(s, actor=admin, text="hidden", include_unlisted=True, limit=200),
        ).rows["user_id"]
    }
    assert admin_all == set(hidden)


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"sort": "random"}, "Sort must be one of"),
        ({"cursor": "garbage"}, "page link is no longer valid"),
        ({"min_followers": 10, "max_followers": 5}, "Minimum followers cannot be more than maximum followers"),
        ({"min_reach": -1}, "Minimum reach cannot be less than 0"),
        ({"platform": "myspace"}, "Platform must be one of"),
        ({"min_engagement": 101}, "between 0 and 100"),
    ],
)
def test_bad_influencer_search_input_is_explained(database, filters, message):
    sponsor = f.sponsor(database)
    with pytest.raises(InvalidInput, match=message):
        f.read(database, lambda s: search.search_influencers(s, actor=sponsor, **filters))


# ---- campaigns ---------------------------------------------------------------------------------------------


@pytest.fixture
def market(database):
    """Two sponsors' campaigns: some searchable, some that must never appear for influencers."""
    admin = f.admin(database)
    acme, shady, gone = f.sponsor(database, name="Acme"), f.sponsor(database, name="Shady"), f.sponsor(database)
    d = today()
    shown = {
        "yoga": f.campaign(
            database,
            acme,
            name="Yoga mats launch",
            category="Fitness",
            niche="yoga",
            budget_cents=50_000,
            start=d - dt.timedelta(days=5),
            end=d + dt.timedelta(days=10),
            description="Eco friendly mats",
        ),
        "vegan": f.campaign(
            database,
            acme,
            name="Vegan snacks",
            category="Food",
            niche="vegan",
            budget_cents=200_000,
            start=d + dt.timedelta(days=3),
            end=d + dt.timedelta(days=40),
        ),
        "hiking": f.campaign(
            database,
            acme,
            name="Trail boots",
            category="Travel",
            niche="hiking",
            budget_cents=120_000,
            start=d,
            end=d + dt.timedelta(days=90),
            description="Waterproof boots for mountain trails",
        ),
        "last day": f.campaign(
            database,
            acme,
            name="Last call",
            category="Fitness",
            niche="running",
            budget_cents=10_000,
            start=d - dt.timedelta(days=30),
            end=d,
        ),
    }
    shown.update(
        {
            f"filler {i}": f.campaign(
                database, acme, name=f"Filler {i}", category="Misc", niche="misc", budget_cents=1_000 * (i + 1)
            )
            for i in range(5)
        }
    )
    ended = f.campaign(
        database,
        acme,
        name="Old yoga retreat",
        category="Fitness",
        niche="yoga",
        start=d - dt.timedelta(days=30),
        end=d - dt.timedelta(days=1),
    )
    hidden = {
        "private": f.campaign(database, acme, name="Secret yoga", is_public=False),
        "draft": f.campaign(database, acme, name="Draft yoga", status="draft"),
        "flagged": f.campaign(database, acme, name="Flagged yoga"),
        "flagged sponsor": f.campaign(database, shady, name="Shady yoga"),
        "deactivated sponsor": f.campaign(database, gone, name="Gone yoga"),
        "cancelled": f.campaign(database, acme, name="Cancelled yoga"),
    }
    f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=hidden["flagged"], reason="x"))
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=shady.id, reason="Scam"))
    f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=gone.id, reason="Left"))
    f.write(
        database, lambda s: campaigns.set_status(s, actor=acme, campaign_id=hidden["cancelled"], status="cancelled")
    )
    return shown, ended, hidden, acme


def _campaign_ids(db, actor, **filters) -> list[int]:
    page = f.read(db, lambda s: search.search_campaigns(s, actor=actor, limit=200, **filters))
    assert page.total == len(page.rows)
    return [int(i) for i in page.rows["id"]]


def test_campaign_search_filters_match_exactly_the_right_campaigns(database, market):
    shown, ended, _, _ = market
    influencer = f.influencer(database)
    d = today()
    cases = {
        "everything open": ({}, set(shown.values())),
        "text": ({"text": "yoga"}, {shown["yoga"]}),
        "text prefix in description": ({"text": "waterpro MOUNT"}, {shown["hiking"]}),
        "category": ({"category": "Food"}, {shown["vegan"]}),
        "niche": ({"niche": "hiking"}, {shown["hiking"]}),
        "budget range": ({"min_budget_cents": 50_000, "max_budget_cents": 120_000}, {shown["yoga"], shown["hiking"]}),
        "active on a day": (
            {"active_on": d + dt.timedelta(days=20)},
            {shown["vegan"], shown["hiking"]} | {v for k, v in shown.items() if k.startswith("filler")},
        ),
        "starts after": ({"starts_after": d + dt.timedelta(days=1)}, {shown["vegan"]}),
        "ends before": ({"ends_before": d + dt.timedelta(days=10)}, {shown["yoga"], shown["last day"]}),
        "ended ones when asked": ({"text": "yoga", "include_ended": True}, {shown["yoga"], ended}),
    }
    found = {name: set(_campaign_ids(database, influencer, **filters)) for name, (filters, _) in cases.items()}
    assert found == {name: wanted for name, (_, wanted) in cases.items()}


def test_walking_every_campaign_page_returns_each_once_newest_first(database, market):
    shown, _, _, _ = market
    influencer = f.influencer(database)
    ids, totals = _walk(
        lambda cursor, limit: f.read(
            database, lambda s: search.search_campaigns(s, actor=influencer, cursor=cursor, limit=limit)
        ),
        limit=2,
    )
    assert ids == sorted(shown.values(), reverse=True)
    assert set(totals) == {len(shown)}


def test_private_flagged_ended_and_unlisted_campaigns_never_appear_for_influencers(database, market):
    shown, ended, hidden, _ = market
    influencer = f.influencer(database)
    everything = set(_campaign_ids(database, influencer, include_ended=True))
    assert everything == set(shown.values()) | {ended}
    assert not everything & set(hidden.values())
    assert ended not in set(_campaign_ids(database, influencer))


def test_campaign_search_marks_campaigns_the_influencer_already_asked_to_join(database, market):
    shown, _, _, _ = market
    influencer = f.influencer(database)
    f.ask(database, influencer, shown["yoga"])
    page = f.read(database, lambda s: search.search_campaigns(s, actor=influencer, limit=200))
    flags = dict(zip((int(i) for i in page.rows["id"]), page.rows["already_requested"]))
    assert {campaign_id for campaign_id, asked in flags.items() if asked} == {shown["yoga"]}


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"min_budget_cents": 10, "max_budget_cents": 5}, "Minimum budget cannot be more than maximum budget"),
        ({"cursor": "x|y"}, "page link is no longer valid"),
        ({"active_on": "not a date"}, "must be a date"),
        ({"min_budget_cents": "lots"}, "Minimum budget must be a whole number"),
        ({"max_budget_cents": -5}, "Maximum budget cannot be less than 0"),
    ],
)
def test_bad_campaign_search_input_is_explained(database, filters, message):
    influencer = f.influencer(database)
    with pytest.raises(InvalidInput, match=message):
        f.read(database, lambda s: search.search_campaigns(s, actor=influencer, **filters))


def test_search_sides_are_role_bound(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: search.search_campaigns(s, actor=sponsor))
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: search.search_influencers(s, actor=influencer))


# ---- opening one campaign ----------------------------------------------------------------------------------


def test_a_private_campaign_opens_only_for_its_sponsor_admins_and_influencers_holding_a_request(database):
    admin, sponsor, other_sponsor = f.admin(database), f.sponsor(database), f.sponsor(database)
    invited, stranger = f.influencer(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, is_public=False, name="Secret launch")
    request_id = f.request(database, sponsor, campaign_id, invited)

    def open_as(actor):
        return f.read(database, lambda s: campaigns.get_campaign(s, actor=actor, campaign_id=campaign_id))

    for viewer in (sponsor, admin, invited):
        assert open_as(viewer)["name"] == "Secret launch"
    for viewer in (stranger, other_sponsor):
        with pytest.raises(NotFound, match="does not exist or is private"):
            open_as(viewer)
    # Money details are for the owner side only.
    assert open_as(sponsor)["remaining_cents"] == 100_000 and open_as(invited)["remaining_cents"] is None
    # Holding a request keeps the door open even after it is declined.
    f.write(database, lambda s: ad_requests.reject(s, actor=invited, ad_request_id=request_id))
    assert open_as(invited)["id"] == campaign_id
    with pytest.raises(NotFound):
        f.read(database, lambda s: campaigns.get_campaign(s, actor=admin, campaign_id=999_999))


def test_a_flagged_campaign_disappears_for_influencers_without_a_request(database):
    admin, sponsor = f.admin(database), f.sponsor(database)
    invited, stranger = f.influencer(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    f.request(database, sponsor, campaign_id, invited)
    assert f.read(database, lambda s: campaigns.get_campaign(s, actor=stranger, campaign_id=campaign_id))
    f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="x"))
    with pytest.raises(NotFound):
        f.read(database, lambda s: campaigns.get_campaign(s, actor=stranger, campaign_id=campaign_id))
    seen = f.read(database, lambda s: campaigns.get_campaign(s, actor=invited, campaign_id=campaign_id))
    assert seen["flagged"] is True and seen["flag_reason"] is None


def test_influencer_facets_list_what_is_in_use_among_listed_profiles(database, crowd):
    sponsor = f.sponsor(database)
    facets = f.read(database, lambda s: search.influencer_facets(s, actor=sponsor))
    assert facets["categories"] == ["Fitness", "Food", "Travel"]
    assert facets["niches"] == ["hiking", "running", "vegan", "yoga"]
    assert "youtube" in facets["platforms"]


def test_filter_options_never_reveal_private_or_flagged_profiles_or_campaigns(database):
    admin, sponsor, rival = f.admin(database), f.sponsor(database), f.sponsor(database)
    viewer = f.influencer(database, category="Fitness", niche="yoga")
    f.influencer(database, category="Secret Ops", niche="whistleblowing", is_public=False)
    flagged = f.influencer(database, category="Scams", niche="pyramid")
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=flagged.id, reason="Spam"))
    f.campaign(database, sponsor, category="Gaming", niche="retro")
    private = f.campaign(database, rival, category="Stealth Launch", niche="prototype", is_public=False)
    f.request(database, rival, private, viewer)  # she may open it, but search never lists it
    bad = f.campaign(database, sponsor, category="Crypto", niche="pump")
    f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=bad, reason="Fraud"))

    for_sponsor = f.read(database, lambda s: search.influencer_facets(s, actor=sponsor))
    assert (for_sponsor["categories"], for_sponsor["niches"]) == (["Fitness"], ["yoga"])
    for_influencer = f.read(database, lambda s: search.campaign_facets(s, actor=viewer))
    assert (for_influencer["categories"], for_influencer["niches"]) == (["Gaming"], ["retro"])
    # An admin who asks for unlisted profiles may filter by everything (her search returns them too).
    for_admin = f.read(database, lambda s: search.influencer_facets(s, actor=admin, include_unlisted=True))
    assert for_admin["categories"] == ["Fitness", "Scams", "Secret Ops"]
    assert f.read(database, lambda s: search.influencer_facets(s, actor=sponsor, include_unlisted=True)) == for_sponsor


def test_filter_options_check_who_is_asking(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: search.campaign_facets(s, actor=sponsor))
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: search.influencer_facets(s, actor=influencer))
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: search.influencer_facets(s, actor=None))
