"""The demo Timeline: rows written inside a story move to the story's demo time, in order; others stay put."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from core.demo.timeline import Timeline
from core.messaging import notifications
from core.models import Notification, User


def _notify(db, title: str) -> None:
    with db.Session.begin() as s:
        admin_id = s.scalar(select(User.id).where(User.role == "admin"))
        notifications.notify(s, admin_id, "test", title)


def _times(db) -> dict[str, dt.datetime]:
    with db.ReadSession.begin() as s:
        return {title: at for title, at in s.execute(select(Notification.title, Notification.created_at))}


def test_rows_written_in_a_story_move_to_its_demo_time_and_keep_their_order(database):
    clock = Timeline()
    start = clock.now - dt.timedelta(days=90)
    with clock.story(start):
        _notify(database, "request")
        clock.step(random.Random(1), dt.timedelta(hours=5), dt.timedelta(hours=6))
        _notify(database, "reply")
    _notify(database, "outside")
    clock.apply(database)
    times = _times(database)
    # Moved to the morning if it fell at night: at most 9 hours (from 23:00), plus the moments the writes took.
    assert abs(times["request"] - start) <= dt.timedelta(hours=9, seconds=30)
    assert dt.timedelta(hours=5) <= times["reply"] - times["request"] < dt.timedelta(hours=15)
    assert clock.now - dt.timedelta(minutes=1) < times["outside"]


def test_a_step_never_lands_after_the_demo_now(database):
    clock = Timeline()
    with clock.story(clock.now - dt.timedelta(hours=2)):
        for _ in range(5):
            clock.step(random.Random(2), dt.timedelta(days=3), dt.timedelta(days=4))
            _notify(database, f"late {clock.current}")
    clock.apply(database)
    assert max(_times(database).values()) < clock.now


def test_steps_squeezed_against_now_still_keep_the_order_they_were_written_in(database):
    clock = Timeline()
    with clock.story(clock.now):
        for n in range(4):
            clock.step(random.Random(n), dt.timedelta(days=1), dt.timedelta(days=2))
            _notify(database, f"step {n}")
    clock.apply(database)
    times = _times(database)
    assert [times[f"step {n}"] for n in range(4)] == sorted(times[f"step {n}"] for n in range(4))
