"""Which pages each role sees, and the sidebar around them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from core.marketplace import accounts
from core.messaging import notifications
from core.permissions import Actor
from pages.common.session import get_database
from pages.common.widgets import md_escape

PAGES_DIR = Path(__file__).resolve().parent.parent

# (file under pages/, title, icon); the first page of a role is its default.
ROLE_PAGES: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    "admin": {
        "Overview": [
            ("admin/dashboard.py", "Dashboard", "📊"),
            ("admin/approvals.py", "Approvals", "✅"),
            ("admin/notifications.py", "Notifications", "🔔"),
        ],
        "Moderation": [
            ("admin/users.py", "Users", "👥"),
            ("admin/campaigns.py", "Campaigns & requests", "📣"),
            ("admin/audit.py", "Audit log", "🧾"),
        ],
        "Money": [("admin/finance.py", "Finance", "💰")],
        "Jobs": [("admin/reports.py", "Reports & reminders", "📬"), ("admin/system.py", "System health", "🩺")],
    },
    "sponsor": {
        "Work": [
            ("sponsor/dashboard.py", "Dashboard", "📊"),
            ("sponsor/notifications.py", "Notifications", "🔔"),
            ("sponsor/campaigns.py", "Campaigns", "📣"),
            ("sponsor/find_influencers.py", "Find influencers", "🔎"),
            ("sponsor/pipeline.py", "Pipeline", "🗂️"),
            ("sponsor/products.py", "Products", "🎁"),
            ("sponsor/imports.py", "Creator import", "📥"),
            ("sponsor/content_approvals.py", "Content approvals", "🎬"),
            ("sponsor/finance.py", "Finance", "💰"),
        ],
        "Data": [("sponsor/downloads.py", "Downloads", "⬇️"), ("sponsor/reports.py", "Monthly reports", "🗂️")],
        "Organization": [("sponsor/team.py", "Organization & team", "🏢")],
    },
    "influencer": {
        "Work": [
            ("influencer/inbox.py", "Inbox", "📥"),
            ("influencer/find_campaigns.py", "Find campaigns", "🔎"),
            ("influencer/deliverables.py", "Deliverables", "🎬"),
            ("influencer/invoices.py", "Invoices & payouts", "💸"),
        ],
        "Me": [
            ("influencer/profile.py", "Profile & earnings", "🪪"),
            ("influencer/notifications.py", "Notifications", "🔔"),
        ],
    },
}
ACCOUNT_PAGE = ("account/my_account.py", "My account", "⚙️")
NOTIFICATIONS_PAGE = {role: f"{role}/notifications.py" for role in ROLE_PAGES}


def url_path(path: str) -> str:
    """The URL path of a page file under pages/: 'sponsor/content_approvals.py' -> 'sponsor-content-approvals'."""
    if path.startswith("account/"):
        return "account"
    role, _, name = path.partition("/")
    return f"{role}-{Path(name).stem.replace('_', '-')}"


def page_file(path: str) -> str:
    """The absolute script path of a page file under pages/."""
    return str(PAGES_DIR / path)


def switch_to(path: str, params: dict[str, str] | None = None) -> None:
    """Go to a page file under pages/ with these query parameters (ends this run).

    An st.Page, not a file path: st.switch_page resolves a path only among pages already registered in this
    run, while a Page is matched by its URL path when the next run's st.navigation registers it.
    """
    st.switch_page(st.Page(page_file(path), url_path=url_path(path)), query_params=params or {})


def pages_for(actor: Actor) -> dict[str, list[st.Page]]:
    """The st.Page sections for actor's role; pages whose file is missing are left out."""
    sections: dict[str, list[st.Page]] = {}
    first = True
    for section, entries in ROLE_PAGES[actor.role].items():
        pages = []
        for path, title, icon in entries + ([ACCOUNT_PAGE] if section == list(ROLE_PAGES[actor.role])[-1] else []):
            file = PAGES_DIR / path
            if not file.exists():
                continue
            pages.append(st.Page(str(file), title=title, icon=icon, url_path=url_path(path), default=first))
            first = False
        if pages:
            sections[section] = pages
    return sections


def logged_out_pages(login_page: Callable[[], None]) -> list[st.Page]:
    """The login page, and a stand-in running it at every role's page URL.

    A logged-out visitor who opens a page link (from a mail, a bookmark) sees the login screen at that URL,
    with no "Page not found"; once logged in, the same URL resolves to the real page when their role has it
    (a page's identity is its URL path) and to their role's default page otherwise.
    """
    stand_ins = {
        url_path(path): st.Page(login_page, title="Log in", url_path=url_path(path))
        for entries in ROLE_PAGES.values()
        for section in entries.values()
        for path, _title, _icon in [*section, ACCOUNT_PAGE]
    }
    return [st.Page(login_page, title="Log in", url_path="login", default=True), *stand_ins.values()]


def render_sidebar(actor: Actor) -> bool:
    """Who is logged in, what awaits them, and a log-out button; True when it was clicked."""
    with get_database().ReadSession.begin() as session:
        unread = notifications.unread_count(session, actor=actor)
        pending = accounts.count_pending_sponsors(session, actor=actor) if actor.can("user.approve") else 0
    with st.sidebar:
        st.markdown(f"**{md_escape(actor.display_name)}**")
        st.caption(f"@{md_escape(actor.username)} · {actor.role}")
        # A button, not st.page_link: the sidebar is drawn before st.navigation registers this run's pages.
        if unread and st.button(
            f"{unread} unread notification{'s' if unread != 1 else ''}", key="notif_badge", icon="🔔", type="tertiary"
        ):
            switch_to(NOTIFICATIONS_PAGE[actor.role])
        if pending:
            st.caption(f"✅ {pending} sponsor{'s' if pending != 1 else ''} awaiting approval")
        return st.button("Log out", key="sign_out", icon="🚪", width="stretch")
