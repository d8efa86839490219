"""The load generator's additions to bench/st_client.py: what a run showed (alerts, choices) and per-user cookies."""

from __future__ import annotations

import urllib.request

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.st_client import RunResult, StreamlitClient

ALERT_KINDS = {1: "error", 2: "warning", 3: "info", 4: "success"}  # streamlit.proto.Alert.Format


class _Tap:
    """The client's websocket, keeping every frame received since the last clear() (parsed only when asked)."""

    def __init__(self, socket):
        self.socket = socket
        self.frames: list[bytes] = []

    async def send(self, payload: bytes) -> None:
        await self.socket.send(payload)

    async def recv(self) -> bytes:
        frame = await self.socket.recv()
        self.frames.append(frame)
        return frame

    async def close(self) -> None:
        await self.socket.close()


class LoadClient(StreamlitClient):
    """A StreamlitClient that can say which alerts its last interaction drew (success, error …)."""

    async def __aenter__(self) -> LoadClient:
        await super().__aenter__()
        self._socket = _Tap(self._socket)
        return self

    async def _run(self, payload: bytes) -> RunResult:
        self._socket.frames.clear()  # the alerts of this interaction only (both runs when it ends in st.rerun)
        return await super()._run(payload)

    def alerts(self) -> list[tuple[str, str]]:
        """(kind, body) of every st.error/warning/info/success the last interaction drew, in order."""
        found = []
        for frame in self._socket.frames:
            message = ForwardMsg()
            message.ParseFromString(frame)
            if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
                continue
            element = message.delta.new_element
            if element.WhichOneof("type") == "alert":
                found.append((ALERT_KINDS.get(element.alert.format, "other"), element.alert.body))
        return found


def proxy_cookie(base_url: str, timeout: float = 10.0) -> str:
    """The proxy's sticky cookie ('IESCP_REPLICA=app-2') from a GET of '/', as a browser's first request gets it."""
    with urllib.request.urlopen(f"{base_url.rstrip('/')}/", timeout=timeout) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0].strip()
            if pair.startswith("IESCP_REPLICA="):
                return pair
    return ""


def outcome(alerts: list[tuple[str, str]], success_text: str) -> str:
    """'ok' when success_text was shown, 'refused' when the app showed an error instead, else 'unclear'."""
    if any(kind == "success" and success_text in body for kind, body in alerts):
        return "ok"
    if any(kind == "error" for kind, _ in alerts):
        return "refused"
    return "unclear"
