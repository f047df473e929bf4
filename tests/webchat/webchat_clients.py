"""Recording Socket.IO clients for the web chat tests: visitors on /widget, staff on /agent."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from typing import Any

import socketio


class Recorder:
    """A Socket.IO client on one namespace that records every event it receives."""

    namespace = "/"

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.headers = headers or {}
        self.events: dict[str, list] = defaultdict(list)
        self._arrived = asyncio.Event()

        @self.client.on("*", namespace=self.namespace)
        async def _any(event, data=None):
            self.events[event].append(data)
            self._arrived.set()

    async def open(self, url: str, auth: dict[str, Any] | None) -> None:
        await self.client.connect(
            url,
            namespaces=[self.namespace],
            auth=auth,
            headers=self.headers,
            transports=["websocket"],
            wait_timeout=5,
        )

    async def wait_for(self, event: str, predicate=lambda _d: True, within: float = 5.0):
        async def poll():
            while True:
                for data in self.events[event]:
                    if predicate(data):
                        return data
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(poll(), within)

    def got(self, event: str, predicate=lambda _d: True) -> bool:
        return any(predicate(d) for d in self.events[event])

    async def call(self, event: str, data: Any = None) -> Any:
        return await self.client.call(event, data, namespace=self.namespace, timeout=5)

    async def emit(self, event: str, data: Any = None) -> None:
        await self.client.emit(event, data, namespace=self.namespace)

    async def close(self) -> None:
        await self.client.disconnect()


class VisitorClient(Recorder):
    namespace = "/widget"

    @property
    def session(self) -> dict[str, str]:
        return self.events["session"][-1]

    @property
    def token(self) -> str:
        return self.session["visitor_token"]

    @property
    def visitor_id(self) -> str:
        return self.session["visitor_id"]

    async def say(self, text: str, client_msg_id: str | None = None, **extra: Any) -> dict[str, Any]:
        payload = {"text": text, "client_msg_id": client_msg_id or uuid.uuid4().hex, **extra}
        return await self.call("message", payload)

    async def history(self) -> list[dict[str, Any]]:
        answer = await self.call("history", {})
        assert answer["ok"], answer
        return answer["items"]


class AgentClient(Recorder):
    namespace = "/agent"
