"""Notifications: new offers, replies and reminders; unread first, mark one or all as read."""

import streamlit as st

from core.messaging import notifications
from pages.common import influencer_views as views
from pages.common.session import current_actor, read, show_flash
from pages.common.widgets import empty_state, md_escape

actor = current_actor(role="influencer")
st.title("Notifications", icon="🔔")
st.caption("New offers, replies to your requests and reminders. Unread ones come first.")
show_flash()

left, right = st.columns([3, 1], vertical_alignment="bottom")
unread_only = left.toggle("Unread only", key="notif_unread_only")
frame = read(lambda s: notifications.list_notifications(s, actor=actor, unread_only=unread_only, limit=100))
if frame is None:
    st.stop()
unread = int(frame["read_at"].isna().sum())
if right.button("Mark all as read", icon="✔️", key="notif_mark_all", disabled=unread == 0, use_container_width=True):
    views.act(lambda s: notifications.mark_read(s, actor=actor), "All notifications marked as read.")
if frame.empty:
    empty_state(
        "You're all caught up — nothing unread."
        if unread_only
        else "No notifications yet — new offers and replies will show up here.",
        icon="🎉",
    )
    st.stop()

st.caption(f"{unread} unread · {len(frame)} shown")
for _, item in views.unread_first(frame).iterrows():
    is_unread = not item["is_read"]
    with st.container(border=True):
        text, action = st.columns([5, 1], vertical_alignment="center")
        text.markdown(f"{'🔵' if is_unread else '⚪'} **{md_escape(item['title'])}**")
        if item["body"]:
            text.text(item["body"])
        text.caption(views.notification_meta(item))
        if is_unread and action.button("Mark read", key=f"notif_read_{item['id']}", use_container_width=True):
            views.act(lambda s, i=int(item["id"]): notifications.mark_read(s, actor=actor, notification_ids=[i]))
