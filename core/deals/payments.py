"""The dummy checkout: pays an approved invoice with a test card, exactly once per idempotency key.

No network and no real money. Documented test cards (any future expiry, any 3-digit CVC):
  4242 4242 4242 4242  succeeds
  4000 0000 0000 0002  declined
  4000 0000 0000 9995  insufficient funds
Any other number that passes the Luhn check succeeds too. Only the last four digits are ever stored.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, permissions, validate
from core.deals import documents, guard
from core.errors import Conflict, InvalidInput, PermissionDenied
from core.marketplace import organizations
from core.messaging import notifications
from core.models import FinancialDocument, Payment
from core.money import format_cents
from core.permissions import Actor
from core.platform.timeutil import today, utcnow

TEST_CARDS = {
    "4242424242424242": "succeeded",
    "4000000000000002": "declined",
    "4000000000009995": "insufficient_funds",
}
FAILURES = {"declined": "The card was declined.", "insufficient_funds": "The card has insufficient funds."}


def luhn_valid(number: str) -> bool:
    """The Luhn checksum every real card number satisfies."""
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(number, expiry, cvc, name, *, on: dt.date) -> str:
    """The card's digits after checking every field; InvalidInput naming every problem at once."""
    problems = []
    digits = re.sub(r"[\s-]", "", str(number or ""))
    if not re.fullmatch(r"\d{12,19}", digits) or not luhn_valid(digits):
        problems.append("the card number is not valid")
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", str(expiry or ""))
    if not match or not 1 <= int(match.group(1)) <= 12:
        problems.append("the expiry must look like MM/YY")
    else:
        year = int(match.group(2)) + (2000 if len(match.group(2)) == 2 else 0)
        if (year, int(match.group(1))) < (on.year, on.month):
            problems.append("the card has expired")
    if not re.fullmatch(r"\d{3,4}", str(cvc or "").strip()):
        problems.append("the CVC must be 3 or 4 digits")
    try:
        validate.text(name, "Name on card", max_len=100)
    except InvalidInput:
        problems.append("the name on the card is missing")
    if problems:
        raise InvalidInput("Please check the card: " + "; ".join(problems) + ".")
    return digits


@permissions.actor_required
def pay_invoice(
    session: Session,
    *,
    actor: Actor,
    invoice_id: int,
    expected_version: int,
    idempotency_key: str,
    card_number: str,
    expiry: str,
    cvc: str,
    name: str,
) -> dict:
    """Charge the test card for the invoice's amount; a repeated key returns the first attempt's result."""
    permissions.require(actor, "finance.pay")  # billing: owners (org roles, core/permissions.py)
    key = validate.text(idempotency_key, "Payment key", max_len=80)
    # Lock the invoice row first: two tabs (two keys) or a double click (one key) are serialised here, and the
    # second one then sees what the first did.
    invoice = session.scalars(
        select(FinancialDocument).where(FinancialDocument.id == invoice_id).with_for_update()
    ).first()
    if invoice is None or invoice.kind != "invoice":
        raise InvalidInput("That invoice does not exist.")
    if documents._side(actor, invoice) != "sponsor":
        raise PermissionDenied("Only the sponsor this invoice is addressed to can pay it.")
    earlier = session.scalars(select(Payment).where(Payment.idempotency_key == key)).first()
    if earlier is not None:
        if earlier.invoice_id != invoice_id or earlier.paid_by != actor.id:
            raise Conflict("This payment form was already used for another payment; reload the page.")
        return _result(earlier)  # the same click again: the first attempt's answer, nothing charged twice
    if invoice.version != guard.seen_version(expected_version):
        raise Conflict(guard.CHANGED.format(what="invoice"))
    if invoice.status == "paid":
        raise Conflict(f"Invoice {invoice.number} is already paid.")
    if invoice.status != "approved":
        raise Conflict(f"Invoice {invoice.number} is {invoice.status}; only approved invoices can be paid.")
    missing = documents.missing_before_payment(session, invoice)
    if missing:
        raise Conflict(missing)
    digits = _card(card_number, expiry, cvc, name, on=today())
    status = TEST_CARDS.get(digits, "succeeded")
    payment = Payment(
        invoice_id=invoice.id,
        amount_cents=invoice.amount_cents,
        card_last4=digits[-4:],
        status=status,
        reference=f"PAY-{secrets.token_hex(6).upper()}",
        idempotency_key=key,
        paid_by=actor.id,
        failure_reason=FAILURES.get(status, ""),
    )
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        raise Conflict("This payment is already being processed; reload the page to see its result.") from None
    if status == "succeeded":
        _settle(session, actor, invoice, payment)
    return _result(payment)


def _settle(session: Session, actor: Actor, invoice: FinancialDocument, payment: Payment) -> None:
    session.execute(
        update(FinancialDocument)
        .where(FinancialDocument.id == invoice.id)
        .values(status="paid", paid_date=today(), version=FinancialDocument.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire(invoice)
    po = session.get(FinancialDocument, invoice.po_id)
    if po is not None and documents.invoiced_cents(session, po.id) >= po.amount_cents:
        fully_paid = not session.scalar(
            select(FinancialDocument.id).where(
                FinancialDocument.po_id == po.id,
                FinancialDocument.kind == "invoice",
                FinancialDocument.status.in_(("pending", "approved")),
            )
        )
        if fully_paid:
            po.status, po.paid_date, po.version = "paid", today(), po.version + 1
    audit.record(
        session,
        actor,
        "invoice.paid",
        "document",
        invoice.id,
        amount_cents=payment.amount_cents,
        detail=payment.reference,
    )
    notifications.notify(
        session,
        invoice.influencer_id,
        "payment_received",
        f"Payment received: {invoice.number}",
        f"{format_cents(payment.amount_cents)} paid (reference {payment.reference}).",
        link=f"document:{invoice.id}",
    )
    documents._bump(session, invoice.organization_id, invoice.influencer_id)


def _result(payment: Payment) -> dict:
    return {
        "payment_id": payment.id,
        "status": payment.status,
        "reference": payment.reference,
        "amount_cents": payment.amount_cents,
        "card_last4": payment.card_last4,
        "message": payment.failure_reason
        or f"Paid {format_cents(payment.amount_cents)} (reference {payment.reference}).",
    }


@permissions.actor_required
def list_payments(
    session: Session,
    *,
    actor: Actor,
    limit: int = 500,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> pd.DataFrame:
    """Payments the actor made or received (every one for an admin), newest first; until is exclusive."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    query = (
        select(
            Payment.id,
            Payment.created_at,
            FinancialDocument.number.label("invoice"),
            Payment.amount_cents,
            Payment.status,
            Payment.card_last4,
            Payment.reference,
            Payment.failure_reason,
        )
        .join(FinancialDocument, FinancialDocument.id == Payment.invoice_id)
        .order_by(Payment.id.desc())
        .limit(max(1, min(int(limit), 50_000)))
    )
    if since is not None:
        query = query.where(Payment.created_at >= since)
    if until is not None:
        query = query.where(Payment.created_at < until)
    if actor.role == "sponsor":
        query = query.where(FinancialDocument.organization_id == organizations.require_member(actor))
    elif actor.role == "influencer":
        query = query.where(FinancialDocument.influencer_id == actor.id)
    else:
        permissions.require(actor, "deal.view_any")
    columns = ["id", "created_at", "invoice", "amount_cents", "status", "card_last4", "reference", "failure_reason"]
    return pd.DataFrame(session.execute(query).all(), columns=columns)
