"""Believable demo text per category and niche: bios, campaigns, negotiation lines, briefs, reviews and notes.

Every function takes a seeded random.Random, so the demo reads the same on every run.
"""
