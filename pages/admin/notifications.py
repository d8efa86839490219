"""Admin notifications: sign-ups awaiting approval and finished exports; each opens its page."""

from pages.common.notifications_view import notifications_page
from pages.common.session import current_actor

notifications_page(current_actor(role="admin"), intro="Sponsors awaiting approval and finished exports.")
