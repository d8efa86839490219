"""Campaign descriptions and goals, request briefs and post captions, worded per category and niche."""

from __future__ import annotations

import random

from core.demo.content.niches import niche

AIMS = {
    "Tech": (
        "show how it fits into a real working day",
        "put it through an honest week of daily use",
        "compare it fairly with what their audience already owns",
    ),
    "Fitness": ("make training feel achievable", "show it in real sessions, sweat included"),
    "Food": ("cook with it the way their followers actually cook", "turn it into recipes people save"),
    "Travel": ("take it somewhere worth the trip", "show it on the road, not in a studio"),
    "Beauty": ("test it honestly on real skin", "build it into an everyday routine"),
    "Fashion": ("style it their own way", "show it on the street, not on a hanger"),
    "Gaming": ("use it live on stream", "put it in front of a competitive audience"),
    "Finance": ("explain it in plain language", "show what it changes in a real monthly budget"),
}
OPENERS = (
    "{sponsor} is partnering with {niche} creators who can {aim}.",
    "For {campaign}, we want {niche} creators who {aim_verb}.",
    "{campaign} brings {sponsor} to {audience}: we are looking for creators who can {aim}.",
)
MIDDLES = (
    "Think {example}.",
    "The format is yours — for example {example}.",
    "Our favourite pitch so far: {example}.",
)
CLOSERS = (
    "We send product samples and a one-page brief; you keep your voice.",
    "Creative freedom on format; we only ask for an honest take and clear #ad disclosure.",
    "Paid partnership with product seeding and 30 days of usage rights on our channels.",
    "Drafts go through one round of review; timing is flexible within the campaign dates.",
)
GOALS = (
    "Reach {reach}k people in the {niche} community and drive sign-ups.",
    "{reach}k views across creators, a 3% click-through on the link, and honest comments we can learn from.",
    "Grow awareness with {audience}; measure with a creator code and a landing page.",
    "Sell out the launch bundle: {reach}k impressions and a tracked code per creator.",
)
REQUIREMENTS = {
    "youtube": (
        "One dedicated video (8–12 min) or a 60-second integration in the first third; link in the description.",
        "A 60–90 second integration near the start of a regular video, plus one Short; link pinned for 30 days.",
    ),
    "instagram": (
        "One reel and three stories with the link sticker; link in bio for two weeks.",
        "A carousel post and two reels over two weeks; tag us and use #ad on every post.",
    ),
    "tiktok": (
        "Two short videos (20–45 s) a week apart, with the creator code on screen.",
        "One video using the product on camera, plus a follow-up answering comments.",
    ),
    "twitch": (
        "A sponsored segment in three streams (10 min each) and a chat command with the link.",
        "Product on camera for one full stream, a giveaway at the end, panel link for a month.",
    ),
    "blog": (
        "An in-depth review post (1,200+ words) with original photos, shared once on social.",
        "A how-to guide featuring the product and a mention in the next newsletter.",
    ),
}
CAPTIONS = {
    "Tech": "A week with {campaign}: the battery is unreal and it survived my commute. {tags}",
    "Fitness": "20-minute session powered by {campaign}. Who's joining tomorrow? {tags}",
    "Food": "Weeknight dinner in 15 minutes thanks to {campaign}. Recipe in the comments! {tags}",
    "Travel": "Packing light for the coast with {campaign} in my bag. {tags}",
    "Beauty": "My 3-step morning routine, now with {campaign}. Skin feels calm. {tags}",
    "Fashion": "Three outfits, one piece: styling {campaign} for the week. {tags}",
    "Gaming": "Tonight's stream is brought to you by {campaign} — come say hi. {tags}",
    "Finance": "How {campaign} changed my monthly budget, with real numbers. {tags}",
}


def description(rng: random.Random, *, campaign: str, sponsor: str, category: str, niche_name: str) -> str:
    """Three sentences saying who the campaign wants, what it looks like and how the partnership works."""
    words = niche(niche_name)
    aim = rng.choice(AIMS.get(category, AIMS["Tech"]))
    opener = rng.choice(OPENERS).format(
        sponsor=sponsor,
        campaign=campaign,
        niche=niche_name,
        audience=words.audience,
        aim=aim,
        aim_verb=f"can {aim}",  # reads after "creators who"
    )
    middle = rng.choice(MIDDLES).format(example=words.example)
    return f"{opener} {middle} {rng.choice(CLOSERS)}"


def goals(rng: random.Random, *, niche_name: str) -> str:
    """A measurable goal for a campaign in niche_name."""
    reach = rng.choice((150, 200, 400, 750, 1200))
    return rng.choice(GOALS).format(reach=reach, niche=niche_name, audience=niche(niche_name).audience)


def requirements(rng: random.Random, *, platform: str) -> str:
    """What a request asks a creator on platform to deliver."""
    return rng.choice(REQUIREMENTS.get(platform, REQUIREMENTS["instagram"]))


def caption(category: str, campaign: str, tags: str, *, disclose: bool) -> str:
    """The caption of a demo draft; without disclose it lacks the #ad the sponsor then asks for."""
    text = CAPTIONS.get(category, CAPTIONS["Tech"]).format(campaign=campaign, tags=tags)
    return f"#ad {text}" if disclose else text
