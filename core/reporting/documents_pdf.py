"""Purchase orders and invoices as PDF (Jinja2 + WeasyPrint), for both parties and admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import permissions
from core.deals import documents
from core.errors import Conflict
from core.models import InfluencerProfile, Organization
from core.permissions import Actor
from core.platform import templating
from core.platform.timeutil import today
from core.reporting import reports

TITLES = {"po": "Purchase order", "invoice": "Invoice", "form": "Payee form"}


@permissions.actor_required
def document_html(session: Session, *, actor: Actor, document_id: int) -> str:
    """The document as printable HTML (every value escaped by the template)."""
    doc = documents.get_document(session, actor=actor, document_id=document_id)
    sponsor_name = session.scalar(select(Organization.name).where(Organization.id == doc["organization_id"]))
    influencer_name = session.scalar(
        select(InfluencerProfile.display_name).where(InfluencerProfile.user_id == doc["influencer_id"])
    )
    return templating.render(
        "documents/document.html.j2",
        doc=doc,
        title=TITLES[doc["kind"]],
        sponsor_name=sponsor_name or doc["sponsor"],
        influencer_name=influencer_name or doc["influencer"],
        generated_on=today(),
    )


@permissions.actor_required
def document_pdf(session: Session, *, actor: Actor, document_id: int) -> bytes:
    """The document as PDF; Conflict with the fix when PDF rendering is not installed here."""
    pdf = reports.render_pdf(document_html(session, actor=actor, document_id=document_id))
    if pdf is None:
        raise Conflict("PDF rendering is not available on this server (WeasyPrint needs pango); ask the administrator.")
    return pdf
