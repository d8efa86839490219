"""Where a link written by the core ("request:12", "approvals", a page's URL path) opens, and reading it there once.

One table maps (role, link kind) to the page that shows that kind of object and the query parameter that names
the object. The target page reads its parameter with take() and hands the id to its picker as a preselect; the
core's permission check on the read stays the guard, so a link to someone else's object shows nothing of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import streamlit as st

from core.permissions import Actor
from pages.common import navigation

# (role, link kind) -> (page file under pages/, query parameter naming the object, or None for the page itself)
ROUTES: dict[tuple[str, str], tuple[str, str | None]] = {
    ("sponsor", "request"): ("sponsor/campaigns.py", "request"),
    ("sponsor", "campaign"): ("sponsor/campaigns.py", "campaign"),
    ("sponsor", "deliverable"): ("sponsor/content_approvals.py", "deliverable"),
    ("sponsor", "document"): ("sponsor/finance.py", "document"),
    ("influencer", "request"): ("influencer/inbox.py", "request"),
    ("influencer", "campaign"): ("influencer/find_campaigns.py", "campaign"),
    ("influencer", "deliverable"): ("influencer/deliverables.py", "deliverable"),
    ("influencer", "document"): ("influencer/invoices.py", "document"),
    ("admin", "approvals"): ("admin/approvals.py", None),
    ("admin", "campaign"): ("admin/campaigns.py", "campaign"),
    ("admin", "reports"): ("admin/reports.py", None),
}
# Audit rows name their target by table-ish kinds; the links use the shorter ones above.
AUDIT_KINDS = {"ad_request": "request"}
_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class Target:
    """A page file under pages/, its title, and the query parameters that select the object."""

    page: str
    title: str
    params: dict[str, str] = field(default_factory=dict)


def _title(role: str, page: str) -> str | None:
    for entries in navigation.ROLE_PAGES.get(role, {}).values():
        for path, title, _ in entries:
            if path == page:
                return title
    return None


def _by_url(role: str, link: str) -> str | None:
    """The role's page whose URL path is link (reminders, reports and exports link to whole pages)."""
    for entries in navigation.ROLE_PAGES.get(role, {}).values():
        for path, _, _ in entries:
            if navigation.url_path(path) == link:
                return path
    return None


def target(actor: Actor, link: str | None) -> Target | None:
    """Where link opens for actor's role, or None for an unknown or legacy link (shown without an Open button)."""
    if not link:
        return None
    kind, _, ref = str(link).partition(":")
    route = ROUTES.get((actor.role, kind))
    page, param = route if route else (_by_url(actor.role, str(link)), None)
    if page is None or (param is not None and not _ID.fullmatch(ref)):
        return None
    title = _title(actor.role, page)
    if title is None:  # a page the role's navigation does not have
        return None
    return Target(page=page, title=title, params={param: str(int(ref))} if param else {})


def audit_link(target_type: str | None, target_id) -> str | None:
    """The link of an audit row's target ("campaign:5"), for target(); None when it has no id."""
    if not target_type or target_id is None or target_id != target_id:  # NaN from a nullable column
        return None
    return f"{AUDIT_KINDS.get(target_type, target_type)}:{int(target_id)}"


def take(name: str) -> int | None:
    """The id in query parameter name, read once: it is removed so the user can go on to pick another record.

    Anything but a positive whole number (garbage, a negative, an overflow) is None.
    """
    if name not in st.query_params:
        return None
    raw = str(st.query_params.get(name, "")).strip()
    del st.query_params[name]
    return int(raw) if _ID.fullmatch(raw) and int(raw) > 0 else None


def go(where: Target) -> None:
    """Switch to the target's page with its query parameters (ends this run)."""
    navigation.switch_to(where.page, where.params)
