"""Recording Socket.IO clients for the web chat tests: visitors on /widget, staff on /agent."""

from __future__ import annotations

import uuid
from typing import Any

from support import AgentClient, Recorder  # noqa: F401 (the web chat tests import them from here)


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
