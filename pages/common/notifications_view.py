"""The one notifications list, for every role: unread first, mark one or all read, open what each is about."""

from __future__ import annotations

import streamlit as st

from core.messaging import notifications
from core.permissions import Actor
from pages.common import deep_links
from pages.common.formatting import is_missing, moment, plural
from pages.common.influencer_views import act
from pages.common.markup import md
from pages.common.session import read, run_action, show_flash
from pages.common.widgets import empty_state, page_of, pager

PER_PAGE = 20  # a page of elements stays fast to draw; the pager reaches the rest
PAGE_KEY = "notif_page"


def notifications_page(actor: Actor, *, intro: str) -> None:
    """Draw the page: a page of the list, the read toggles and an Open button on every notification that links."""
    st.title("Notifications", icon="🔔")
    st.caption(intro + " Unread ones come first.")
    show_flash()
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    unread_only = left.toggle("Unread only", key="notif_unread_only")
    tally = read(lambda s: notifications.counts(s, actor=actor))
    if tally is None:
        return
    total = tally["unread"] if unread_only else tally["total"]
    page = page_of(total, per_page=PER_PAGE, key=PAGE_KEY)
    frame = read(
        lambda s: notifications.list_notifications(
            s, actor=actor, unread_only=unread_only, limit=PER_PAGE, offset=page * PER_PAGE
        )
    )
    if frame is None:
        return
    # "Mark all" marks every unread notification, not only this page's.
    if right.button("Mark all as read", icon="✔️", key="notif_mark_all", disabled=tally["unread"] == 0, width="stretch"):
        act(lambda s: notifications.mark_read(s, actor=actor), "All notifications marked as read.")
    if frame.empty:
        empty_state(
            "You're all caught up — nothing unread."
            if unread_only
            else "No notifications yet — what needs your attention will show up here.",
            icon="🎉",
        )
        return
    st.caption(f"{tally['unread']:,} unread · {plural(tally['total'], 'notification')} in all")
    for item in frame.to_dict("records"):
        _notification(actor, item)
    pager(total, per_page=PER_PAGE, key=PAGE_KEY, noun="notification")


def _notification(actor: Actor, item: dict) -> None:
    """One notification: title, text, when, and its buttons."""
    nid, is_unread = int(item["id"]), is_missing(item["read_at"])
    where = deep_links.target(actor, item["link"])
    with st.container(border=True):
        text, buttons = st.columns([5, 1], vertical_alignment="center")
        text.markdown(md("{dot} **{title}**", dot="🔵" if is_unread else "⚪", title=item["title"]))
        if item["body"]:
            text.text(item["body"])
        place = f" · in {where.title}" if where else ""
        text.caption(
            md(
                "{kind} · {at}{place}",
                kind=str(item["kind"]).replace("_", " "),
                at=moment(item["created_at"]),
                place=place,
            )
        )
        if where and buttons.button("Open", key=f"notif_open_{nid}", icon="↗️", type="primary", width="stretch"):
            # Opening it is reading it; the mark and the move are one click.
            if run_action(lambda s: notifications.mark_read(s, actor=actor, notification_ids=[nid])) is not None:
                deep_links.go(where)
        if is_unread and buttons.button("Mark read", key=f"notif_read_{nid}", width="stretch"):
            act(lambda s: notifications.mark_read(s, actor=actor, notification_ids=[nid]))
