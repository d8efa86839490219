"""Negotiation lines, kept apart by who says them, so a demo message always matches its sender.

LINES[party][action] holds that party's templates for that step; `voice_of` tells which party's templates
could have produced a text (the demo tests use it to check every message against its sender).
"""

from __future__ import annotations

import random
import re
from functools import cache

LINES: dict[str, dict[str, tuple[str, ...]]] = {
    "sponsor": {
        "sent": (
            "Hi {first}! We love your {niche} content and think {campaign} is a natural fit. "
            "The brief is below — happy to answer any questions.",
            "Hello {first}, we're running {campaign} and your audience is exactly who we want to reach. "
            "Would you be interested?",
            "Hi {first}, your recent posts caught our team's eye. We'd like to offer you a spot in {campaign}.",
            "Hi {first} — {sponsor} here. We're lining up creators for {campaign} and you're at the top of our list.",
        ),
        "countered": (
            "Thanks for the proposal! Our budget for this round is tighter — could you do it for this amount?",
            "We can move a little on the fee if we keep the stories in. How does this look?",
            "This is the most we can do on {campaign}, but we can add free product for a giveaway.",
            "We'd like to make this work: here's a revised offer with a longer posting window.",
        ),
        "accepted": (
            "Deal! We'll ship the product and the brief this week.",
            "That works for us — welcome to {campaign}, {first}!",
            "Agreed. Our team will be in touch with the shipping details.",
        ),
        "rejected": (
            "Thanks for your interest — we've filled {campaign} for now, but we'll keep you in mind.",
            "Not the right fit for this brief, sorry. We'd love to work together on a future one.",
        ),
        "withdrawn": (
            "We have to pause {campaign} — sorry for the change of plans.",
            "Our launch date moved, so we're withdrawing this offer for now.",
        ),
        "completed": (
            "Great results — thank you, {first}!",
            "The post performed above our benchmarks. Thanks for a smooth collaboration.",
            "All deliverables are in and the numbers look great. Closing this one — thank you!",
        ),
    },
    "influencer": {
        "asked": (
            "Hi! I'd love to be part of {campaign} — my audience is mostly {audience}, so it fits well.",
            "I've been using {sponsor} products for a while and would be glad to feature them in my {niche} content.",
            "Hello! {campaign} sounds like a great match for my channel. My media kit is linked on my profile.",
        ),
        "countered": (
            "Thanks for the offer! With the stories and a month of link-in-bio, my rate is a bit higher — "
            "could we meet here?",
            "I'd love to do this. Could we adjust the fee to match my current rate card?",
            "Happy to add an extra story if we can meet at this amount.",
            "This works for me with one change to the fee — it covers filming on location.",
        ),
        "accepted": (
            "Deal — looking forward to it!",
            "Sounds great, count me in. I'll start planning the content.",
            "Accepted! Please send the product to the address on my profile.",
        ),
        "rejected": (
            "Thank you, but my calendar is full this month.",
            "I'll pass on this one — the product isn't a fit for my audience.",
            "Thanks for thinking of me! I can't commit to these dates, unfortunately.",
        ),
        "withdrawn": (
            "I have to step back from this request — my schedule changed.",
            "Withdrawing my request for now; I hope to apply again later.",
        ),
    },
}


def line(rng: random.Random, party: str, action: str, **words: str) -> str:
    """One of party's lines for action, filled with words (first, campaign, sponsor, niche, audience)."""
    return rng.choice(LINES[party][action]).format(**_defaults(words))


def _defaults(words: dict[str, str]) -> dict[str, str]:
    filled = {"first": "there", "campaign": "our campaign", "sponsor": "us", "niche": "", "audience": "my audience"}
    filled.update({key: value for key, value in words.items() if value})
    return filled


@cache
def _patterns() -> dict[str, list[re.Pattern[str]]]:
    """Each party's templates as regular expressions, placeholders matching any text."""
    compiled: dict[str, list[re.Pattern[str]]] = {}
    for party, actions in LINES.items():
        compiled[party] = [
            re.compile("^" + re.sub(r"\\\{[a-z]+\\\}", ".+", re.escape(template)) + "$", re.DOTALL)
            for templates in actions.values()
            for template in templates
        ]
    return compiled


def voice_of(text: str) -> set[str]:
    """The parties whose lines could have produced text (empty when it is nobody's demo line)."""
    return {party for party, patterns in _patterns().items() if any(p.match(text) for p in patterns)}
