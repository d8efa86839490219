"""Generated avatars: initials on a colour derived from a hash of the user, as an SVG data URI (no network, no files)."""

from __future__ import annotations

import base64
import hashlib
from html import escape

# Mid-tone colours that keep white initials readable (contrast >= 4.5:1 against #FFFFFF).
PALETTE = (
    "#1D4ED8",
    "#0F766E",
    "#B91C1C",
    "#7C3AED",
    "#C2410C",
    "#0E7490",
    "#BE185D",
    "#4D7C0F",
    "#6D28D9",
    "#A16207",
    "#047857",
    "#9333EA",
)


def initials(name: str) -> str:
    """Up to two initials of name (first letters of its first and last words); "?" when it has no letters."""
    words = [word for word in (name or "").split() if any(ch.isalnum() for ch in word)]
    letters = [next(ch for ch in word if ch.isalnum()) for word in words]
    if not letters:
        return "?"
    picked = letters[0] + (letters[-1] if len(letters) > 1 else "")
    return picked.upper()


def colour(key: str) -> str:
    """The palette colour of key (stable across processes and Python versions, unlike hash())."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def avatar_svg(name: str, *, key: str | int | None = None, size: int = 64) -> str:
    """The SVG of name's avatar; key (the user id, say) picks the colour, so two namesakes differ."""
    size = max(8, int(size))
    text = escape(initials(name), quote=True)
    label = escape(name or "", quote=True)
    fill = colour(str(key) if key is not None else name or "")
    font = round(size * (0.42 if len(initials(name)) < 2 else 0.38))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{label}">'
        f'<circle cx="{size / 2:g}" cy="{size / 2:g}" r="{size / 2:g}" fill="{fill}"/>'
        f'<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="#FFFFFF" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="{font}" font-weight="600">{text}</text>'
        "</svg>"
    )


def avatar_data_uri(name: str, *, key: str | int | None = None, size: int = 64) -> str:
    """name's avatar as a data:image/svg+xml;base64 URI, ready for st.image or an <img src>."""
    svg = avatar_svg(name, key=key, size=size).encode("utf-8", "replace")  # a lone surrogate becomes "?"
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
