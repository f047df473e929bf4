"""A local stand-in for the Telegram Bot API: a real aiohttp server that answers what aiogram asks
(`POST /bot{token}/{method}`, multipart form data; `GET /file/bot{token}/{path}` for downloads), records every
call, can be told to fail a method (403, 429 ...) and serves getUpdates from a queue."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
OTHER_TOKEN = "654321:OTHER-token-abcdefghijklmnopqrstuvwxyz"


@dataclass
class Call:
    token: str
    method: str
    data: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    def json(self, name: str) -> Any:
        return json.loads(self.data[name])


class BotApiStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.faults: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.updates: list[dict[str, Any]] = []
        self.download_delay = 0.0
        self._message_ids = itertools.count(5000)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- control ------------------------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_file(self, file_id: str, file_path: str, content: bytes) -> None:
        self.files[file_id] = (file_path, content)

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None) -> None:
        """The next call of `method` answers with this error (queue several for several calls)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self.faults.setdefault(method, []).append((status, body))

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + within
        while len(self.calls_of(method)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{method} called {len(self.calls_of(method))} times, expected {count}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=remaining)
            except TimeoutError:
                pass
        return self.calls_of(method)

    # --- the Bot API --------------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        form = await request.post()
        data: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename, value.file.read())
            else:
                data[key] = str(value)
        self.calls.append(Call(token, method, data, files))
        self._changed.set()
        queued = self.faults.get(method)
        if queued:
            status, body = queued.pop(0)
            return web.json_response(body, status=status)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(data)})
        result = self._result(token, method, data)
        if result is None:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}, status=400
            )
        return web.json_response({"ok": True, "result": result})

    def _result(self, token: str, method: str, data: dict[str, str]) -> Any:
        now = int(time.time())
        if method == "getMe":
            return {
                "id": int(token.split(":")[0]),
                "is_bot": True,
                "first_name": "Hub",
                "username": "hub_test_bot",
            }
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": now,
                "chat": {"id": int(data["chat_id"]), "type": "private"},
            }
            if method == "sendMessage":
                message["text"] = data.get("text", "")
            elif method == "sendPhoto":
                message["photo"] = [
                    {"file_id": "sent-photo", "file_unique_id": "sp", "width": 1, "height": 1}
                ]
            else:
                message["document"] = {"file_id": "sent-doc", "file_unique_id": "sd"}
            return message
        if method == "getFile":
            known = self.files.get(data.get("file_id", ""))
            if known is None:
                return None
            path, content = known
            return {"file_id": data["file_id"], "file_unique_id": "u-" + data["file_id"], "file_size": len(content),
                    "file_path": path}  # fmt: skip
        return True  # setWebhook, deleteWebhook, answerCallbackQuery, ...

    async def _get_updates(self, data: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(data.get("offset", "0") or 0)
        ready = [u for u in self.updates if u["update_id"] >= offset]
        if not ready:
            await asyncio.sleep(0.1)  # a short long-poll: nothing new
        return ready

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        await asyncio.sleep(self.download_delay)
        for file_path, content in self.files.values():
            if file_path == path:
                return web.Response(body=content, content_type="application/octet-stream")
        raise web.HTTPNotFound()
