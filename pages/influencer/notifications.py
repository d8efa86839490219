"""Influencer notifications: new offers, replies, deliverables and payments; each opens its object."""

from pages.common.notifications_view import notifications_page
from pages.common.session import current_actor

notifications_page(
    current_actor(role="influencer"),
    intro="New offers, replies to your requests, deliverables due and payments.",
)
