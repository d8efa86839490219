"""Simulated users: who they log in as (real accounts of the data set) and each role's main loop over the protocol.

sponsor:    search on Find influencers (a term and submit) -> select one result row (opens the profile preview and
            the send form) -> send an ad request for the first active campaign (the app may refuse, e.g. a live
            request for that pair exists: a refusal, not an error).
influencer: Inbox with "Awaiting me only" -> counter the first awaiting offer with a new amount; with nothing
            awaiting, the simulated user logs in as the next influencer of the pool (a re-login, not an interaction).
admin:      a rerun of the platform Dashboard (the data set has one admin: every admin user shares that account).
Each interaction is timed from the BackMsg sent to script_finished of its last run (an st.rerun included).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field

from bench.load_client import LoadClient, outcome, proxy_cookie

PAGES = {"sponsor": "sponsor-find-influencers", "influencer": "influencer-inbox", "admin": "admin-dashboard"}
SEARCHES = ["fitness", "travel", "food", "beauty", "tech", "gaming", "music", "fashion", "style", "home"]
INTERACTION_TIMEOUT = 30.0  # an interaction slower than this is an error; it also bounds how long a stop waits


@dataclass
class Record:
    """One timed step of a simulated user."""

    role: str
    step: str
    started: float  # time.monotonic() when the BackMsg was sent
    seconds: float
    outcome: str  # ok | refused | error | skipped
    detail: str = ""


@dataclass
class Pools:
    """Cookies of real accounts per role; influencers are handed out in turn as their offers run out."""

    cookies: dict[str, list[tuple[str, str]]]  # role -> [(username, Cookie header value)]
    _next: dict[str, int] = field(default_factory=dict)

    def take(self, role: str) -> tuple[str, str]:
        """The next account of role (cycling when all were used)."""
        accounts = self.cookies[role]
        index = self._next.get(role, 0)
        self._next[role] = index + 1
        return accounts[index % len(accounts)]


@dataclass
class Settings:
    """How the simulated users behave."""

    think: float = 1.0  # mean seconds between two interactions of one user
    jitter: float = 0.3  # think time is uniform in [think - jitter, think + jitter]
    send_every: int = 1  # a sponsor sends on every n-th loop (fewer rows written in a long soak)
    sticky: bool = True  # GET / first and send the proxy's cookie on the websocket


class Stop(Exception):
    """The run is over."""


class User:
    """One simulated user: one websocket session at a time, its loop, its records."""

    def __init__(self, role: str, base_url: str, pools: Pools, settings: Settings, records: list, seed: int):
        self.role, self.base_url, self.pools, self.settings, self.records = role, base_url, pools, settings, records
        self.rng = random.Random(seed)
        self.stopping = asyncio.Event()
        self.loops = 0

    async def think(self) -> None:
        pause = self.rng.uniform(self.settings.think - self.settings.jitter, self.settings.think + self.settings.jitter)
        try:
            await asyncio.wait_for(self.stopping.wait(), max(0.0, pause))
        except TimeoutError:
            return
        raise Stop

    async def step(self, client: LoadClient, step: str, widgets: dict | None, success: str | None = None):
        """One timed interaction (a page load when widgets is None); its record; the result, None on error."""
        started = time.monotonic()
        try:
            result = await (client.load(PAGES[self.role]) if widgets is None else client.rerun(widgets))
        except (TimeoutError, OSError, Exception) as error:  # a dropped or stuck socket: an error, then reconnect
            self.records.append(Record(self.role, step, started, time.monotonic() - started, "error", repr(error)))
            raise ConnectionError(step) from error
        problem = "; ".join(result.exceptions) or ("" if result.status == "FINISHED_SUCCESSFULLY" else result.status)
        if problem:
            kind, detail = "error", problem
        elif success is not None:
            alerts = client.alerts()
            kind = outcome(alerts, success)
            detail = "; ".join(body for level, body in alerts if level == "error")[:200]
            if kind == "unclear":  # neither the success nor a refusal came back: say what did
                kind, detail = "error", f"no success or error shown; alerts {alerts}"[:200]
        else:
            kind, detail = "ok", ""
        self.records.append(Record(self.role, step, started, result.seconds, kind, detail))
        return None if kind == "error" else result

    async def run(self) -> None:
        """Log in and loop until stopped; a broken session is reopened after a pause."""
        username, cookie = self.pools.take(self.role)
        while not self.stopping.is_set():
            try:
                if self.settings.sticky:
                    replica = await asyncio.to_thread(proxy_cookie, self.base_url)
                    cookie_header = f"{cookie}; {replica}" if replica else cookie
                else:
                    cookie_header = cookie
                async with LoadClient(self.base_url, cookie=cookie_header, timeout=INTERACTION_TIMEOUT) as client:
                    if await self.step(client, "load", None) is None:
                        raise ConnectionError("page load failed")
                    while True:
                        await self.think()
                        if not await getattr(self, f"_{self.role}")(client):
                            username, cookie = self.pools.take(self.role)  # nothing left to do as this account
                            break
                        self.loops += 1
            except Stop:
                return
            except (ConnectionError, OSError, TimeoutError) as error:
                if not isinstance(error, ConnectionError):
                    self.records.append(Record(self.role, "connect", time.monotonic(), 0.0, "error", repr(error)))
                try:
                    await asyncio.wait_for(self.stopping.wait(), 1.0)
                except TimeoutError:
                    continue

    async def _sponsor(self, client: LoadClient) -> bool:
        term = self.rng.choice(SEARCHES)
        if await self.step(client, "search", {"f-text": term, "f-submit": None}) is None:
            return True
        table = next((key for key in client.widgets if key.startswith("results-")), None)
        if table is None:  # no results for this term: nothing to open this loop
            return True
        await self.think()
        row = self.rng.randrange(50)  # a page holds 50: the top rows alone would soon all hold a live request
        selection = json.dumps({"selection": {"rows": [row], "columns": [], "cells": []}})
        if await self.step(client, "open_profile", {table: selection}) is None:
            return True
        submit = next((key for key in client.widgets if key.startswith("send-submit-")), None)
        if submit is None:
            self.records.append(Record(self.role, "send", time.monotonic(), 0.0, "error", "no send form drawn"))
            return True
        if self.loops % self.settings.send_every:
            return True
        await self.think()
        suffix = submit.removeprefix("send-submit-")
        offer = {
            f"send-payment-{suffix}": str(self.rng.randrange(200, 900)),
            f"send-requirements-{suffix}": "Two posts and a story (load test)",
            submit: None,
        }
        await self.step(client, "send", offer, success="Ad request sent")
        return True

    async def _influencer(self, client: LoadClient) -> bool:
        if await self.step(client, "inbox", {"inbox_awaiting": True}) is None:
            return True
        amount = next((key for key in client.widgets if key.startswith("counter_amount_")), None)
        if amount is None or "counter" not in client.widgets:
            self.records.append(Record(self.role, "counter", time.monotonic(), 0.0, "skipped", "nothing awaiting"))
            return False
        await self.think()
        suffix = amount.removeprefix("counter_amount_")
        offer = {
            amount: str(self.rng.randrange(300, 3000)),
            f"counter_message_{suffix}": "Could we meet here? (load test)",
            "counter": None,
        }
        await self.step(client, "counter", offer, success="Counter-offer sent")
        return True

    async def _admin(self, client: LoadClient) -> bool:
        await self.step(client, "dashboard", {})
        return True


def pick_accounts(database_url: str, counts: dict[str, int]) -> dict[str, list[tuple[str, int]]]:
    """(username, session version) of real, usable accounts per role, the most useful first.

    Sponsors with the most active campaigns; influencers with the most offers awaiting their answer; the admins.
    """
    from sqlalchemy import create_engine, text

    queries = {
        "sponsor": """
            SELECT u.username, u.session_version FROM users u JOIN campaigns c ON c.sponsor_id = u.id
            WHERE u.role = 'sponsor' AND u.is_active AND NOT u.flagged AND u.approval = 'approved'
              AND c.status = 'active'
            GROUP BY u.id, u.username, u.session_version ORDER BY count(*) DESC, u.id LIMIT :n""",
        "influencer": """
            SELECT u.username, u.session_version FROM users u JOIN ad_requests r ON r.influencer_id = u.id
            WHERE u.role = 'influencer' AND u.is_active AND NOT u.flagged
              AND r.status IN ('pending', 'negotiating') AND r.turn = 'influencer'
            GROUP BY u.id, u.username, u.session_version ORDER BY count(*) DESC, u.id LIMIT :n""",
        "admin": """
            SELECT username, session_version FROM users
            WHERE role = 'admin' AND is_active AND NOT flagged ORDER BY id LIMIT :n""",
    }
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {
                role: [(name, int(version)) for name, version in conn.execute(text(queries[role]), {"n": n})]
                for role, n in counts.items()
                if n
            }
    finally:
        engine.dispose()


def mint_cookies(accounts: dict[str, list[tuple[str, int]]], *, cookie_name: str, key: str) -> Pools:
    """Login cookies for those accounts, signed as the servers sign them (core/platform/session_tokens.py)."""
    from core.platform import session_tokens

    return Pools(
        {
            role: [
                (name, f"{cookie_name}={session_tokens.issue(name, version, key=key, expiry_days=1)}")
                for name, version in rows
            ]
            for role, rows in accounts.items()
        }
    )
