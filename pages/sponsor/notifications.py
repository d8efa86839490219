"""Sponsor notifications: requests and replies, content to review, invoices, reports; each opens its object."""

from pages.common.notifications_view import notifications_page
from pages.common.session import current_actor

notifications_page(
    current_actor(role="sponsor"),
    intro="Replies to your offers, drafts to review, invoices to approve and finished reports.",
)
