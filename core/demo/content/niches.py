"""What each demo niche is about: the words the other content modules fill their templates with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Niche:
    """One niche's vocabulary: what its creators post, who watches, and a typical piece of content."""

    topics: tuple[str, ...]
    audience: str
    example: str


NICHES: dict[str, Niche] = {
    # Tech
    "gadget reviews": Niche(
        ("honest gadget reviews", "phone and laptop comparisons", "unboxings without the hype"),
        "people who research before they buy",
        "a side-by-side review after a week of daily use",
    ),
    "smart home": Niche(
        ("smart home setups", "home automation on a budget", "voice assistant tips"),
        "renters and homeowners who want a calmer, smarter home",
        "a room-by-room tour of what is automated and why",
    ),
    "audio gear": Niche(
        ("headphone and speaker reviews", "home studio builds", "audio gear for commuters"),
        "music lovers and home producers",
        "a listening test on the train, at the desk and at the gym",
    ),
    "coding": Niche(
        ("coding tutorials", "developer desk setups", "career tips for new programmers"),
        "students and working developers",
        "a build-along where the product earns its place in the workflow",
    ),
    # Fitness
    "yoga": Niche(
        ("slow-flow yoga", "yoga for desk workers", "breathwork and mobility"),
        "beginners who want a gentle routine",
        "a 20-minute flow filmed in one take",
    ),
    "running": Niche(
        ("marathon training logs", "running form tips", "weekend trail runs"),
        "new and returning runners",
        "a training-week vlog with the gear in real use",
    ),
    "strength training": Niche(
        ("strength programming", "lifting technique breakdowns", "progress check-ins"),
        "lifters who train three to five times a week",
        "a full session with cues on form",
    ),
    "home workouts": Niche(
        ("no-equipment home workouts", "quick routines for busy parents", "apartment-friendly training"),
        "people who train at home around work and family",
        "a 15-minute workout anyone can follow in a living room",
    ),
    # Food
    "vegan baking": Niche(
        ("vegan baking", "egg-free desserts that actually rise", "plant-based weekend bakes"),
        "home bakers and curious flexitarians",
        "a step-by-step recipe with the product in the method",
    ),
    "street food": Niche(
        ("street food tours", "market-stall finds", "recreating street food at home"),
        "food lovers who travel for a good meal",
        "a market walk-through with three stops and honest ratings",
    ),
    "meal prep": Niche(
        ("weekly meal prep", "high-protein lunches", "budget batch cooking"),
        "busy professionals and students",
        "a Sunday prep session for five lunches",
    ),
    "coffee": Niche(
        ("home espresso", "pour-over guides", "café reviews"),
        "home baristas and café regulars",
        "a morning-routine video with a side-by-side taste test",
    ),
    # Travel
    "budget travel": Niche(
        ("budget travel guides", "cheap flight hacks", "city breaks under 300 dollars"),
        "students and young professionals who travel on a budget",
        "a three-day itinerary with every cost on screen",
    ),
    "van life": Niche(
        ("van life", "slow travel on four wheels", "off-grid cooking and camping"),
        "weekend adventurers and full-time nomads",
        "a week on the road with the product packed in the van",
    ),
    "luxury hotels": Niche(
        ("luxury hotel reviews", "boutique stays", "first-class and lounge tours"),
        "travellers planning a special trip",
        "a room tour and an honest verdict on value",
    ),
    "hiking": Niche(
        ("day hikes and multi-day treks", "trail guides", "packing lists for the mountains"),
        "hikers from first summit to long-distance trails",
        "a trail day with a gear check at the summit",
    ),
    # Beauty
    "skincare": Niche(
        ("skincare routines", "ingredient explainers", "sensitive-skin product tests"),
        "people building a simple, effective routine",
        "a four-week before-and-after with daily notes",
    ),
    "makeup tutorials": Niche(
        ("makeup tutorials", "everyday looks in ten minutes", "drugstore dupes"),
        "beginners and makeup enthusiasts",
        "a get-ready-with-me with the product used start to finish",
    ),
    "clean beauty": Niche(
        ("clean beauty", "low-waste bathroom swaps", "fragrance-free routines"),
        "shoppers who read labels",
        "an honest label read and a two-week trial",
    ),
    # Fashion
    "streetwear": Niche(
        ("streetwear styling", "drop reviews", "thrifted and new outfit builds"),
        "young buyers who follow drops closely",
        "three outfits built around one piece",
    ),
    "sustainable fashion": Niche(
        ("sustainable fashion", "capsule wardrobes", "repair and rewear"),
        "people buying less and better",
        "a capsule styled five ways over a week",
    ),
    "sneakers": Niche(
        ("sneaker reviews", "on-feet comparisons", "sneaker care"),
        "collectors and everyday sneaker fans",
        "an on-feet review after a week of wear",
    ),
    # Gaming
    "speedruns": Niche(
        ("speedruns", "route breakdowns", "practice-session streams"),
        "competitive players and curious viewers",
        "a stream segment with the product on camera",
    ),
    "indie games": Niche(
        ("indie game discoveries", "hidden-gem reviews", "developer interviews"),
        "players looking for something new",
        "a first-look stream and a short review",
    ),
    "esports": Niche(
        ("esports analysis", "pro-level gameplay", "tournament watch parties"),
        "competitive fans who watch every major",
        "a watch-party segment with a giveaway",
    ),
    # Finance
    "personal finance": Niche(
        ("personal finance", "budgeting that sticks", "paying off debt"),
        "people in their twenties and thirties getting their money in order",
        "a month-of-spending breakdown",
    ),
    "investing basics": Niche(
        ("investing basics", "index funds explained", "saving for the first home"),
        "first-time investors",
        "a plain-language explainer with a worked example",
    ),
}

DEFAULT = Niche(("everyday life",), "a loyal, engaged community", "an honest review after a week of use")


def niche(name: str) -> Niche:
    """The vocabulary of niche name (a generic one for names the demo does not know)."""
    return NICHES.get(name, DEFAULT)
