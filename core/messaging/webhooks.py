"""Outgoing webhooks (Google Chat incoming webhooks): one JSON POST with a timeout."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10  # default; the worker uses settings.webhook_timeout_seconds (IESCP_WEBHOOK_TIMEOUT_SECONDS)


class WebhookError(Exception):
    """The receiver did not accept the message; the text never contains the URL's secret query."""


class HostDown(WebhookError):
    """The receiver could not be reached or did not answer in time (not a problem of this message)."""


def redact(url: str) -> str:
    """The URL without its query string (Google Chat puts the key and token there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def post_json(url: str, payload: dict, *, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST payload as JSON to url; returns the HTTP status, raises WebhookError unless it is 2xx."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise WebhookError("the webhook address must start with https://")
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=UTF-8", "User-Agent": "IESCP-notifier/1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            status = response.status
            response.read(1024)
    except urllib.error.HTTPError as error:
        raise WebhookError(f"webhook {redact(url)} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            reason = f"no answer within {timeout:g} s"
        raise HostDown(f"webhook {redact(url)} unreachable: {reason}") from None
    if not 200 <= status < 300:
        raise WebhookError(f"webhook {redact(url)} answered HTTP {status}")
    return status


def post_chat_message(url: str, text: str, *, timeout: float = TIMEOUT_SECONDS) -> int:
    """Send a Google Chat text message (the incoming-webhook body is {"text": ...})."""
    return post_json(url, {"text": text}, timeout=timeout)


class Sender:
    """Posts chat messages for one batch; once a host is down or times out, its later posts fail at once.

    So a frozen receiver costs one timeout per run, not one per recipient (the failures are recorded
    and retried by a later run).
    """

    def __init__(self, timeout: float = TIMEOUT_SECONDS):
        self.timeout = timeout
        self._down: dict[str, str] = {}

    def post_chat_message(self, url: str, text: str) -> int:
        host = urlsplit(url).netloc
        if host in self._down:
            raise HostDown(f"{self._down[host]} (not tried again in this run)")
        try:
            return post_chat_message(url, text, timeout=self.timeout)
        except HostDown as error:
            self._down[host] = str(error)
            raise
