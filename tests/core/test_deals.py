"""A deal's life after "accepted": deliverables, content approval, PO, invoices, payment, reviews."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from core.deals import compliance, deliverables, documents, lifecycle, numbering, payments, reviews
from core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts, ad_requests
from core.models import AdRequest, Deliverable, FinancialDocument, Payment
from core.platform.timeutil import utcnow
from tests import factories as f

GOOD_CARD = dict(card_number="4242 4242 4242 4242", expiry="12/39", cvc="123", name="Bright Wave Ltd")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))


def _deal(db, *, payment_cents=20_000, requirements=None):
    """An offer the influencer accepted through the product's accept: (sponsor, influencer, request id, PO id)."""
    sponsor, influencer = f.sponsor(db), f.influencer(db)
    campaign_id = f.campaign(db, sponsor, budget_cents=100_000)
    request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=payment_cents)
    if requirements is not None:
        with db.Session.begin() as s:
            s.get(AdRequest, request_id).requirements = requirements
    with db.Session.begin() as s:
        po_id = lifecycle.accept_offer(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    return sponsor, influencer, request_id, po_id


def _only_deliverable(db, request_id) -> Deliverable:
    with db.ReadSession.begin() as s:
        row = s.scalars(select(Deliverable).where(Deliverable.ad_request_id == request_id)).one()
        s.expunge(row)
        return row


def _version(db, deliverable_id) -> int:
    with db.ReadSession.begin() as s:
        return s.get(Deliverable, deliverable_id).version


def _act(db, fn, **kwargs):
    with db.Session.begin() as s:
        return fn(s, **kwargs)


def _deliver(db, sponsor, influencer, deliverable_id, caption="Loving it #ad #glow @brightwave"):
    """Draft → approved → live → confirmed."""
    _act(
        db,
        deliverables.submit_draft,
        actor=influencer,
        deliverable_id=deliverable_id,
        expected_version=_version(db, deliverable_id),
        caption=caption,
    )
    _act(
        db,
        deliverables.approve_draft,
        actor=sponsor,
        deliverable_id=deliverable_id,
        expected_version=_version(db, deliverable_id),
    )
    _act(
        db,
        deliverables.submit_live_url,
        actor=influencer,
        deliverable_id=deliverable_id,
        expected_version=_version(db, deliverable_id),
        url="https://instagram.com/p/abc",
    )
    return _act(
        db,
        deliverables.confirm_live,
        actor=sponsor,
        deliverable_id=deliverable_id,
        expected_version=_version(db, deliverable_id),
    )


def _invoice(db, influencer, po_id, amount):
    return _act(
        db,
        documents.raise_invoice,
        actor=influencer,
        po_id=po_id,
        amount_cents=amount,
        legal_name="Maya Lopez",
        payment_details="IBAN DE00 1234",
    )


def _doc(db, document_id) -> FinancialDocument:
    with db.ReadSession.begin() as s:
        row = s.get(FinancialDocument, document_id)
        s.expunge(row)
        return row


# --- start of a deal -------------------------------------------------------------------------------------------


def test_accepting_an_offer_issues_a_numbered_purchase_order_and_plans_a_deliverable_from_the_requirements(database):
    _, _, request_id, po_id = _deal(database, requirements="One reel showing the serum #glow @brightwave")
    po = _doc(database, po_id)
    year = dt.date.today().year
    assert (po.kind, po.status, po.amount_cents, po.number) == ("po", "approved", 20_000, f"PO-{year}-000001")
    deliverable = _only_deliverable(database, request_id)
    assert deliverable.status == "planned"
    assert deliverable.required_hashtags == "#glow" and deliverable.required_mentions == "@brightwave"
    assert deliverable.title.startswith("One reel")


def test_starting_a_deal_twice_issues_one_purchase_order(database):
    _, _, request_id, po_id = _deal(database)
    with database.Session.begin() as s:
        assert lifecycle.start_deal(s, request_id, started_by=None) == po_id
        assert lifecycle.start_missing_deals(s) == 0
        assert s.scalar(select(func.count()).select_from(FinancialDocument)) == 1


def test_deals_accepted_before_deliverables_existed_are_started_by_the_catch_up(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=50_000)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    with database.Session.begin() as s:
        ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    with database.Session.begin() as s:
        assert lifecycle.start_missing_deals(s) == 1
    assert _only_deliverable(database, request_id).status == "planned"


def test_document_numbers_are_unique_per_kind_and_year_under_concurrent_issue(database):
    numbers, errors = [], []

    def take():
        try:
            with database.Session.begin() as s:
                numbers.append(numbering.next_number(s, "invoice", 2031))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"INV-2031-{n:06d}" for n in range(1, 9)]


# --- deliverables and content approval -------------------------------------------------------------------------


def test_the_whole_content_flow_completes_the_deal_when_the_last_live_post_is_confirmed(database):
    sponsor, influencer, request_id, _ = _deal(database)
    deliverable = _only_deliverable(database, request_id)
    assert _deliver(database, sponsor, influencer, deliverable.id) is True
    with database.ReadSession.begin() as s:
        assert s.get(AdRequest, request_id).status == "completed"


def test_changes_requested_keep_every_draft_version_and_the_reason(database):
    sponsor, influencer, request_id, _ = _deal(database)
    d = _only_deliverable(database, request_id)
    _act(
        database,
        deliverables.submit_draft,
        actor=influencer,
        deliverable_id=d.id,
        expected_version=_version(database, d.id),
        caption="First try #ad",
    )
    _act(
        database,
        deliverables.request_changes,
        actor=sponsor,
        deliverable_id=d.id,
        expected_version=_version(database, d.id),
        reason="Show the bottle",
    )
    _act(
        database,
        deliverables.submit_draft,
        actor=influencer,
        deliverable_id=d.id,
        expected_version=_version(database, d.id),
        caption="Second try #ad",
        file_bytes=PNG,
        file_name="shot.png",
    )
    with database.ReadSession.begin() as s:
        view = deliverables.get_deliverable(s, actor=sponsor, deliverable_id=d.id)
    assert view["status"] == "in_review" and view["change_rounds"] == 1
    assert [(x["number"], x["decision"]) for x in view["drafts"]] == [(2, "pending"), (1, "changes_requested")]
    assert view["drafts"][1]["decision_reason"] == "Show the bottle"
    assert view["drafts"][0]["file_mime"] == "image/png"


def test_after_the_last_change_round_only_approval_remains(database, monkeypatch):
    monkeypatch.setenv("IESCP_MAX_CHANGE_ROUNDS", "1")
    sponsor, influencer, request_id, _ = _deal(database)
    d = _only_deliverable(database, request_id)
    for round_ in range(2):
        _act(
            database,
            deliverables.submit_draft,
            actor=influencer,
            deliverable_id=d.id,
            expected_version=_version(database, d.id),
            caption=f"Try {round_} #ad",
        )
        if round_ == 0:
            _act(
                database,
                deliverables.request_changes,
                actor=sponsor,
                deliverable_id=d.id,
                expected_version=_version(database, d.id),
                reason="Again",
            )
    with pytest.raises(Conflict, match="1 times already"):
        _act(
            database,
            deliverables.request_changes,
            actor=sponsor,
            deliverable_id=d.id,
            expected_version=_version(database, d.id),
            reason="Once more",
        )
    _act(
        database,
        deliverables.approve_draft,
        actor=sponsor,
        deliverable_id=d.id,
        expected_version=_version(database, d.id),
    )


def test_a_draft_failing_the_checklist_is_approved_only_with_a_written_reason(database):
    sponsor, influencer, request_id, _ = _deal(database, requirements="A reel #glow")
    d = _only_deliverable(database, request_id)
    _act(
        database,
        deliverables.submit_draft,
        actor=influencer,
        deliverable_id=d.id,
        expected_version=_version(database, d.id),
        caption="No disclosure here",
    )
    before = _version(database, d.id)
    with pytest.raises(InvalidInput, match="written reason"):
        _act(database, deliverables.approve_draft, actor=sponsor, deliverable_id=d.id, expected_version=before)
    assert _version(database, d.id) == before
    _act(
        database,
        deliverables.approve_draft,
        actor=sponsor,
        deliverable_id=d.id,
        expected_version=before,
        override_reason="Disclosure is in the video itself",
    )
    with database.ReadSession.begin() as s:
        view = deliverables.get_deliverable(s, actor=sponsor, deliverable_id=d.id)
    assert view["status"] == "approved"
    assert view["drafts"][0]["override_reason"] == "Disclosure is in the video itself"


def test_an_action_on_a_deliverable_that_changed_since_it_was_shown_is_refused(database):
    sponsor, influencer, request_id, _ = _deal(database)
    d = _only_deliverable(database, request_id)
    shown = _version(database, d.id)
    _act(
        database,
        deliverables.edit_deliverable,
        actor=sponsor,
        deliverable_id=d.id,
        expected_version=shown,
        title="Two stories instead",
        platform="instagram",
        due_date=dt.date.today() + dt.timedelta(days=5),
    )
    with pytest.raises(Conflict, match="changed while you were looking"):
        _act(
            database,
            deliverables.submit_draft,
            actor=influencer,
            deliverable_id=d.id,
            expected_version=shown,
            caption="For the old brief #ad",
        )
    assert _only_deliverable(database, request_id).status == "planned"


@pytest.mark.parametrize(
    "who, action, kwargs, error",
    [
        ("influencer", "approve_draft", {}, PermissionDenied),
        ("sponsor", "submit_draft", {"caption": "x #ad"}, PermissionDenied),
        ("stranger", "submit_draft", {"caption": "x #ad"}, PermissionDenied),
        ("influencer", "submit_live_url", {"url": "https://x.com/p/1"}, Conflict),
        ("sponsor", "confirm_live", {}, Conflict),
        ("sponsor", "request_changes", {"reason": "no"}, Conflict),
    ],
)
def test_the_wrong_party_or_the_wrong_state_changes_nothing(database, who, action, kwargs, error):
    sponsor, influencer, request_id, _ = _deal(database)
    actors = {"sponsor": sponsor, "influencer": influencer, "stranger": f.influencer(database, name="Stranger")}
    d = _only_deliverable(database, request_id)
    before = f.snapshot(database)
    with pytest.raises(error):
        _act(
            database,
            getattr(deliverables, action),
            actor=actors[who],
            deliverable_id=d.id,
            expected_version=d.version,
            **kwargs,
        )
    assert f.snapshot(database) == before


def test_an_upload_is_typed_by_its_content_and_capped_in_size(database):
    _, influencer, request_id, _ = _deal(database)
    d = _only_deliverable(database, request_id)
    for data, name, message in [
        (b"MZ\x90\x00 not an image", "photo.png", "Only images"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "brief.pdf", "the limit is 10 MB"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            _act(
                database,
                deliverables.submit_draft,
                actor=influencer,
                deliverable_id=d.id,
                expected_version=d.version,
                caption="#ad",
                file_bytes=data,
                file_name=name,
            )
    assert _only_deliverable(database, request_id).status == "planned"


def test_drafts_left_unanswered_are_approved_by_the_daily_job_and_both_sides_are_told(database):
    sponsor, influencer, request_id, _ = _deal(database)
    d = _only_deliverable(database, request_id)
    _act(
        database,
        deliverables.submit_draft,
        actor=influencer,
        deliverable_id=d.id,
        expected_version=d.version,
        caption="#ad hi",
    )
    with database.Session.begin() as s:
        assert deliverables.auto_approve_stale_drafts(s, now=utcnow() + dt.timedelta(days=2)) == 0
    with database.Session.begin() as s:
        assert deliverables.auto_approve_stale_drafts(s, now=utcnow() + dt.timedelta(days=3, minutes=1)) == 1
    with database.ReadSession.begin() as s:
        view = deliverables.get_deliverable(s, actor=influencer, deliverable_id=d.id)
    assert view["status"] == "approved" and view["drafts"][0]["decision"] == "auto_approved"


def test_the_compliance_checklist_needs_whole_tags_and_a_disclosure():
    result = compliance.check_caption(
        "New #adventure with @brightwaveco", hashtags="#glow", mentions="@brightwave", disclosure_required=True
    )
    assert [c["passed"] for c in result["checks"]] == [False, False, False] and not result["passed"]
    ok = compliance.check_caption(
        "Paid partnership: my #Glow routine, thanks @BrightWave!",
        hashtags="glow",
        mentions="brightwave",
        disclosure_required=True,
    )
    assert ok["passed"]


# --- invoices, four eyes, payment --------------------------------------------------------------------------------


def test_an_invoice_waits_for_every_deliverable_and_never_exceeds_the_po_balance(database):
    sponsor, influencer, request_id, po_id = _deal(database, payment_cents=20_000)
    with pytest.raises(Conflict, match="every deliverable is confirmed"):
        _invoice(database, influencer, po_id, 5_000)
    _deliver(database, sponsor, influencer, _only_deliverable(database, request_id).id)
    first = _invoice(database, influencer, po_id, 15_000)
    with pytest.raises(InvalidInput, match="unbilled balance"):
        _invoice(database, influencer, po_id, 5_001)
    _invoice(database, influencer, po_id, 5_000)
    with database.ReadSession.begin() as s:
        po = documents.get_document(s, actor=sponsor, document_id=po_id)
        invoice = s.get(FinancialDocument, first)
        assert (po["invoiced_cents"], po["balance_cents"]) == (20_000, 0)
        assert invoice.due_date == invoice.issue_date + dt.timedelta(days=30)


def test_nobody_invoices_someone_elses_purchase_order(database):
    sponsor, influencer, request_id, po_id = _deal(database)
    _deliver(database, sponsor, influencer, _only_deliverable(database, request_id).id)
    other = f.influencer(database, name="Other")
    with pytest.raises(PermissionDenied):
        _invoice(database, other, po_id, 1_000)


def test_a_rejected_invoice_is_fixed_and_resubmitted_then_approved(database):
    sponsor, influencer, request_id, po_id = _deal(database)
    _deliver(database, sponsor, influencer, _only_deliverable(database, request_id).id)
    invoice_id = _invoice(database, influencer, po_id, 20_000)
    _act(
        database,
        documents.reject_document,
        actor=sponsor,
        document_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        reason="Tax id missing",
    )
    _act(
        database,
        documents.resubmit_invoice,
        actor=influencer,
        invoice_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        amount_cents=20_000,
        legal_name="Maya Lopez",
        payment_details="IBAN DE00 1234",
        tax_id="DE123",
    )
    _act(
        database,
        documents.approve_document,
        actor=sponsor,
        document_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
    )
    invoice = _doc(database, invoice_id)
    assert (invoice.status, invoice.tax_id, invoice.rejection_reason) == ("approved", "DE123", "")


def test_nobody_approves_a_document_they_created(database):
    sponsor, influencer, request_id, po_id = _deal(database)
    _deliver(database, sponsor, influencer, _only_deliverable(database, request_id).id)
    invoice_id = _invoice(database, influencer, po_id, 20_000)
    with database.Session.begin() as s:  # a document created by the sponsor's own account (e.g. entered for them)
        s.get(FinancialDocument, invoice_id).created_by = sponsor.id
    with pytest.raises(PermissionDenied, match="someone else"):
        _act(
            database,
            documents.approve_document,
            actor=sponsor,
            document_id=invoice_id,
            expected_version=_doc(database, invoice_id).version,
        )


def _approved_invoice(db):
    sponsor, influencer, request_id, po_id = _deal(db)
    _deliver(db, sponsor, influencer, _only_deliverable(db, request_id).id)
    invoice_id = _invoice(db, influencer, po_id, 20_000)
    _act(
        db,
        documents.approve_document,
        actor=sponsor,
        document_id=invoice_id,
        expected_version=_doc(db, invoice_id).version,
    )
    return sponsor, influencer, po_id, invoice_id


def test_paying_with_the_test_card_marks_invoice_and_po_paid_and_keeps_only_the_last_four_digits(database):
    sponsor, influencer, po_id, invoice_id = _approved_invoice(database)
    result = _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        idempotency_key="k1",
        **GOOD_CARD,
    )
    assert result["status"] == "succeeded" and result["card_last4"] == "4242"
    assert _doc(database, invoice_id).status == "paid" and _doc(database, invoice_id).paid_date is not None
    assert _doc(database, po_id).status == "paid"
    with database.ReadSession.begin() as s:
        stored = [str(v) for row in s.execute(select(Payment)).scalars() for v in vars(row).values()]
    assert not any("4242424242424242" in v for v in stored)


@pytest.mark.parametrize(
    "card, expected",
    [("4000 0000 0000 0002", "declined"), ("4000 0000 0000 9995", "insufficient_funds")],
)
def test_declined_test_cards_leave_the_invoice_approved(database, card, expected):
    sponsor, _, _, invoice_id = _approved_invoice(database)
    result = _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        idempotency_key="k1",
        **{**GOOD_CARD, "card_number": card},
    )
    assert result["status"] == expected
    assert _doc(database, invoice_id).status == "approved"


@pytest.mark.parametrize(
    "card, message",
    [
        ({"card_number": "4242 4242 4242 4241"}, "card number is not valid"),
        ({"expiry": "01/20"}, "expired"),
        ({"cvc": "1"}, "CVC"),
        ({"card_number": "12", "expiry": "13/30", "name": ""}, "card number.*expiry.*name"),
    ],
)
def test_a_bad_card_is_refused_with_every_problem_named_and_nothing_recorded(database, card, message):
    sponsor, _, _, invoice_id = _approved_invoice(database)
    before = f.snapshot(database)
    with pytest.raises(InvalidInput, match=message):
        _act(
            database,
            payments.pay_invoice,
            actor=sponsor,
            invoice_id=invoice_id,
            expected_version=_doc(database, invoice_id).version,
            idempotency_key="k1",
            **{**GOOD_CARD, **card},
        )
    assert f.snapshot(database) == before


def test_paying_a_paid_or_rejected_invoice_is_refused(database):
    sponsor, _, _, invoice_id = _approved_invoice(database)
    _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        idempotency_key="k1",
        **GOOD_CARD,
    )
    with pytest.raises(Conflict, match="already paid"):
        _act(
            database,
            payments.pay_invoice,
            actor=sponsor,
            invoice_id=invoice_id,
            expected_version=_doc(database, invoice_id).version,
            idempotency_key="k2",
            **GOOD_CARD,
        )


def test_the_same_payment_key_again_returns_the_first_result_and_charges_once(database):
    sponsor, _, _, invoice_id = _approved_invoice(database)
    version = _doc(database, invoice_id).version
    first = _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=version,
        idempotency_key="same",
        **GOOD_CARD,
    )
    again = _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=version,
        idempotency_key="same",
        **GOOD_CARD,
    )
    assert again == first
    with database.ReadSession.begin() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1


@pytest.mark.parametrize("same_key", [True, False], ids=["double-click", "two-tabs"])
def test_concurrent_payment_submits_pay_exactly_once(database, same_key):
    sponsor, _, _, invoice_id = _approved_invoice(database)
    version = _doc(database, invoice_id).version
    barrier, outcomes = threading.Barrier(6), []

    def pay(n):
        barrier.wait()
        try:
            with database.Session.begin() as s:
                outcomes.append(
                    payments.pay_invoice(
                        s,
                        actor=sponsor,
                        invoice_id=invoice_id,
                        expected_version=version,
                        idempotency_key="one" if same_key else f"tab-{n}",
                        **GOOD_CARD,
                    )["status"]
                )
        except DomainError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with database.ReadSession.begin() as s:
        succeeded = s.scalar(select(func.count()).select_from(Payment).where(Payment.status == "succeeded"))
    assert succeeded == 1 and len(outcomes) == 6
    assert _doc(database, invoice_id).status == "paid"


def test_a_sponsor_requiring_a_payee_form_pays_only_after_approving_one(database):
    sponsor, influencer, _, invoice_id = _approved_invoice(database)
    _act(database, documents.set_form_required, actor=sponsor, required=True)
    with pytest.raises(Conflict, match="payee form"):
        _act(
            database,
            payments.pay_invoice,
            actor=sponsor,
            invoice_id=invoice_id,
            expected_version=_doc(database, invoice_id).version,
            idempotency_key="k1",
            **GOOD_CARD,
        )
    form_id = _act(
        database,
        documents.submit_form,
        actor=influencer,
        organization_id=sponsor.organization_id,
        legal_name="Maya Lopez",
        country="Spain",
        tax_id="ES123",
        payment_details="IBAN ES00",
    )
    with pytest.raises(Conflict, match="already have a pending"):
        _act(
            database,
            documents.submit_form,
            actor=influencer,
            organization_id=sponsor.organization_id,
            legal_name="Maya Lopez",
            country="Spain",
            tax_id="ES123",
            payment_details="IBAN ES00",
        )
    _act(
        database,
        documents.approve_document,
        actor=sponsor,
        document_id=form_id,
        expected_version=_doc(database, form_id).version,
    )
    result = _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        idempotency_key="k1",
        **GOOD_CARD,
    )
    assert result["status"] == "succeeded"


def test_approved_invoices_past_due_are_marked_overdue_once(database):
    _, _, _, invoice_id = _approved_invoice(database)
    due = _doc(database, invoice_id).due_date
    with database.Session.begin() as s:
        assert documents.mark_overdue(s, on=due) == []
        assert documents.mark_overdue(s, on=due + dt.timedelta(days=1)) == [invoice_id]
        assert documents.mark_overdue(s, on=due + dt.timedelta(days=2)) == []


def test_documents_are_listed_only_to_their_two_parties_and_admins(database):
    sponsor, influencer, _, invoice_id = _approved_invoice(database)
    stranger_sponsor = f.sponsor(database, name="Other Brand")
    with database.ReadSession.begin() as s:
        assert len(documents.list_documents(s, actor=sponsor)) == 2
        assert len(documents.list_documents(s, actor=influencer)) == 2
        assert len(documents.list_documents(s, actor=f.admin(database))) == 2
        assert documents.list_documents(s, actor=stranger_sponsor).empty
        with pytest.raises(PermissionDenied):
            documents.get_document(s, actor=stranger_sponsor, document_id=invoice_id)
        with pytest.raises(NotFound):
            documents.get_document(s, actor=sponsor, document_id=99_999)


# --- reviews ---------------------------------------------------------------------------------------------------


def _completed(db):
    sponsor, influencer, request_id, _ = _deal(db)
    _deliver(db, sponsor, influencer, _only_deliverable(db, request_id).id)
    return sponsor, influencer, request_id


def test_each_side_reviews_a_completed_deal_once(database):
    sponsor, influencer, request_id = _completed(database)
    _act(database, reviews.write_review, actor=sponsor, ad_request_id=request_id, stars=5, text="Great work")
    _act(database, reviews.write_review, actor=influencer, ad_request_id=request_id, stars=4)
    with pytest.raises(Conflict, match="already reviewed"):
        _act(database, reviews.write_review, actor=sponsor, ad_request_id=request_id, stars=1)
    with database.ReadSession.begin() as s:
        assert reviews.influencer_rating(s, influencer.id)["count"] == 1


def test_reviews_wait_for_completion_and_take_one_to_five_stars(database):
    sponsor, _, request_id, _ = _deal(database)
    with pytest.raises(Conflict, match="completed"):
        _act(database, reviews.write_review, actor=sponsor, ad_request_id=request_id, stars=5)
    sponsor, _, request_id = _completed(database)
    for stars in (0, 6, True, "5"):
        with pytest.raises(InvalidInput):
            _act(database, reviews.write_review, actor=sponsor, ad_request_id=request_id, stars=stars)


def test_a_review_is_editable_for_fourteen_days_only(database, monkeypatch):
    sponsor, _, request_id = _completed(database)
    review_id = _act(database, reviews.write_review, actor=sponsor, ad_request_id=request_id, stars=3)
    _act(database, reviews.edit_review, actor=sponsor, review_id=review_id, stars=4, text="Better on reflection")
    monkeypatch.setenv("IESCP_REVIEW_EDIT_DAYS", "0")
    with pytest.raises(Conflict, match="can be edited for 0 days"):
        _act(database, reviews.edit_review, actor=sponsor, review_id=review_id, stars=5)


def test_an_admin_hides_an_abusive_review_with_a_reason_and_it_stops_counting(database):
    sponsor, influencer, request_id = _completed(database)
    review_id = _act(database, reviews.write_review, actor=sponsor, ad_request_id=request_id, stars=1, text="abuse")
    with pytest.raises(PermissionDenied):
        _act(database, reviews.hide_review, actor=influencer, review_id=review_id, reason="mean")
    _act(database, reviews.hide_review, actor=f.admin(database), review_id=review_id, reason="Insults")
    with database.ReadSession.begin() as s:
        assert reviews.influencer_rating(s, influencer.id)["count"] == 0
        assert reviews.reviews_of_request(s, actor=influencer, ad_request_id=request_id).empty


def test_one_five_star_review_ranks_below_twenty_reviews_averaging_four_point_eight():
    assert reviews.bayesian_rating(5.0, 1) < reviews.bayesian_rating(4.8, 20)
    assert reviews.bayesian_rating(None, 0) is None


def test_a_flagged_party_puts_the_deal_on_hold(database):
    sponsor, influencer, request_id, _ = _deal(database)
    d = _only_deliverable(database, request_id)
    _act(database, accounts.flag_user, actor=f.admin(database), user_id=sponsor.id, reason="Spam")
    with pytest.raises(Conflict, match="on hold"):
        _act(
            database,
            deliverables.submit_draft,
            actor=influencer,
            deliverable_id=d.id,
            expected_version=d.version,
            caption="#ad",
        )


def test_sponsor_ratings_move_the_influencers_search_score_and_the_explanation_says_by_how_much(database):
    from core.marketplace import search

    sponsor, influencer, request_id = _completed(database)
    with database.ReadSession.begin() as s:
        before = search.search_influencers(s, actor=sponsor, text="").rows
    row = before[before["user_id"] == influencer.id].iloc[0]
    assert "rated" not in row["score_reasons"]
    _act(database, reviews.write_review, actor=sponsor, ad_request_id=request_id, stars=5, text="Superb")
    with database.ReadSession.begin() as s:
        after = search.search_influencers(s, actor=sponsor, text="").rows
    rated = after[after["user_id"] == influencer.id].iloc[0]
    assert rated["score"] == row["score"] + 2  # one 5★ review: Bayesian 4.17 → +2
    assert "rated 5.0★ in 1 review → +2" in rated["score_reasons"]
    review_id = int(reviews_of(database, influencer, request_id).iloc[0]["id"])
    _act(database, reviews.hide_review, actor=f.admin(database), review_id=review_id, reason="Fake")
    with database.ReadSession.begin() as s:
        hidden = search.search_influencers(s, actor=sponsor, text="").rows
    assert hidden[hidden["user_id"] == influencer.id].iloc[0]["score"] == row["score"]


def reviews_of(db, actor, request_id):
    with db.ReadSession.begin() as s:
        return reviews.reviews_of_request(s, actor=actor, ad_request_id=request_id)
