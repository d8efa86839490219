"""Sponsor finance: budget burn, invoices and payee forms to approve, the test-card checkout, bookkeeping CSV."""

import datetime as dt

import streamlit as st

from core.deals import cached, documents, finance, payments
from core.models import DOCUMENT_STATUSES
from core.reporting import bookkeeping
from core.reporting.charts import finance as charts
from pages.common import deal_views as dv
from pages.common import deep_links
from pages.common.influencer_views import act
from pages.common.session import current_actor, read, read_cached, run_action, show_flash
from pages.common.widgets import empty_state, md_escape
from pages.common.formatting import money

SECTIONS = ["🔥 Budget burn", "🧾 To approve", "💳 Pay", "📄 Documents", "⬇️ Bookkeeping"]

actor = current_actor(role="sponsor")
st.title("Finance", icon="💰")
st.caption("What each campaign has committed, been invoiced and paid — and what waits for you.")
show_flash()

# A deep link opens the section where its document can be acted on, with that document selected.
linked = dv.linked_document(actor, deep_links.take("document"))
if linked:
    to_approve = linked["status"] == "pending" and linked["kind"] in ("invoice", "form")
    to_pay = linked["status"] == "approved" and linked["kind"] == "invoice"
    st.session_state["finance_section"] = SECTIONS[1] if to_approve else SECTIONS[2] if to_pay else SECTIONS[3]
preselect = linked["id"] if linked else None
# A segmented control keeps its place across reruns, so an action never jumps to another section.
section = st.segmented_control(
    "Section", SECTIONS, default=SECTIONS[0], key="finance_section", label_visibility="collapsed"
)

if section in (None, SECTIONS[0]):
    burn = read_cached(lambda db: cached.budget_burn(db, actor=actor))
    if burn is None:
        st.stop()
    if burn.empty:
        empty_state("No campaigns yet — create one, hire influencers, and their invoices show up here.", icon="🚀")
        st.stop()
    total = finance.totals(burn)
    row = st.columns(4)
    row[0].metric("Committed", money(total["committed_cents"]), border=True)
    row[1].metric("Invoiced", money(total["invoiced_cents"]), border=True)
    row[2].metric("Paid", money(total["paid_cents"]), border=True)
    row[3].metric("Owed (approved, unpaid)", money(total["owed_cents"]), border=True)
    with_budget = st.toggle("Show the uncommitted budget too", key="burn_with_budget")
    figure = charts.budget_burn_figure(burn, with_budget=with_budget)
    st.plotly_chart(figure, width="stretch", config={"displayModeBar": False})

elif section == SECTIONS[1]:
    doc = dv.pick_document(
        actor,
        kinds=("invoice", "form"),
        statuses=("pending",),
        key="approve",
        empty="No invoices or payee forms wait for your approval.",
        hint="Select a document to approve or reject it.",
        preselect=preselect,
    )
    if doc is None:
        st.stop()
    chosen = doc["id"]
    with st.container(border=True):
        st.markdown(
            f"**{dv.KIND_LABELS[doc['kind']]} {md_escape(doc['number'])}** from @{md_escape(doc['influencer'])}"
        )
        if doc["kind"] == "invoice":
            st.markdown(
                f"{money(doc['amount_cents'])} against {md_escape(doc['po_number'])} · due {doc['due_date']:%d %b %Y}"
            )
        st.caption(f"Legal name: {md_escape(doc['legal_name'])} · tax id: {md_escape(doc['tax_id'] or '—')}")
        st.caption(f"Payment details: {md_escape(doc['payment_details'])}")
    approve, reject = st.columns(2)
    with approve, st.form(f"approve_doc_{chosen}"):
        if st.form_submit_button("Approve", type="primary", width="stretch", key="approve_doc"):
            act(
                lambda s: documents.approve_document(
                    s, actor=actor, document_id=chosen, expected_version=doc["version"]
                ),
                "Approved.",
            )
    with reject, st.form(f"reject_doc_{chosen}"):
        reason = st.text_input("Reason for rejecting", key=f"reject_reason_{chosen}")
        if st.form_submit_button("Reject", width="stretch", key="reject_doc"):
            act(
                lambda s: documents.reject_document(
                    s, actor=actor, document_id=chosen, expected_version=doc["version"], reason=reason
                ),
                "Rejected — the influencer can fix and resubmit it.",
            )

elif section == SECTIONS[2]:
    invoice = dv.pick_document(
        actor,
        kinds=("invoice",),
        statuses=("approved",),
        key="pay",
        empty="No approved invoices to pay.",
        hint="Select an approved invoice to pay it.",
        preselect=preselect,
    )
    if invoice is None:
        st.stop()
    chosen = invoice["id"]
    st.markdown(
        f"**Pay {md_escape(invoice['number'])}: {money(int(invoice['amount_cents']))}** to @{md_escape(invoice['influencer'])}"
    )
    st.caption(dv.TEST_CARD_HELP)
    with st.form(f"checkout_{chosen}"):
        number = st.text_input("Card number", placeholder="4242 4242 4242 4242", key="card_number")
        left, middle, right = st.columns(3)
        expiry = left.text_input("Expiry (MM/YY)", placeholder="12/30", key="card_expiry")
        cvc = middle.text_input("CVC", type="password", max_chars=4, key="card_cvc")
        name = right.text_input("Name on card", key="card_name")
        key = dv.payment_key(chosen)
        if st.form_submit_button(f"Pay {money(int(invoice['amount_cents']))}", type="primary", key="pay"):
            result = run_action(
                lambda s: payments.pay_invoice(
                    s,
                    actor=actor,
                    invoice_id=chosen,
                    expected_version=int(invoice["version"]),
                    idempotency_key=key,
                    card_number=number,
                    expiry=expiry,
                    cvc=cvc,
                    name=name,
                )
            )
            if isinstance(result, dict):
                dv.forget_payment_key(chosen)  # the attempt is recorded; a retry is a new attempt
                dv.payment_result(result)

elif section == SECTIONS[3]:
    dv.documents_browser(
        actor,
        key="docs_pick",
        empty="No documents yet — a purchase order is issued as soon as an offer is accepted.",
        preselect=preselect,
    )
    with st.expander("Payee form rule", icon="🪪"):
        current = read(lambda s: documents.form_required(s, actor=actor))
        required = st.toggle("Pay no invoice before the influencer's payee form is approved", value=bool(current))
        if st.button("Save rule"):
            act(lambda s: documents.set_form_required(s, actor=actor, required=required), "Rule saved.")

else:
    with st.form("bookkeeping"):
        left, right = st.columns(2)
        start = left.date_input("From", value=dt.date.today().replace(day=1))
        end = right.date_input("To", value=dt.date.today())
        statuses = st.multiselect("Document statuses (empty = all)", DOCUMENT_STATUSES)
        build = st.form_submit_button("Prepare CSV files", type="primary")
    if build:
        docs_csv = read(
            lambda s: bookkeeping.documents_csv(s, actor=actor, start=start, end=end, statuses=tuple(statuses))
        )
        pays_csv = read(lambda s: bookkeeping.payments_csv(s, actor=actor, start=start, end=end))
        if docs_csv is not None and pays_csv is not None:
            st.download_button("Documents CSV", docs_csv, file_name=f"documents_{start}_{end}.csv", mime="text/csv")
            st.download_button("Payments CSV", pays_csv, file_name=f"payments_{start}_{end}.csv", mime="text/csv")
