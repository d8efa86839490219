"""Background jobs. The consumer loads `tasks.huey`; importing this package registers every task."""

from tasks import (
    deals,
    exports,
    health,
    imports,
    organizations,
    recovery,
    reminders,
    reports,
    security,
    similar,
    snapshots,
)  # noqa: F401,E402  (registers the tasks)
from tasks.queue import huey  # noqa: F401  (the instance huey_consumer loads)

__all__ = [
    "huey",
    "deals",
    "exports",
    "health",
    "imports",
    "organizations",
    "recovery",
    "reminders",
    "reports",
    "security",
    "similar",
    "snapshots",
]
