"""Demo monthly reports: every organization's report for each complete month since it joined, archived through
the real reporting service on the day the worker would have made it (emails go to the outbox, never to SMTP)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select

from core.demo.timeline import Timeline
from core.messaging import mailer
from core.marketplace import organizations
from core.models import Campaign
from core.platform.config import get_settings
from core.platform.db import Database
from core.platform.timeutil import month_start, previous_month
from core.reporting import reports

RUN_HOUR = dt.time(6, 0)  # when the nightly worker gets to the reports on report day


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def seed_reports(db: Database, *, now: dt.datetime) -> int:
    """Archive each organization's report for every complete month before now since its first campaign started
    (the months it was active in); returns how many were made.

    Call after the demo's timestamps are final: a report reads the month's activity when it is made.
    """
    # The demo's addresses are not real: its report emails land in the outbox even where SMTP is configured.
    settings = dataclasses.replace(get_settings(), smtp_host=None)
    with db.ReadSession.begin() as s:
        rows = s.execute(
            select(Campaign.organization_id, func.min(Campaign.start_date))
            .where(Campaign.start_date < now.date())
            .group_by(Campaign.organization_id)
        )
        active_since = {org_id: first for org_id, first in rows}
    if not active_since:
        return 0
    clock, made = Timeline(now=now), 0
    month, last = month_start(min(active_since.values())), previous_month(now.date())
    with mailer.Mailer(settings) as outgoing:
        while month <= last:
            following = _next_month(month)
            day = following.replace(day=reports.effective_report_day(following, settings))
            run_at = min(dt.datetime.combine(day, RUN_HOUR), now - dt.timedelta(hours=1))
            with db.ReadSession.begin() as s:
                sponsor_ids = [
                    sponsor_id
                    for sponsor_id in reports.all_sponsor_ids(s, month=month)
                    if active_since.get(organizations.organization_of_user(s, sponsor_id), following) < following
                ]
            with clock.story(
                run_at, daytime=False
            ):  # the "report is ready" notifications arrive when the report was made
                for sponsor_id in sponsor_ids:
                    outcome = reports.generate_report(
                        db, sponsor_id=sponsor_id, month=month, settings=settings, outgoing=outgoing, now=run_at
                    )
                    made += outcome.created
            month = following
    clock.apply(db)
    return made
