"""Streamlit pieces for deals: row pickers, the draft comparison, the compliance checklist, document tables."""

from __future__ import annotations

import uuid
import zlib

import pandas as pd
import streamlit as st

from core.deals import cancellation, documents, payments, reviews
from core.reporting import documents_pdf
from core.permissions import Actor
from pages.common.influencer_views import act, confirmed
from pages.common.session import read, run_action
from pages.common.widgets import empty_state, md_escape
from pages.common.formatting import day, day_column, money, money_column
from pages.common.formatting import table as show_table

DELIVERABLE_ICONS = {
    "planned": "🗓️",
    "in_review": "👀",
    "changes_requested": "✏️",
    "approved": "👍",
    "live_submitted": "🔗",
    "confirmed": "🏁",
    "cancelled": "⛔",
}
DOCUMENT_ICONS = {"pending": "🕓", "approved": "👍", "paid": "💸", "rejected": "❌", "cancelled": "⛔"}
KIND_LABELS = {"po": "Purchase order", "invoice": "Invoice", "form": "Payee form"}
NOT_LISTED = "The linked item is not on this list: it is not yours, or it has moved on (try clearing the filters)."


def deliverable_status(status: str) -> str:
    return f"{DELIVERABLE_ICONS.get(status, '')} {status.replace('_', ' ')}".strip()


def document_status(status: str) -> str:
    return f"{DOCUMENT_ICONS.get(status, '')} {status}".strip()


def filtered(frame: pd.DataFrame, *, key: str, columns: tuple[str, ...], label: str) -> pd.DataFrame:
    """frame narrowed to rows whose columns contain what the user typed (case-insensitive, literal)."""
    needle = st.text_input(label, key=key, placeholder="Type to narrow the list").strip().lower()
    if not needle or frame.empty:
        return frame
    hit = pd.Series(False, index=frame.index)
    for column in columns:
        hit |= frame[column].astype("string").str.lower().str.contains(needle, regex=False).fillna(False)
    return frame[hit].reset_index(drop=True)


def pick_row(
    frame: pd.DataFrame, table: pd.DataFrame, *, key: str, column_config: dict, preselect: int | None = None
) -> int | None:
    """Show table and return the id (from frame) of the row the user selected in it, or None.

    The selection is the table row itself, so what is picked is always what is shown (no separate picker whose
    label could drift from its value). The widget key carries the rows' ids: when the rows change (a filter, an
    action that moves a row), the old selection is dropped instead of landing on whatever row took its place.
    preselect (a deep link's id, read once) selects its row; one not on the list is said, not shown.
    """
    key = f"{key}_{zlib.crc32(','.join(map(str, frame['id'].tolist())).encode()):08x}"
    if preselect is not None:
        positions = frame.index[frame["id"] == preselect].tolist()
        if positions:
            st.session_state[key] = {"selection": {"rows": [frame.index.get_loc(positions[0])], "columns": []}}
        else:
            st.warning(NOT_LISTED, icon="🔗")
    event = show_table(
        table,
        column_config=column_config,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        height=min(38 + 35 * len(table), 400),
    )
    rows = event.selection.rows if event is not None else []
    if not rows or rows[0] >= len(frame):
        return None
    return int(frame.iloc[rows[0]]["id"])


def deliverables_table(frame: pd.DataFrame, *, with_influencer: bool) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            # Which deal, its state and when: the columns a phone shows first.
            "Campaign": frame["campaign"],
            "Status": frame["status"].map(deliverable_status),
            "Due": pd.to_datetime(frame["due_date"]),
            "What": frame["title"],
            "Platform": frame["platform"],
        }
    )
    if with_influencer:
        table.insert(1, "Influencer", "@" + frame["influencer"])
    return table


DELIVERABLE_COLUMNS = {"Due": day_column("Due")}


def brief(item: dict) -> None:
    """What the deliverable asks for."""
    st.markdown(f"**{md_escape(item['title'])}** · {md_escape(item['platform'])} · due {item['due_date']:%d %b %Y}")
    asks = []
    if item["hashtags"]:
        asks.append("hashtags " + md_escape(item["hashtags"]))
    if item["mentions"]:
        asks.append("mentions " + md_escape(item["mentions"]))
    if item["disclosure_required"]:
        asks.append("a disclosure (#ad, #sponsored or “paid partnership”)")
    st.caption("Must include: " + ", ".join(asks) if asks else "No required tags.")
    st.caption(f"Status: {deliverable_status(item['status'])} · change rounds used: {item['change_rounds']}")


def checklist(compliance: dict) -> None:
    """The compliance checklist of one draft, one line per check."""
    for check in compliance.get("checks", []):
        icon = "✅" if check["passed"] else "❌"
        detail = f" — {md_escape(check['detail'])}" if check.get("detail") else ""
        st.markdown(f"{icon} {md_escape(check['check'])}{detail}")
    if not compliance.get("checks"):
        st.caption("Nothing to check for this deliverable.")


def draft_panel(draft: dict, *, heading: str) -> None:
    """One draft version: caption, link, attachment, checklist and the decision on it."""
    with st.container(border=True):
        st.markdown(f"**{heading} — version {draft['number']}** · {draft['submitted_at']:%d %b %Y %H:%M} UTC")
        st.text(draft["caption"] or "(no caption)")
        if draft["link"]:
            st.markdown(f"Link: {md_escape(draft['link'])}")
        if draft["file_name"]:
            st.caption(f"Attachment: {md_escape(draft['file_name'])} ({draft['file_mime']})")
        checklist(draft["compliance"])
        decision = draft["decision"].replace("_", " ")
        if draft["decision"] != "pending":
            st.caption(
                f"Decision: {decision}"
                + (f" — {md_escape(draft['decision_reason'])}" if draft["decision_reason"] else "")
            )
        if draft["override_reason"]:
            st.caption(f"Approved despite the checklist: {md_escape(draft['override_reason'])}")


def drafts_side_by_side(drafts: list[dict]) -> None:
    """The latest draft beside the one before it (or alone)."""
    if not drafts:
        st.caption("No draft submitted yet.")
        return
    if len(drafts) == 1:
        draft_panel(drafts[0], heading="Latest")
        return
    latest, previous = st.columns(2)
    with latest:
        draft_panel(drafts[0], heading="Latest")
    with previous:
        draft_panel(drafts[1], heading="Previous")


def documents_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Number": frame["number"],
            "Amount": frame["amount_cents"] / 100,
            "Status": frame["status"].map(document_status),
            "Campaign": frame["campaign"].fillna("—"),
            # A PO has no due date: the grid would print a missing date as "None", so dates are shown as text.
            "Due": frame["due_date"].map(day),
            "Sponsor": "@" + frame["sponsor"],
            "Influencer": "@" + frame["influencer"],
            "Issued": frame["issue_date"].map(day),
        }
    )


DOCUMENT_COLUMNS = {"Amount": money_column("Amount")}


def payment_key(invoice_id: int) -> str:
    """One idempotency key per checkout form shown; a new one after a finished attempt (see checkout)."""
    state_key = f"payment_key_{invoice_id}"
    if state_key not in st.session_state:
        st.session_state[state_key] = uuid.uuid4().hex
    return st.session_state[state_key]


def forget_payment_key(invoice_id: int) -> None:
    st.session_state.pop(f"payment_key_{invoice_id}", None)


TEST_CARD_HELP = (
    "Test cards — no real money moves: **4242 4242 4242 4242** succeeds, **4000 0000 0000 0002** is declined, "
    "**4000 0000 0000 9995** has insufficient funds. Any future expiry and any 3-digit CVC."
)


def payment_result(result: dict) -> None:
    if result["status"] == "succeeded":
        st.success(
            f"{money(result['amount_cents'])} paid with the card ending {result['card_last4']} — reference "
            f"{result['reference']}."
        )
    else:
        st.error(payments.FAILURES.get(result["status"], "The payment failed.") + " Nothing was charged.")


def review_panel(actor: Actor, ad_request_id: int, *, prompt: str, question: str) -> None:
    """Write or edit the actor's review of a completed deal (1–5 stars and text)."""
    frame = read(lambda s: reviews.reviews_of_request(s, actor=actor, ad_request_id=ad_request_id))
    if frame is None:
        return
    mine = frame[frame["author_id"] == actor.id]
    theirs = frame[frame["author_id"] != actor.id]
    with st.expander(prompt if mine.empty else "Your review", icon="⭐", expanded=mine.empty):
        for _, row in theirs.iterrows():
            st.caption(f"They rated you {'★' * int(row['stars'])}: {md_escape(row['text'])}")
        with st.form(f"review_form_{ad_request_id}"):
            stars = st.feedback("stars", key=f"review_stars_{ad_request_id}")
            text = st.text_area(question, value="" if mine.empty else str(mine.iloc[0]["text"]))
            if st.form_submit_button("Save review", type="primary", key=f"save_review_{ad_request_id}"):
                rating = stars + 1 if stars is not None else 0
                if mine.empty:
                    done = run_action(
                        lambda s: reviews.write_review(
                            s, actor=actor, ad_request_id=ad_request_id, stars=rating, text=text
                        ),
                        success="Thanks — your review is saved.",
                    )
                else:
                    review_id = int(mine.iloc[0]["id"])
                    done = run_action(
                        lambda s: reviews.edit_review(s, actor=actor, review_id=review_id, stars=rating, text=text),
                        success="Review updated.",
                    )
                if done is not None:
                    st.rerun()


def pick_document(
    actor: Actor,
    *,
    kinds: tuple[str, ...],
    statuses: tuple[str, ...] = (),
    key: str,
    empty: str,
    hint: str,
    preselect: int | None = None,
) -> dict | None:
    """List the actor's documents of these kinds and statuses, let the user narrow and pick one; its details.

    Says what to do when the list is empty or nothing is picked (then returns None).
    """
    frame = read(lambda s: documents.list_documents(s, actor=actor, kinds=kinds, statuses=statuses))
    if frame is None:
        return None
    if frame.empty:
        empty_state(empty, icon="📄")
        return None
    frame = filtered(
        frame,
        key=f"{key}_filter",
        columns=("number", "campaign", "influencer", "sponsor"),
        label="Find by number, campaign or name",
    )
    chosen = pick_row(
        frame, documents_table(frame), key=f"{key}_pick", column_config=DOCUMENT_COLUMNS, preselect=preselect
    )
    if chosen is None:
        st.info(hint, icon="👆")
        return None
    return read(lambda s: documents.get_document(s, actor=actor, document_id=chosen))


def linked_document(actor: Actor, document_id: int | None) -> dict | None:
    """The document a deep link names, read through the core's permission check (which says why not)."""
    return read(lambda s: documents.get_document(s, actor=actor, document_id=document_id)) if document_id else None


def pdf_download(actor: Actor, document_id: int, number: str, kind: str) -> None:
    """A download button for a PO's or invoice's PDF (payee forms have none)."""
    if kind == "form":
        return
    pdf = read(lambda s: documents_pdf.document_pdf(s, actor=actor, document_id=document_id))
    if pdf:
        st.download_button(f"Download {number} (PDF)", pdf, file_name=f"{number}.pdf", mime="application/pdf", icon="⬇️")


def documents_browser(actor: Actor, *, key: str, empty: str, preselect: int | None = None) -> None:
    """Every document the actor may see, a row to pick, and the picked one's PDF."""
    frame = read(lambda s: documents.list_documents(s, actor=actor))
    if frame is None:
        return
    if frame.empty:
        empty_state(empty, icon="📄")
        return
    chosen = pick_row(frame, documents_table(frame), key=key, column_config=DOCUMENT_COLUMNS, preselect=preselect)
    if chosen is not None:
        row = frame[frame["id"] == chosen].iloc[0]
        pdf_download(actor, chosen, str(row["number"]), str(row["kind"]))


def cancel_deal_panel(actor: Actor, ad_request_id: int) -> None:
    """The sponsor's "Cancel deal" (before delivery): reason and a confirmation tick, one core call."""
    offer = read(lambda s: cancellation.cancel_offer(s, actor=actor, ad_request_id=ad_request_id))
    if offer is None or offer["problem"]:
        return
    with st.expander("Cancel this deal", icon="⛔"), st.form(f"cancel_deal_{ad_request_id}"):
        st.caption(
            f"Cancels every open deliverable and the purchase order, and releases {money(offer['amount_cents'])} "
            "of the campaign budget. The influencer is told your reason."
        )
        reason = st.text_area("Why are you cancelling?", key=f"cancel_reason_{ad_request_id}")
        tick = st.checkbox("Yes, cancel this deal", key=f"cancel_tick_{ad_request_id}")
        if st.form_submit_button("Cancel deal", key="cancel_deal") and confirmed(tick):
            act(
                lambda s: cancellation.cancel_deal(
                    s, actor=actor, ad_request_id=ad_request_id, expected_version=offer["version"], reason=reason
                ),
                "Deal cancelled — the budget is released and the influencer has been told.",
                reset=(f"cancel_tick_{ad_request_id}", f"cancel_reason_{ad_request_id}"),
            )
