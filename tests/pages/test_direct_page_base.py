"""The server tells Streamlit's frontend its base path on a page URL, so a direct load probes no /<page>/_stcore/."""

from __future__ import annotations

import asyncio

from pages.common.direct_page_base import SNIPPET, DirectPageBase, is_page_path

INDEX = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body></body></html>"


def serve(path: str, *, content_type: bytes = b"text/html", method: str = "GET") -> tuple[dict, bytes, list]:
    """One request through the middleware to an app answering INDEX; returns (start message, body, headers seen)."""
    seen: list = []
    sent: list = []

    async def inner(scope, receive, send):
        seen.extend(scope["headers"])
        headers = [(b"content-type", content_type), (b"content-length", str(len(INDEX)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": INDEX[:20], "more_body": True})
        await send({"type": "http.response.body", "body": INDEX[20:]})

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [(b"accept-encoding", b"gzip")]}
    asyncio.run(DirectPageBase(inner)(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0], body, seen


def test_a_page_url_gets_the_base_path_snippet_before_streamlits_scripts():
    start, body, seen = serve("/admin-reports")

    assert body.startswith(b"<!DOCTYPE html><html><head>" + SNIPPET + b"<title>")
    assert dict(start["headers"])[b"content-length"] == str(len(body)).encode()
    assert (b"accept-encoding", b"gzip") not in seen  # asked uncompressed, so the snippet could go in


def test_the_root_files_and_streamlit_routes_pass_through_untouched():
    for path in ("/", "/favicon.png", "/static/js/index.js", "/_stcore/health"):
        _, body, seen = serve(path)
        assert body == INDEX and (b"accept-encoding", b"gzip") in seen, path
    assert serve("/admin-reports", content_type=b"application/json")[1] == INDEX
    assert not is_page_path("/admin-reports/_stcore/health")
