"""PDFs rendered in a child process that is replaced every N renders, so the worker's memory stays flat.

WeasyPrint (with pango and fontconfig under it) keeps memory after each render: the 2-hour soak saw a worker grow
~0.25 MB per report. A consumer calls use_child_process() when it starts; from then on render_pdf() sends the HTML
to one spawned child and gets the PDF bytes back, and the child is retired after settings.pdf_child_renders renders.
Everywhere else (the app, immediate mode, tests) renders in the calling process: a child is not worth it there.

The recycling is ours, not ProcessPoolExecutor(max_tasks_per_child=N): on Python 3.11 that option deadlocks once a
backlog is queued when the child exits at its limit (CPython gh-115634), and the worker's threads do queue renders.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from core.platform.config import Settings, get_settings

log = logging.getLogger("iescp.reports")
PARENT_CHECK_SECONDS = 1.0


class PdfUnavailable(RuntimeError):
    """WeasyPrint or pango cannot be loaded where the PDF was to be rendered."""


class PdfRenderFailed(RuntimeError):
    """The child process died or ran past the timeout while rendering; the next render gets a fresh child."""


def write_pdf(html: str, base_url: str) -> bytes:
    """The PDF of html rendered in this process; PdfUnavailable when WeasyPrint or pango is missing."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        raise PdfUnavailable(str(error)) from None  # a plain message: it crosses the process boundary
    return HTML(string=html, base_url=base_url).write_pdf()


def _exit_with_parent(parent_pid: int) -> None:
    """In the child: exit once the worker is gone (killed with SIGKILL, its child would wait on the queue forever).

    SIGINT and SIGTERM are the worker's to handle: a Ctrl-C or systemd's stop signals the whole process group or
    cgroup, and huey's graceful stop lets a running report finish, so its render must not die under it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="iescp-pdf-parent-watch", daemon=True).start()


# ---- the child: one per process that enabled it, created on first use ---------------------------------------

_lock = threading.Lock()
_enabled: tuple[int, int, float] | None = None  # (pid that enabled it, renders per child, timeout seconds)
_pool: ProcessPoolExecutor | None = None
_pool_pid = 0
_pool_renders = 0


def use_child_process(settings: Settings | None = None) -> None:
    """Render this process's PDFs in a recycled child from now on (a consumer's start); 0 renders keeps them here."""
    global _enabled
    settings = settings or get_settings()
    with _lock:
        if settings.pdf_child_renders > 0:
            _enabled = (os.getpid(), settings.pdf_child_renders, settings.pdf_timeout_seconds)
        else:
            _enabled = None


def in_child() -> bool:
    """Whether this process renders its PDFs in a child (a forked process must enable it again)."""
    enabled = _enabled
    return enabled is not None and enabled[0] == os.getpid()


def render_pdf(html: str, base_url: str) -> bytes:
    """The PDF of html: in the child when this process enabled one, else here. PdfUnavailable, PdfRenderFailed."""
    enabled = _enabled
    if enabled is None or enabled[0] != os.getpid():
        return write_pdf(html, base_url)
    _, renders, timeout = enabled
    pool = None
    try:
        with _lock:
            pool = _current_pool()
            future = pool.submit(write_pdf, html, base_url)
            if _pool_renders == 0:  # submit spawned it
                log.info("PDF child process %s started", ",".join(map(str, _pids(pool))))
            _count_render(pool, renders)
        return future.result(timeout=timeout)
    except BrokenProcessPool as error:
        _discard(pool)
        raise PdfRenderFailed(
            f"the PDF child process died while rendering ({error}); the next render starts a fresh one"
        ) from error
    except TimeoutError:
        _discard(pool, kill=True)
        raise PdfRenderFailed(
            f"rendering the PDF took longer than {timeout:g} s; its child process was stopped"
        ) from None


def _current_pool() -> ProcessPoolExecutor:
    """The pool of this process (caller holds _lock); a forked copy of the parent's pool is left to the parent."""
    global _pool, _pool_pid, _pool_renders
    if _pool is None or _pool_pid != os.getpid():
        # spawn: a fresh interpreter that holds none of the worker's memory (fork would copy it, and forking a
        # process with threads is unsafe).
        _pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
        _pool_pid, _pool_renders = os.getpid(), 0
    return _pool


def _count_render(pool: ProcessPoolExecutor, renders: int) -> None:
    """Retire the pool after its Nth render (caller holds _lock): renders already queued still run, then it exits."""
    global _pool, _pool_renders
    _pool_renders += 1
    if _pool_renders >= renders:
        _pool = None
        pool.shutdown(wait=False)


def _discard(pool: ProcessPoolExecutor | None, *, kill: bool = False) -> None:
    """Forget a broken or stuck pool so the next render starts a fresh child; kill stops its child now."""
    global _pool
    if pool is None:
        return
    with _lock:
        if _pool is pool:
            _pool = None
    if kill:
        # No public way to stop a running task before Python 3.14 (terminate_workers()): kill the child itself.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    log.warning("PDF child process discarded (%s)", "killed after the timeout" if kill else "it died")


def child_pids() -> list[int]:
    """The pids of the current child process(es), for tests and the bench (empty before the first render)."""
    with _lock:
        pool = _pool if _pool_pid == os.getpid() else None
    return _pids(pool) if pool is not None else []


def _pids(pool: ProcessPoolExecutor) -> list[int]:
    return sorted(getattr(pool, "_processes", None) or {})  # private, but stable since 3.2; read only


def shutdown() -> None:
    """Stop using a child (the worker stops): renders already queued finish, then the child exits."""
    global _enabled, _pool
    with _lock:
        pool = _pool if _pool_pid == os.getpid() else None
        _enabled, _pool = None, None
    if pool is not None:
        pool.shutdown(wait=True)
