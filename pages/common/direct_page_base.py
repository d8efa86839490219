"""ASGI middleware: tell Streamlit's frontend where its server is when a page URL is loaded directly (server.py)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Runs before Streamlit's bundle reads window.__streamlit: the page URL's folder is the server's base
# ("/" for "/admin-reports"), so the frontend probes only "/_stcore/health" instead of "/admin-reports/_stcore/…".
SNIPPET = (
    b"<script>window.__streamlit = Object.assign({}, window.__streamlit, "
    b'{BACKEND_BASE_URL: new URL(".", window.location.href).href});</script>'
)


def is_page_path(path: str) -> bool:
    """A page URL such as /admin-reports: one path segment, not the root, not a file, not a Streamlit route."""
    segment = path.strip("/")
    return bool(segment) and "/" not in segment and "." not in segment and not segment.startswith("_stcore")


class DirectPageBase:
    """Put SNIPPET at the top of the index.html that Streamlit serves for a page URL (GET only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not is_page_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        # Ask for the page uncompressed (a few kB) so the snippet can go into it.
        headers = [(name, value) for name, value in scope["headers"] if name.lower() != b"accept-encoding"]
        start: Message | None = None
        body = bytearray()

        async def send_with_snippet(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message  # held back: the length changes
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            content = bytes(body)
            response_headers = MutableHeaders(raw=list(start["headers"]))
            if start["status"] == 200 and response_headers.get("content-type", "").startswith("text/html"):
                content = content.replace(b"<head>", b"<head>" + SNIPPET, 1)
                response_headers["content-length"] = str(len(content))
            await send({**start, "headers": response_headers.raw})
            await send({"type": "http.response.body", "body": content})

        await self.app({**scope, "headers": headers}, receive, send_with_snippet)
