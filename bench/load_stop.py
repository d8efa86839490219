"""Stop the servers a load run started, however the run ends: normal end, error, Ctrl+C or SIGTERM."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Startable(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Stopped(KeyboardInterrupt):
    """A SIGTERM, raised like Ctrl+C's KeyboardInterrupt: asyncio lets it through its tasks, finally blocks run."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, _frame) -> None:
    raise Stopped(signum)


def _say_still_stopping(signum: int, _frame) -> None:
    print(f"{signal.Signals(signum).name} ignored: still stopping the servers this run started", file=sys.stderr)


@contextmanager
def started(target: Startable) -> Iterator[Startable]:
    """Start target for the block and stop it at the end, even on SIGTERM or a second Ctrl+C.

    SIGTERM's default action ends the process at once, so `finally: target.stop()` never ran and the servers,
    worker and HAProxy outlived the run: here it raises Stopped instead. A second Ctrl+C (or TERM) while
    stopping used to interrupt the stop itself: during stop() both are ignored with a message.
    """
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        target.start()  # inside the try: a signal halfway through start still stops what did start
        yield target
    finally:
        for signum in SIGNALS:
            signal.signal(signum, _say_still_stopping)
        try:
            target.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """The shell's status for a run ended by this signal: 128 + its number (130 for Ctrl+C, 143 for TERM)."""
    return 128 + (interrupt.signum if isinstance(interrupt, Stopped) else signal.SIGINT)
