"""The compliance checklist of a caption: disclosure present, required hashtags and mentions present."""

from __future__ import annotations

import re

DEFAULT_DISCLOSURE_MARKERS = ("#ad", "#sponsored", "paid partnership")


def tags(value: str, prefix: str) -> list[str]:
    """Split a free-text list ("#a, b #c") into normalised tags with their prefix, in order, without repeats."""
    found: list[str] = []
    for word in re.split(r"[\s,;]+", value or ""):
        word = word.strip().lstrip(prefix)
        if word and f"{prefix}{word}".lower() not in found:
            found.append(f"{prefix}{word}".lower())
    return found


def _has_token(caption: str, token: str) -> bool:
    # A tag counts only as a whole token: "#ad" is not satisfied by "#adventure".
    return re.search(rf"(?<![\w#@]){re.escape(token)}(?![\w])", caption, flags=re.IGNORECASE) is not None


def check_caption(
    caption: str,
    *,
    hashtags: str,
    mentions: str,
    disclosure_required: bool,
    markers: tuple[str, ...] = DEFAULT_DISCLOSURE_MARKERS,
) -> dict:
    """Each check with whether it passed, and `passed` overall."""
    checks = []
    if disclosure_required:
        present = [m for m in markers if _has_token(caption, m)]
        checks.append(
            {
                "check": "Disclosure (" + " / ".join(markers) + ")",
                "passed": bool(present),
                "detail": ", ".join(present) if present else "none found",
            }
        )
    for tag in tags(hashtags, "#"):
        checks.append({"check": f"Hashtag {tag}", "passed": _has_token(caption, tag), "detail": ""})
    for mention in tags(mentions, "@"):
        checks.append({"check": f"Mention {mention}", "passed": _has_token(caption, mention), "detail": ""})
    return {"passed": all(c["passed"] for c in checks), "checks": checks}
