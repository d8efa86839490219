"""Influencer bios built from the niche's vocabulary, the platform's rhythm and a personal touch per category."""

from __future__ import annotations

import random

from core.demo.content.niches import niche

LEADS = (
    "{Topic} for {audience}.",
    "I make {topic} for {audience}.",
    "{Topic}, {topic2} and the occasional behind-the-scenes.",
    "Here for {topic} — no filters, no fake hype.",
    "Sharing {topic} and {topic2}.",
    "{Topic} with a side of {topic2}, made for {audience}.",
)
RHYTHMS = {
    "instagram": ("Reels three times a week.", "Daily stories, a carousel guide every Sunday."),
    "youtube": ("New video every {weekday}.", "Long-form videos weekly, Shorts in between."),
    "tiktok": ("Short, practical videos most days.", "Quick tips daily, live Q&A on {weekday}s."),
    "twitch": ("Live on {weekday} and Saturday evenings.", "Streaming four nights a week, clips on the weekend."),
    "blog": ("A long-form post every {weekday}.", "In-depth guides and a monthly newsletter."),
}
PERSONAL = {
    "Tech": ("Former QA engineer.", "Recovering early adopter.", "I test everything for at least a week."),
    "Fitness": ("Certified coach.", "Ran my first marathon at 34.", "Former office worker turned trainer."),
    "Food": ("Self-taught cook.", "Trained as a pastry chef.", "Always hungry, always honest."),
    "Travel": ("Visited 40+ countries.", "Travelling with a carry-on only.", "Slow traveller."),
    "Beauty": ("Licensed esthetician.", "Sensitive skin, so I read every label.", "Makeup artist for 8 years."),
    "Fashion": ("Stylist by day.", "Thrift-first, always.", "Sneakerhead since school."),
    "Gaming": ("Top-100 runner in two categories.", "Playing since the 8-bit days.", "Ex-pro, now analyst."),
    "Finance": ("Paid off $40k of debt in three years.", "CFA charterholder.", "Numbers nerd with a budget."),
}
CLOSERS = (
    "Based in {city}.",
    "{city} based, working worldwide.",
    "Brand work: email in the link.",
    "Open to long-term partnerships.",
    "Collabs: DM me.",
)
CITIES = (
    "Austin", "Lisbon", "Manchester", "Toronto", "Melbourne", "Berlin", "Denver", "Dublin", "Barcelona", "Chicago",
    "Vancouver", "Amsterdam", "Portland", "Edinburgh", "Cape Town", "Singapore", "Brooklyn", "Copenhagen", "Seattle",
    "Auckland", "Milan", "Nashville", "Bristol", "Montreal",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def bio(rng: random.Random, *, category: str, niche_name: str, platform: str, city: str | None = None) -> str:
    """A two-to-four-sentence bio of a creator in niche_name who posts on platform (living in city, or one of ours)."""
    city = city or rng.choice(CITIES)
    words = niche(niche_name)
    topic, topic2 = rng.sample(words.topics, 2) if len(words.topics) > 1 else (words.topics[0], words.topics[0])
    lead = rng.choice(LEADS).format(Topic=_cap(topic), topic=topic, topic2=topic2, audience=words.audience)
    rhythm = rng.choice(RHYTHMS.get(platform, RHYTHMS["blog"])).format(weekday=rng.choice(WEEKDAYS))
    parts = [lead, rhythm]
    if rng.random() < 0.7:
        parts.insert(1, rng.choice(PERSONAL.get(category, ("Creator for six years.",))))
    parts.append(rng.choice(CLOSERS).format(city=city))
    return " ".join(parts)
