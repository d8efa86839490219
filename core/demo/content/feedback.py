"""Reviews, requested changes and CRM notes: the demo's after-the-deal and behind-the-scenes text."""

from __future__ import annotations

import random

SPONSOR_REVIEWS = {
    5: (
        "On brief, on time, and the {format} outperformed our paid ads.",
        "{first} understood the product straight away; the audience response was the best of the campaign.",
        "Easy to work with, great communication, and the content still drives clicks weeks later.",
    ),
    4: (
        "Solid content and honest delivery. One round of edits, then everything landed on schedule.",
        "Good results with {first}'s audience; the draft needed a small fix to the disclosure.",
    ),
    3: ("The content was fine but posted a few days late; reach was below the forecast.",),
}
INFLUENCER_REVIEWS = {
    5: (
        "Clear brief and quick approvals. Payment arrived the same week.",
        "The team gave real creative freedom and answered every question within a day.",
    ),
    4: (
        "Friendly team and a fair fee; the product shipped a little late, but they extended the deadline.",
        "Good brief and fast payment. I'd work with them again.",
    ),
    3: ("Nice product, but the approval took longer than agreed.",),
}
CHANGE_REQUESTS = (
    "Lovely shot! Please add the #ad disclosure at the start of the caption and show the logo.",
    "Great energy — could you put #ad first in the caption and mention the discount code in the video?",
)
NOTES = (
    "Found through the search; audience overlaps well with our buyers.",
    "Sent a DM introducing the brand — waiting for a reply.",
    "Replied! Asked for the media kit and rates.",
    "Rates are a bit high; propose a gifted product plus a smaller fee.",
    "Great call today: interested in a three-month partnership.",
    "Posted the first story; engagement above their average.",
    "Audience is 70% in our shipping countries — good fit.",
    "Prefers email over DMs; manager cc'd on everything.",
    "Worked with a competitor last spring; check exclusivity before offering.",
    "Sent samples; tracking says delivered on Tuesday.",
    "Asked for usage rights pricing separately.",
    "Strong comments section — real questions, not bots.",
)


def review(rng: random.Random, author: str, stars: int, **words: str) -> str:
    """A review text by author ("sponsor" or "influencer") that fits stars."""
    pool = SPONSOR_REVIEWS if author == "sponsor" else INFLUENCER_REVIEWS
    text = rng.choice(pool[max(3, min(stars, 5))])
    return text.format(**{"first": "The creator", "format": "post", **words})


def change_request(rng: random.Random) -> str:
    """What a sponsor asks to change in a draft that lacks its #ad disclosure."""
    return rng.choice(CHANGE_REQUESTS)


def notes(rng: random.Random, count: int) -> list[str]:
    """count distinct CRM notes."""
    return rng.sample(NOTES, min(count, len(NOTES)))
