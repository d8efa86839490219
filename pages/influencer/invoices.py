"""Influencer invoices & payouts: invoice confirmed deals, fix rejected invoices, payee forms, payments received."""

import streamlit as st

from core.deals import documents, earnings, payments
from core.money import to_cents
from pages.common import deal_views as dv
from pages.common import deep_links
from pages.common.influencer_views import act
from pages.common.session import current_actor, read, show_flash
from pages.common.widgets import empty_state, md_escape
from pages.common.formatting import moment_column, money, money_column, table
from pages.common.pickers import pick

SECTIONS = ["🧾 Invoice a deal", "📄 My invoices", "🪪 Payee forms", "💸 Payouts"]

actor = current_actor(role="influencer")
st.title("Invoices & payouts", icon="💸")
st.caption("Invoice your confirmed deals, follow their approval, and see what has been paid.")
show_flash()

# A deep link opens the section that lists its document (invoices, payee forms, or a PO to invoice), selected.
linked = dv.linked_document(actor, deep_links.take("document"))
if linked:
    st.session_state["invoice_section"] = {"po": SECTIONS[0], "invoice": SECTIONS[1], "form": SECTIONS[2]}[
        linked["kind"]
    ]
preselect = linked["id"] if linked else None
section = st.segmented_control(
    "Section", SECTIONS, default=SECTIONS[0], key="invoice_section", label_visibility="collapsed"
)


def invoice_fields(prefix: str, *, amount: str, values: dict | None = None) -> dict:
    """The invoice form's inputs (inside a st.form)."""
    values = values or {}
    left, right = st.columns(2)
    return {
        "amount": left.text_input("Amount ($)", value=amount, key=f"{prefix}_amount"),
        "external_number": right.text_input(
            "Your invoice number (optional)", value=values.get("external_number", ""), key=f"{prefix}_ext"
        ),
        "legal_name": left.text_input(
            "Legal name", value=values.get("legal_name", actor.display_name), key=f"{prefix}_legal"
        ),
        "tax_id": right.text_input("Tax id (optional)", value=values.get("tax_id", ""), key=f"{prefix}_tax"),
        "payment_details": st.text_input(
            "Payment details (IBAN or account)", value=values.get("payment_details", ""), key=f"{prefix}_pay"
        ),
        "description": st.text_input(
            "Description (optional)", value=values.get("description", ""), key=f"{prefix}_desc"
        ),
    }


def invoice_args(fields: dict) -> dict:
    return {
        "amount_cents": to_cents(fields["amount"], field="Amount", allow_zero=False),
        **{k: v for k, v in fields.items() if k != "amount"},
    }


if section in (None, SECTIONS[0]):
    po = dv.pick_document(
        actor,
        kinds=("po",),
        statuses=("approved",),
        key="po",
        empty="No open purchase orders — they are issued when a sponsor and you agree a deal.",
        hint="Select a purchase order to invoice it. Invoices open once every deliverable is confirmed.",
        preselect=preselect,
    )
    if po is None:
        st.stop()
    chosen = po["id"]
    st.markdown(
        f"**{md_escape(po['number'])}** · {money(po['amount_cents'])} · invoiced {money(po['invoiced_cents'])} · "
        f"balance **{money(po['balance_cents'])}**"
    )
    if po["balance_cents"] <= 0:
        st.success("Fully invoiced — follow its invoices under My invoices.", icon="✅")
        st.stop()
    with st.form(f"invoice_{chosen}"):
        fields = invoice_fields(f"new_{chosen}", amount=f"{po['balance_cents'] / 100:.2f}")
        if st.form_submit_button("Send invoice", type="primary", key="send_invoice"):
            act(
                lambda s: documents.raise_invoice(s, actor=actor, po_id=chosen, **invoice_args(fields)),
                "Invoice sent for approval.",
            )

elif section == SECTIONS[1]:
    doc = dv.pick_document(
        actor,
        kinds=("invoice",),
        key="invoice",
        empty="No invoices yet — invoice a purchase order once its deliverables are confirmed.",
        hint="Select an invoice to see it, download it or fix a rejected one.",
        preselect=preselect,
    )
    if doc is None:
        st.stop()
    chosen = doc["id"]
    dv.pdf_download(actor, chosen, doc["number"], "invoice")
    if doc["status"] == "rejected":
        st.warning(f"Rejected: {md_escape(doc['rejection_reason'])}", icon="❌")
        with st.form(f"resubmit_{chosen}"):
            fields = invoice_fields(f"fix_{chosen}", amount=f"{doc['amount_cents'] / 100:.2f}", values=doc)
            if st.form_submit_button("Resubmit invoice", type="primary"):
                act(
                    lambda s: documents.resubmit_invoice(
                        s, actor=actor, invoice_id=chosen, expected_version=doc["version"], **invoice_args(fields)
                    ),
                    "Invoice resubmitted.",
                )
    elif doc["status"] == "approved":
        st.info(f"Approved — payment is due by {doc['due_date']:%d %b %Y}.", icon="👍")

elif section == SECTIONS[2]:
    forms = read(lambda s: documents.list_documents(s, actor=actor, kinds=("form",)))
    pos = read(lambda s: documents.list_documents(s, actor=actor, kinds=("po",)))
    if forms is None or pos is None:
        st.stop()
    if not forms.empty:
        table(dv.documents_table(forms).drop(columns=["Amount", "Due", "Campaign"]), hide_index=True)
    sponsors = read(lambda s: documents.sponsors_of(s, actor=actor))
    if not sponsors:
        empty_state("Payee forms go to sponsors you have deals with; you have none yet.", icon="🪪")
        st.stop()
    with st.form("payee_form"):
        sponsor_id = pick("Sponsor", sponsors, key="payee-sponsor")
        left, right = st.columns(2)
        legal = left.text_input("Legal name", value=actor.display_name)
        country = right.text_input("Country")
        tax = left.text_input("Tax id")
        payout = right.text_input("Payout details (IBAN or account)")
        upload = st.file_uploader("Signed form (PDF, optional)", type=["pdf"])
        if st.form_submit_button("Send payee form", type="primary"):
            act(
                lambda s: documents.submit_form(
                    s,
                    actor=actor,
                    organization_id=sponsor_id,
                    legal_name=legal,
                    country=country,
                    tax_id=tax,
                    payment_details=payout,
                    file_bytes=upload.getvalue() if upload else None,
                    file_name=upload.name if upload else "",
                ),
                "Payee form sent for review.",
            )

else:
    paid = read(lambda s: payments.list_payments(s, actor=actor))
    if paid is None:
        st.stop()
    if paid.empty:
        empty_state("No payments yet — approved invoices are paid by the sponsor.", icon="💸")
        st.stop()
    received = paid[paid["status"] == "succeeded"]
    totals = read(lambda s: earnings.summary(s, actor=actor))  # the same "Paid" as Profile & earnings
    if totals is not None:
        left, right = st.columns(2)
        left.metric(earnings.LABELS["paid_cents"], money(totals["paid_cents"]), border=True)
        right.metric("Awaiting payment", money(totals["awaiting_payment_cents"]), border=True)
    table(
        received.assign(amount=received["amount_cents"] / 100)[["created_at", "invoice", "amount", "reference"]],
        column_config={
            "amount": money_column("Amount"),
            "created_at": moment_column("Paid at"),
        },
        hide_index=True,
    )
