"""A minimal Streamlit 1.67 protocol client: the browser's websocket, its rerun BackMsgs and the ForwardMsg stream.

It sends what the frontend sends (a rerun_script ClientState with the page, query string and widget states) and
reads ForwardMsgs until the run ends, so a benchmark can drive a real `streamlit run` without a browser.
The login cookie is minted with the app's own token code (core/platform/session_tokens.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

STREAM_PATH = "/_stcore/stream"
SUBPROTOCOL = "streamlit"  # the frontend's first Sec-WebSocket-Protocol entry; later entries carry tokens
_VALUE_FIELDS = {bool: "bool_value", int: "int_value", float: "double_value", str: "string_value"}


def login_cookie(username: str) -> str:
    """A Cookie header value that logs username in, signed as the server (same settings) would sign it."""
    from core.models import User  # imported late: the caller sets IESCP_DATA_DIR first
    from core.platform import session_tokens
    from core.platform.config import get_settings
    from core.platform.db import connect

    settings = get_settings()
    database = connect(settings.database_url)
    with database.ReadSession.begin() as session:
        version = session.query(User.session_version).filter(User.username == username).scalar()
    if version is None:
        raise LookupError(f"no user {username!r} in {settings.database_url}")
    token = session_tokens.issue(username, version, key=settings.cookie_key, expiry_days=settings.cookie_expiry_days)
    database.dispose()
    return f"{settings.cookie_name}={token}"


def widget_state(widget_id: str, value: Any) -> WidgetState:
    """One widget's value as the frontend reports it; a value of None is a button's trigger."""
    state = WidgetState(id=widget_id)
    if value is None:
        state.trigger_value = True
    elif isinstance(value, (list, tuple)):
        state.string_array_value.data.extend(str(item) for item in value)
    else:
        setattr(state, _VALUE_FIELDS[type(value)], value)
    return state


def rerun_message(
    *,
    page_name: str = "",
    page_script_hash: str = "",
    query_string: str = "",
    widgets: dict[str, Any] | None = None,
    url: str = "",
) -> bytes:
    """A serialized rerun_script BackMsg, as the browser sends on load (page_name) or interaction (page hash)."""
    message = BackMsg()
    state = message.rerun_script
    state.query_string = query_string
    state.page_name = page_name
    state.page_script_hash = page_script_hash
    state.widget_states.CopyFrom(WidgetStates(widgets=[widget_state(k, v) for k, v in (widgets or {}).items()]))
    state.context_info.timezone = "UTC"
    state.context_info.timezone_offset = 0
    state.context_info.locale = "en-US"
    state.context_info.url = url
    return message.SerializeToString()


def widget_ids(message: ForwardMsg) -> dict[str, str]:
    """user key -> widget id of a keyed widget this ForwardMsg adds."""
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return {}
    element = message.delta.new_element
    kind = element.WhichOneof("type")
    widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
    if not isinstance(widget_id, str) or not widget_id.startswith("$$ID-"):
        return {}
    _prefix, _digest, user_key = widget_id.split("-", 2)  # '$$ID-<md5 hex>-<user key or None>'
    return {} if user_key == "None" else {user_key: widget_id}


@dataclass
class RunResult:
    """What one rerun produced: its wall time, the messages, and how the script ended."""

    seconds: float
    messages: int
    status: str
    exceptions: list[str] = field(default_factory=list)


class StreamlitClient:
    """One browser tab: a websocket session that loads a page and reruns it with widget states."""

    def __init__(self, base_url: str, *, cookie: str = "", timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie
        self.timeout = timeout
        self.page_script_hash = ""
        self.widgets: dict[str, str] = {}  # user key -> widget id, from the last run's elements
        self._socket = None

    async def __aenter__(self) -> StreamlitClient:
        from websockets.asyncio.client import connect

        ws_url = self.base_url.replace("http", "ws", 1) + STREAM_PATH
        headers = {"Origin": self.base_url}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self._socket = await connect(
            ws_url, subprotocols=[SUBPROTOCOL], additional_headers=headers, max_size=None, open_timeout=self.timeout
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self._socket.close()

    async def load(self, page_name: str, query_string: str = "") -> RunResult:
        """Open a page by its URL path, as a direct load of /<page_name> does."""
        return await self._run(
            rerun_message(page_name=page_name, query_string=query_string, url=f"{self.base_url}/{page_name}")
        )

    async def rerun(self, widgets: dict[str, Any], query_string: str = "") -> RunResult:
        """An interaction on the current page: widgets maps user keys (or ids) to values, None for a click."""
        states = {self.widgets.get(key, key): value for key, value in widgets.items()}
        return await self._run(
            rerun_message(page_script_hash=self.page_script_hash, query_string=query_string, widgets=states)
        )

    async def _run(self, payload: bytes) -> RunResult:
        import asyncio

        started = time.perf_counter()
        await self._socket.send(payload)
        count, exceptions, widgets = 0, [], {}
        while True:
            raw = await asyncio.wait_for(self._socket.recv(), self.timeout)
            message = ForwardMsg()
            message.ParseFromString(raw)
            count += 1
            kind = message.WhichOneof("type")
            if kind == "navigation":  # st.navigation says which page ran; the browser reruns that page's hash
                self.page_script_hash = message.navigation.page_script_hash or self.page_script_hash
            elif kind == "delta":
                widgets.update(widget_ids(message))
                element = message.delta.new_element
                if message.delta.WhichOneof("type") == "new_element" and element.WhichOneof("type") == "exception":
                    exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                if status != "FINISHED_EARLY_FOR_RERUN":  # a switch_page or st.rerun: the next run follows
                    self.widgets = widgets or self.widgets
                    return RunResult(time.perf_counter() - started, count, status, exceptions)
                widgets = {}
