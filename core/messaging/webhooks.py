"""Outgoing webhooks (Google Chat incoming webhooks): one JSON POST with a timeout."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10


class WebhookError(Exception):
    """The receiver did not accept the message; the text never contains the URL's secret query."""


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
        raise WebhookError(f"webhook {redact(url)} unreachable: {reason}") from None
    if not 200 <= status < 300:
        raise WebhookError(f"webhook {redact(url)} answered HTTP {status}")
    return status


def post_chat_message(url: str, text: str) -> int:
    """Send a Google Chat text message (the incoming-webhook body is {"text": ...})."""
    return post_json(url, {"text": text})
