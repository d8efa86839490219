"""Every public service that takes `actor=` refuses a missing actor with PermissionDenied and changes nothing."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil

import pytest

import core
from core.errors import PermissionDenied
from core.platform.db import Database
from tests import factories as f


def _services() -> list[tuple[str, object]]:
    """(module.name, function) for each public function of core whose `actor` is a keyword-only parameter."""
    found = []
    for info in pkgutil.walk_packages(core.__path__, "core."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            actor = inspect.signature(fn).parameters.get("actor")
            if actor is not None and actor.kind is inspect.Parameter.KEYWORD_ONLY:
                found.append((f"{info.name}.{name}", fn))
    return found


SERVICES = _services()


def _dummy(name: str, annotation, ids: dict[str, int]) -> object:
    """A plausible value for a required parameter: ids of real rows of the test world, non-empty texts."""
    text = str(annotation)
    if name in ids:
        return ids[name]
    if name.endswith("_date"):
        return dt.date.today()
    if name == "month":
        return dt.date.today().replace(day=1)
    if "list" in text:
        return [1, 2]
    if "bool" in text:
        return True
    if "float" in text:
        return 1.5
    if "int" in text:
        return 1
    return "Something 1"


def _call_without_actor(fn, session, database: Database, ids: dict[str, int]):
    kwargs, args = {"actor": None}, []
    for name, parameter in inspect.signature(fn).parameters.items():
        if name == "actor" or parameter.default is not inspect.Parameter.empty:
            continue
        if name == "session":
            value = session
        elif name == "db":
            value = database
        else:
            value = _dummy(name, parameter.annotation, ids)
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return fn(*args, **kwargs)


def test_the_walk_finds_the_services_of_every_package():
    names = {name for name, _ in SERVICES}
    assert len(SERVICES) >= 60
    for expected in (
        "core.messaging.notifications.unread_count",
        "core.marketplace.ad_requests.withdraw_open_requests",
        "core.marketplace.accounts.log_out_everywhere",
        "core.reporting.exports.start_export",
        "core.marketplace.cached_reads.search_influencers",
    ):
        assert expected in names


@pytest.fixture
def world(database):
    """A small marketplace, so that a service which forgot its check would find rows to read or change."""
    sponsor = f.sponsor(database)
    influencer = f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    ids = {"campaign_id": campaign_id, "ad_request_id": request_id, "user_id": influencer.id}
    return database, {**ids, "influencer_id": influencer.id, "ad_request_ids": [request_id]}


@pytest.mark.parametrize("rows", ["existing", "missing"])
@pytest.mark.parametrize("name, fn", SERVICES, ids=[name for name, _ in SERVICES])
def test_a_service_called_without_an_actor_refuses_and_changes_nothing(world, name, fn, rows):
    """With ids of real rows, and of missing ones: NotFound first would tell a stranger which ids exist."""
    database, ids = world
    if rows == "missing":
        ids = {key: [987_654] if isinstance(value, list) else 987_654 for key, value in ids.items()}
    before = f.snapshot(database)
    with pytest.raises(PermissionDenied):
        with database.Session.begin() as session:
            _call_without_actor(fn, session, database, ids)
    assert f.snapshot(database) == before
