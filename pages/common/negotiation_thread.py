"""How a negotiation is drawn, for every role: one chat bubble per event, the sender's side always right."""

from __future__ import annotations

import streamlit as st

from core.platform.avatars import avatar_data_uri

from pages.common.formatting import money, moment, text
from pages.common.widgets import md_escape, status_label

ACTION_WORDS = {  # each reads right with the amount after it ("asked to join for $900.00")
    "sent": "sent the request for",
    "asked": "asked to join for",
    "countered": "proposed",
    "accepted": "accepted",
    "rejected": "declined",
    "withdrawn": "withdrew the request",
    "edited": "changed the request to",
    "completed": "marked the job completed at",
}


def party_avatar(thread: dict, party: str) -> str:
    """The side's generated initials avatar (the organization for a sponsor, the creator for an influencer)."""
    return avatar_data_uri(thread.get(party) or party, key=thread.get(f"{party}_id") or party)


def sender_name(thread: dict, event: dict) -> str:
    """'You' for the viewer's own side, else the party's public name (the organization for a sponsor)."""
    party = event["actor_party"]
    if party == thread.get("my_party"):
        return "You"
    name = thread.get(party) or event.get("actor") or party.capitalize()
    return name if thread.get("my_party") else f"{name} ({party})"  # an admin reads both sides: say which


def event_line(thread: dict, event: dict) -> str:
    """'**You** proposed **$1,200.00**' as escaped Markdown."""
    words = ACTION_WORDS.get(event["action"], event["action"])
    amount = "" if event["amount_cents"] is None else f" **{md_escape(money(event['amount_cents']))}**"
    return f"**{md_escape(sender_name(thread, event))}** {md_escape(words)}{amount}"


def render_thread(thread: dict, *, header: bool = True) -> None:
    """The request's requirements (unless the page drew its own header), then its history oldest first.

    User text is shown as text, never parsed as Markdown."""
    with st.container(border=True):
        if header:
            st.markdown(
                f"**{md_escape(thread['influencer'])}** · {status_label(thread['status'])} · "
                f"current amount **{md_escape(money(thread['payment_cents']))}**"
            )
            st.caption("Requirements")
            st.text(text(thread["requirements"]))
        if not thread["events"]:
            st.caption("No history recorded for this request.")
        for event in thread["events"]:
            mine = event["actor_party"] == thread.get("my_party")
            with st.chat_message("user" if mine else "assistant", avatar=party_avatar(thread, event["actor_party"])):
                st.markdown(event_line(thread, event))
                if event["message"]:
                    st.text(event["message"])
                st.caption(f"{moment(event['at'])} · {status_label(event['to_status'])}")
