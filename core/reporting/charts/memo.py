"""Built figures and chart specs kept in this process, keyed by the builder and a digest of its inputs.

Keyed by content, not by time or by process: the inputs are the data a page has just read (through the
shared cache, whose keys carry the cachegen generations), so a write committed by any process that changes
the data changes the digest and the figure is rebuilt on the next run; equal data reuses the built figure.
Returned objects are shared between sessions and threads: callers must not mutate them (st.plotly_chart and
st.vega_lite_chart only read them).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections import OrderedDict
from typing import Any, Callable, TypeVar

import altair as alt

F = TypeVar("F", bound=Callable[..., Any])

MAX_ENTRIES = 256  # a figure is a few kB, a busy sponsor's formatted 1,000-row table ~200 kB: tens of MB at most

_entries: OrderedDict[tuple[str, str], Any] = OrderedDict()
_lock = threading.Lock()
stats = {"hits": 0, "builds": 0}  # read by tests and benchmarks; never used to decide anything


def digest(*inputs: Any) -> str | None:
    """A digest of the inputs' pickled bytes, or None when they cannot be pickled (then nothing is cached).

    Equal bytes mean equal data, so a hit is never stale; equal data pickled differently only costs a rebuild.
    """
    try:
        payload = pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(payload, digest_size=20).hexdigest()


def memoized(builder: F) -> F:
    """builder, returning the figure it built before for the same inputs (per process, LRU-bounded)."""
    name = f"{builder.__module__}.{builder.__qualname__}"

    @functools.wraps(builder)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = digest(args, sorted(kwargs.items()))
        if key is None:
            return builder(*args, **kwargs)
        with _lock:
            found = _entries.get((name, key))
            if found is not None:
                _entries.move_to_end((name, key))
                stats["hits"] += 1
                return found
        # Built outside the lock: two sessions racing on a new generation both build, one result is kept.
        built = builder(*args, **kwargs)
        with _lock:
            stats["builds"] += 1
            _entries[(name, key)] = built
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        return built

    wrapper.uncached = builder  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def clear() -> None:
    """Forget every built figure (tests, cold benchmarks)."""
    with _lock:
        _entries.clear()


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec, validated once here so that st.vega_lite_chart need not re-validate it.

    The default theme's view size is dropped, as st.altair_chart does (it renders with the theme "none").
    """
    spec = chart.to_dict()
    if spec.get("config") == {"view": {"continuousWidth": 300, "continuousHeight": 300}}:
        del spec["config"]
    return spec
