"""Financial documents: purchase orders (issued on accept), invoices against them, and payee/tax forms.

PO: approved on issue → paid once invoices cover it in full | cancelled if the deal is cancelled before delivery.
Invoice and form: pending → approved | rejected (reason; the influencer fixes and resubmits → pending) ;
an approved invoice → paid (core/deals/payments). Four eyes: nobody decides a document they created.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core import audit, permissions, validate
from core.deals import guard, numbering, parties, uploads
from core.deals.rules import deal_rules
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import organizations
from core.messaging import notifications
from core.models import Campaign, Deliverable, FinancialDocument, Organization, User
from core.money import check_cents, format_cents
from core.permissions import Actor
from core.platform import cachegen
from core.platform.timeutil import today, utcnow

LABELS = {"po": "purchase order", "invoice": "invoice", "form": "payee form"}
# Invoices that still count against their PO's balance.
LIVE_INVOICE = ("pending", "approved", "paid")


def _bump(session: Session, organization_id: int, influencer_id: int) -> None:
    cachegen.bump(
        session, cachegen.STATS, cachegen.org_scope(organization_id), cachegen.influencer_scope(influencer_id)
    )


def _load(session: Session, document_id: int, kind: str | None = None) -> FinancialDocument:
    document = session.get(FinancialDocument, document_id)
    if document is None or (kind and document.kind != kind):
        raise NotFound(f"That {LABELS.get(kind or '', 'document')} does not exist.")
    return document


def _side(actor: Actor | None, document: FinancialDocument) -> str:
    return parties.side_of(actor, document, noun="document")


# --- purchase orders -------------------------------------------------------------------------------------------


def issue_purchase_order(session: Session, deal: parties.Deal, *, issued_by: int | None) -> FinancialDocument:
    """The PO of a newly accepted deal: the accepted payment, numbered PO-YYYY-NNNNNN (called inside the accept)."""
    po = FinancialDocument(
        kind="po",
        number=numbering.next_number(session, "po", today().year),
        sponsor_id=deal.sponsor_id,
        organization_id=deal.organization_id,
        influencer_id=deal.influencer_id,
        campaign_id=deal.campaign.id,
        ad_request_id=deal.request.id,
        created_by=issued_by,
        amount_cents=deal.request.payment_cents,
        status="approved",
        issue_date=today(),
        description=f"{deal.campaign.name}: {(deal.request.requirements or '').strip()[:300]}",
    )
    session.add(po)
    session.flush()
    _bump(session, deal.organization_id, deal.influencer_id)
    return po


def purchase_order_of(session: Session, ad_request_id: int) -> FinancialDocument | None:
    return session.scalars(
        select(FinancialDocument).where(
            FinancialDocument.ad_request_id == ad_request_id, FinancialDocument.kind == "po"
        )
    ).first()


def cancel_purchase_order(session: Session, ad_request_id: int) -> bool:
    """Cancel the deal's PO if nothing was invoiced against it yet; True when it was cancelled."""
    po = purchase_order_of(session, ad_request_id)
    if po is None or po.status != "approved" or invoiced_cents(session, po.id):
        return False
    po.status, po.version, po.updated_at = "cancelled", po.version + 1, utcnow()
    return True


def invoiced_cents(session: Session, po_id: int) -> int:
    """What live invoices against the PO add up to (pending, approved or paid)."""
    total = session.scalar(
        select(func.coalesce(func.sum(FinancialDocument.amount_cents), 0)).where(
            FinancialDocument.po_id == po_id,
            FinancialDocument.kind == "invoice",
            FinancialDocument.status.in_(LIVE_INVOICE),
        )
    )
    return int(total or 0)


def po_balance_cents(session: Session, po: FinancialDocument) -> int:
    """What can still be invoiced against the PO."""
    return po.amount_cents - invoiced_cents(session, po.id)


# --- invoices --------------------------------------------------------------------------------------------------


def _invoice_fields(amount, external_number, legal_name, tax_id, payment_details, description) -> dict:
    return {
        "amount_cents": check_cents(amount, field="Amount", allow_zero=False),
        "external_number": validate.text(external_number, "Your invoice number", max_len=60, required=False),
        "legal_name": validate.text(legal_name, "Legal name", max_len=200),
        "tax_id": validate.text(tax_id, "Tax id", max_len=60, required=False),
        "payment_details": validate.text(payment_details, "Payment details", max_len=300),
        "description": validate.text(description, "Description", max_len=2000, required=False),
    }


def _lock_po(session: Session, po_id: int) -> FinancialDocument:
    # The row lock serialises invoices against one PO, so two concurrent invoices cannot both fit the balance.
    po = session.scalars(select(FinancialDocument).where(FinancialDocument.id == po_id).with_for_update()).first()
    if po is None or po.kind != "po":
        raise NotFound("That purchase order does not exist.")
    return po


@permissions.actor_required
def raise_invoice(
    session: Session,
    *,
    actor: Actor,
    po_id: int,
    amount_cents: int,
    legal_name: str,
    payment_details: str,
    tax_id: str = "",
    external_number: str = "",
    description: str = "",
) -> int:
    """The influencer invoices (part of) a PO once every deliverable of the deal is confirmed."""
    permissions.require(actor, "finance.invoice")
    po = _lock_po(session, po_id)
    if _side(actor, po) != "influencer":
        raise PermissionDenied("Only the influencer of this deal can invoice it.")
    if po.status != "approved":
        raise Conflict(f"This purchase order is {po.status}; it cannot be invoiced.")
    fields = _invoice_fields(amount_cents, external_number, legal_name, tax_id, payment_details, description)
    open_deliverables = session.scalar(
        select(func.count()).where(
            Deliverable.ad_request_id == po.ad_request_id, Deliverable.status.notin_(("confirmed", "cancelled"))
        )
    )
    if open_deliverables:
        raise Conflict("Invoices can be raised once every deliverable is confirmed by the sponsor.")
    balance = po_balance_cents(session, po)
    if fields["amount_cents"] > balance:
        raise InvalidInput(
            f"{format_cents(fields['amount_cents'])} is more than this purchase order's unbilled balance "
            f"({format_cents(balance)} of {format_cents(po.amount_cents)})."
        )
    issued = today()
    invoice = FinancialDocument(
        kind="invoice",
        number=numbering.next_number(session, "invoice", issued.year),
        sponsor_id=po.sponsor_id,
        organization_id=po.organization_id,
        influencer_id=po.influencer_id,
        campaign_id=po.campaign_id,
        ad_request_id=po.ad_request_id,
        po_id=po.id,
        created_by=actor.id,
        status="pending",
        issue_date=issued,
        due_date=issued + dt.timedelta(days=deal_rules().net_terms_days),
        **fields,
    )
    session.add(invoice)
    session.flush()
    notifications.notify(
        session,
        po.sponsor_id,
        "invoice_to_approve",
        f"Invoice to approve: {invoice.number}",
        f"{actor.display_name} invoiced {format_cents(invoice.amount_cents)} against {po.number}.",
        link=f"document:{invoice.id}",
    )
    _bump(session, po.organization_id, po.influencer_id)
    return invoice.id


@permissions.actor_required
def resubmit_invoice(
    session: Session,
    *,
    actor: Actor,
    invoice_id: int,
    expected_version: int,
    amount_cents: int,
    legal_name: str,
    payment_details: str,
    tax_id: str = "",
    external_number: str = "",
    description: str = "",
) -> None:
    """The influencer fixes a rejected invoice and sends it again for approval."""
    permissions.require(actor, "finance.invoice")
    invoice = _load(session, invoice_id, "invoice")
    if _side(actor, invoice) != "influencer":
        raise PermissionDenied("Only the influencer who raised this invoice can resubmit it.")
    if invoice.po_id is None:  # the CHECK invoice_has_po makes this impossible; NotFound rather than a crash
        raise NotFound("This invoice has no purchase order.")
    po = _lock_po(session, invoice.po_id)
    fields = _invoice_fields(amount_cents, external_number, legal_name, tax_id, payment_details, description)
    balance = po_balance_cents(session, po)  # a rejected invoice does not count against the balance
    if fields["amount_cents"] > balance:
        raise InvalidInput(
            f"{format_cents(fields['amount_cents'])} is more than the unbilled balance ({format_cents(balance)})."
        )
    guard.transition(
        session,
        invoice,
        expected_version=expected_version,
        from_statuses=("rejected",),
        what="invoice",
        status="pending",
        rejection_reason="",
        decided_by=None,
        decided_at=None,
        **fields,
    )
    notifications.notify(
        session,
        invoice.sponsor_id,
        "invoice_to_approve",
        f"Invoice resubmitted: {invoice.number}",
        link=f"document:{invoice.id}",
    )
    _bump(session, invoice.organization_id, invoice.influencer_id)


def _decide(session: Session, actor: Actor, document: FinancialDocument, expected_version: int, **values) -> None:
    permissions.require(actor, "finance.approve")
    if _side(actor, document) != "sponsor":
        raise PermissionDenied(f"Only the sponsor can decide on this {LABELS[document.kind]}.")
    if document.created_by == actor.id:
        raise PermissionDenied(f"You created this {LABELS[document.kind]}; someone else has to approve or reject it.")
    guard.transition(
        session,
        document,
        expected_version=expected_version,
        from_statuses=("pending",),
        what=LABELS[document.kind],
        decided_by=actor.id,
        decided_at=utcnow(),
        **values,
    )


@permissions.actor_required
def approve_document(session: Session, *, actor: Actor, document_id: int, expected_version: int) -> None:
    """The sponsor approves a pending invoice or payee form."""
    document = _load(session, document_id)
    if document.kind == "po":
        raise Conflict("Purchase orders are approved when they are issued.")
    _decide(session, actor, document, expected_version, status="approved")
    audit.record(
        session, actor, f"{document.kind}.approved", "document", document.id, amount_cents=document.amount_cents
    )
    notifications.notify(
        session,
        document.influencer_id,
        f"{document.kind}_approved",
        f"{LABELS[document.kind].capitalize()} approved: {document.number}",
        link=f"document:{document.id}",
    )
    _bump(session, document.organization_id, document.influencer_id)


@permissions.actor_required
def reject_document(session: Session, *, actor: Actor, document_id: int, expected_version: int, reason: str) -> None:
    """The sponsor rejects a pending invoice or payee form with a reason the influencer can act on."""
    document = _load(session, document_id)
    if document.kind == "po":
        raise Conflict("Purchase orders cannot be rejected; cancel the deal instead.")
    reason = validate.text(reason, "Reason", max_len=2000)
    _decide(session, actor, document, expected_version, status="rejected", rejection_reason=reason)
    audit.record(session, actor, f"{document.kind}.rejected", "document", document.id, detail=reason)
    notifications.notify(
        session,
        document.influencer_id,
        f"{document.kind}_rejected",
        f"{LABELS[document.kind].capitalize()} rejected: {document.number}",
        reason,
        link=f"document:{document.id}",
    )
    _bump(session, document.organization_id, document.influencer_id)


def mark_overdue(session: Session, *, on: dt.date | None = None) -> list[int]:
    """Daily job: approved invoices past their due date get `overdue_since` (once) and a reminder to the sponsor."""
    on = on or today()
    newly = session.scalars(
        select(FinancialDocument).where(
            FinancialDocument.kind == "invoice",
            FinancialDocument.status == "approved",
            FinancialDocument.due_date < on,
            FinancialDocument.overdue_since.is_(None),
        )
    ).all()
    for invoice in newly:
        invoice.overdue_since = on
        notifications.notify(
            session,
            invoice.sponsor_id,
            "invoice_overdue",
            f"Invoice overdue: {invoice.number}",
            f"{format_cents(invoice.amount_cents)} was due on {invoice.due_date:%d %b %Y}.",
            link=f"document:{invoice.id}",
        )
        _bump(session, invoice.organization_id, invoice.influencer_id)
    return [invoice.id for invoice in newly]


# --- payee forms -----------------------------------------------------------------------------------------------


@permissions.actor_required
def submit_form(
    session: Session,
    *,
    actor: Actor,
    organization_id: int,
    legal_name: str,
    country: str,
    tax_id: str,
    payment_details: str,
    file_bytes: bytes | None = None,
    file_name: str = "",
) -> int:
    """The influencer's payee/tax form for one sponsor organization (one live form each; a rejected one is replaced)."""
    permissions.require(actor, "finance.invoice")
    if organization_id not in sponsors_of(session, actor=actor):
        raise NotFound("You have no deal with that sponsor.")
    contact = organizations.contact_user(session, organization_id)
    if contact is None:
        raise Conflict("That sponsor has no owner to review your form right now.")
    live = session.scalars(
        select(FinancialDocument).where(
            FinancialDocument.kind == "form",
            FinancialDocument.organization_id == organization_id,
            FinancialDocument.influencer_id == actor.id,
            FinancialDocument.status.in_(("pending", "approved")),
        )
    ).first()
    if live is not None:
        raise Conflict(f"You already have a {live.status} payee form with this sponsor.")
    stored = uploads.store(file_bytes, original_name=file_name, folder=deal_rules().uploads_dir) if file_bytes else None
    form = FinancialDocument(
        kind="form",
        number=numbering.next_number(session, "form", today().year),
        sponsor_id=contact,
        organization_id=organization_id,
        influencer_id=actor.id,
        created_by=actor.id,
        amount_cents=0,
        status="pending",
        issue_date=today(),
        legal_name=validate.text(legal_name, "Legal name", max_len=200),
        country=validate.text(country, "Country", max_len=60),
        tax_id=validate.text(tax_id, "Tax id", max_len=60),
        payment_details=validate.text(payment_details, "Payout details", max_len=300),
        file_path=stored.path if stored else None,
        details={"file_name": stored.name, "file_mime": stored.mime} if stored else {},
    )
    session.add(form)
    session.flush()
    notifications.notify(
        session, contact, "form_to_approve", f"Payee form to review: {form.number}", link=f"document:{form.id}"
    )
    _bump(session, organization_id, actor.id)
    return form.id


@permissions.actor_required
def sponsors_of(session: Session, *, actor: Actor) -> dict[int, str]:
    """The sponsor organizations the influencer has purchase orders with: id → name (the payee form picker)."""
    permissions.require(actor, "finance.invoice")
    rows = session.execute(
        select(Organization.id, Organization.name)
        .join(
            FinancialDocument,
            (FinancialDocument.organization_id == Organization.id) & (FinancialDocument.kind == "po"),
        )
        .where(FinancialDocument.influencer_id == actor.id)
        .distinct()
        .order_by(Organization.id)
    ).all()
    return {org_id: name for org_id, name in rows}


@permissions.actor_required
def set_form_required(session: Session, *, actor: Actor, required: bool) -> None:
    """The organization decides whether an approved payee form must exist before a first payment (billing)."""
    org_id = organizations.require_member(actor, "finance.pay")
    org = session.get(Organization, org_id, with_for_update=True)
    if org is None:
        raise NotFound("Your organization no longer exists.")
    org.require_payee_form = bool(required)
    audit.record(session, actor, "organization.payee_form_rule", "organization", org_id, detail=str(bool(required)))
    cachegen.bump(session, cachegen.org_scope(org_id))


@permissions.actor_required
def form_required(session: Session, *, actor: Actor) -> bool:
    """Whether the actor's organization pays only after an approved payee form."""
    org_id = organizations.require_member(actor)
    return bool(session.scalar(select(Organization.require_payee_form).where(Organization.id == org_id)))


def missing_before_payment(session: Session, invoice: FinancialDocument) -> str | None:
    """Why this invoice cannot be paid yet because of the payee form rule, or None."""
    required = session.scalar(select(Organization.require_payee_form).where(Organization.id == invoice.organization_id))
    if not required:
        return None
    approved_form = session.scalar(
        select(FinancialDocument.id).where(
            FinancialDocument.kind == "form",
            FinancialDocument.organization_id == invoice.organization_id,
            FinancialDocument.influencer_id == invoice.influencer_id,
            FinancialDocument.status == "approved",
        )
    )
    if approved_form is not None:
        return None
    return "This sponsor pays only after approving the influencer's payee form; none is approved yet."


# --- reads -----------------------------------------------------------------------------------------------------


def _documents_query():
    po = aliased(FinancialDocument)
    sponsor, influencer = aliased(User), aliased(User)
    return (
        select(
            FinancialDocument.id,
            FinancialDocument.kind,
            FinancialDocument.number,
            FinancialDocument.status,
            FinancialDocument.amount_cents,
            FinancialDocument.issue_date,
            FinancialDocument.due_date,
            FinancialDocument.paid_date,
            FinancialDocument.overdue_since,
            FinancialDocument.ad_request_id,
            Campaign.name.label("campaign"),
            po.number.label("po_number"),
            sponsor.username.label("sponsor"),
            influencer.username.label("influencer"),
            FinancialDocument.rejection_reason,
            FinancialDocument.version,
            FinancialDocument.created_by,
            FinancialDocument.description,
        )
        .outerjoin(Campaign, Campaign.id == FinancialDocument.campaign_id)
        .outerjoin(po, po.id == FinancialDocument.po_id)
        .join(sponsor, sponsor.id == FinancialDocument.sponsor_id)
        .join(influencer, influencer.id == FinancialDocument.influencer_id)
        .order_by(FinancialDocument.issue_date.desc(), FinancialDocument.id.desc())
    )


COLUMNS = [
    "id",
    "kind",
    "number",
    "status",
    "amount_cents",
    "issue_date",
    "due_date",
    "paid_date",
    "overdue_since",
    "ad_request_id",
    "campaign",
    "po_number",
    "sponsor",
    "influencer",
    "rejection_reason",
    "version",
    "created_by",
    "description",
]


@permissions.actor_required
def list_documents(
    session: Session,
    *,
    actor: Actor,
    kinds: tuple[str, ...] = ("po", "invoice", "form"),
    statuses: tuple[str, ...] = (),
    limit: int = 500,
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
) -> pd.DataFrame:
    """The actor's documents (a sponsor's, an influencer's; every one for an admin), newest first."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    query = _documents_query().where(FinancialDocument.kind.in_(kinds)).limit(max(1, min(int(limit), 50_000)))
    if statuses:
        query = query.where(FinancialDocument.status.in_(statuses))
    if issued_from is not None:
        query = query.where(FinancialDocument.issue_date >= issued_from)
    if issued_to is not None:
        query = query.where(FinancialDocument.issue_date <= issued_to)
    if actor.role == "sponsor":
        query = query.where(FinancialDocument.organization_id == organizations.require_member(actor))
    elif actor.role == "influencer":
        query = query.where(FinancialDocument.influencer_id == actor.id)
    else:
        permissions.require(actor, "deal.view_any")
    return pd.DataFrame(session.execute(query).all(), columns=COLUMNS)


@permissions.actor_required
def get_document(session: Session, *, actor: Actor, document_id: int) -> dict:
    """One document with everything a PDF or a detail panel shows."""
    document = _load(session, document_id)
    side = _side(actor, document)
    row = session.execute(_documents_query().where(FinancialDocument.id == document_id)).first()
    if row is None:  # the document exists (loaded above) but a party of it does not: treat as gone
        raise NotFound("That document does not exist.")
    data = dict(zip(COLUMNS, row, strict=True))
    data.update(
        side=side,
        description=document.description,
        legal_name=document.legal_name,
        tax_id=document.tax_id,
        country=document.country,
        payment_details=document.payment_details,
        external_number=document.external_number,
        details=document.details,
        file_path=document.file_path,
        sponsor_id=document.sponsor_id,
        organization_id=document.organization_id,
        influencer_id=document.influencer_id,
    )
    if document.kind == "po":
        data["invoiced_cents"] = invoiced_cents(session, document.id)
        data["balance_cents"] = document.amount_cents - data["invoiced_cents"]
    return data
