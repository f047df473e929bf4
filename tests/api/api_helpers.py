"""Helpers for the HTTP API tests (import as `from api_helpers import ...`): a small curl-like caller, and the
few requests most tests start with (push an inbound, add a user or a department, wait for the delivery worker)."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import ClientSession
from support import RunningHub, eventually, make_settings, start_app

from hub.config import Settings

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password"
PASSWORD = "password-123"

_MISSING: Any = object()
_counter = itertools.count(1)
T = TypeVar("T")


def unique(prefix: str = "x") -> str:
    return f"{prefix}-{next(_counter)}-{time.monotonic_ns() % 1_000_000}"


def unique_phone() -> str:
    """A possible Russian mobile number nobody else in the test run has: +7 916 xxx-xx-xx."""
    return f"+7916{next(_counter) * 7919 % 10_000_000:07d}"


def parse(stamp: str) -> datetime:
    """A timestamp of the API's JSON (ISO 8601, UTC, 'Z')."""
    assert stamp.endswith("Z"), stamp
    return datetime.fromisoformat(stamp)


def unique_email() -> str:
    return f"{unique('customer')}@example.com"


@dataclass
class Reply:
    status: int
    body: Any
    headers: Any = field(repr=False)
    text: str = field(repr=False, default="")

    def error(self, status: int, code: str | None = None) -> dict[str, Any]:
        """Assert this is the JSON error `{"error": {"code", "message"}}` with `status` (and `code`); return it."""
        assert self.status == status, f"expected {status}, got {self.status}: {self.text[:500]}"
        assert self.headers.get("Content-Type", "").startswith("application/json"), self.headers
        assert isinstance(self.body, dict) and set(self.body) == {"error"}, self.text[:500]
        error = self.body["error"]
        assert isinstance(error.get("code"), str) and error["code"], error
        assert isinstance(error.get("message"), str) and error["message"], error
        if code is not None:
            assert error["code"] == code, error
        return error


@dataclass
class Api:
    """A caller of the hub's HTTP API: the base URL, a client session and the caller's auth headers."""

    url: str
    http: ClientSession
    headers: dict[str, str] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = _MISSING,
        data: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Reply:
        sent = {**(self.headers if auth else {}), **(headers or {})}
        kwargs: dict[str, Any] = {"headers": sent, "params": params}
        if json is not _MISSING:
            kwargs["json"] = json
        elif data is not None:
            kwargs["data"] = data
        async with self.http.request(method, self.url + path, **kwargs) as response:
            text = await response.text(errors="replace")
            body: Any = text
            if response.content_type == "application/json":
                body = await response.json()
            return Reply(response.status, body, response.headers, text)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, json: Any = _MISSING, **kwargs: Any) -> Reply:
        return await self.call("POST", path, json=json, **kwargs)

    async def patch(self, path: str, json: Any, **kwargs: Any) -> Reply:
        return await self.call("PATCH", path, json=json, **kwargs)

    async def ok(self, method: str, path: str, json: Any = _MISSING, status: int = 200, **kwargs: Any) -> Any:
        """The JSON body of a call that must answer `status`."""
        reply = await self.call(method, path, json=json, **kwargs)
        assert reply.status == status, (
            f"{method} {path}: expected {status}, got {reply.status}: {reply.text[:500]}"
        )
        return reply.body

    async def login(self, email: str, password: str) -> Api:
        reply = await self.call(
            "POST", "/api/v1/auth/login", json={"email": email, "password": password}, auth=False
        )
        assert reply.status == 200, reply.text
        return Api(
            self.url, self.http, {"Authorization": f"Bearer {reply.body['token']}"}, reply.body["user"]
        )


async def admin_api(url: str, http: ClientSession) -> Api:
    return await Api(url, http).login(ADMIN_EMAIL, ADMIN_PASSWORD)


async def push(
    api: Api,
    *,
    external_id: str | None = None,
    text: str = "hello",
    occurred_at: str | None = None,
    thread_key: str | None = None,
    expect: int = 201,
    **sender: str,
) -> dict[str, Any]:
    """POST /api/v1/inbound from `sender` (name, email, phone, external_user_id); a fresh phone when no identity
    is given."""
    if not {"email", "phone", "external_user_id"} & set(sender):
        sender = {**sender, "phone": unique_phone()}
    body: dict[str, Any] = {"external_id": external_id or unique("msg"), "sender": sender, "text": text}
    if occurred_at is not None:
        body["occurred_at"] = occurred_at
    if thread_key is not None:
        body["thread_key"] = thread_key
    return await api.ok("POST", "/api/v1/inbound", body, status=expect)


async def new_department(admin: Api, name: str | None = None) -> dict[str, Any]:
    return await admin.ok("POST", "/api/v1/departments", {"name": name or unique("Dept")}, status=201)


async def new_user(
    admin: Api, role: str = "agent", department_ids: list[str] | None = None, *, name: str | None = None
) -> Api:
    """Create a user through the API and log in as them; the returned caller's `.user` is their JSON."""
    email = f"{unique(role)}@example.com"
    body = {
        "email": email,
        "name": name or unique(role.title()),
        "role": role,
        "password": PASSWORD,
        "department_ids": department_ids or [],
    }
    await admin.ok("POST", "/api/v1/users", body, status=201)
    return await admin.login(email, PASSWORD)


async def timeline(api: Api, path: str, limit: int = 200) -> list[dict[str, Any]]:
    """One page (the newest `limit` entries) of a client's or a conversation's timeline: path is
    /api/v1/clients/{id} or /api/v1/conversations/{id}."""
    body = await api.ok("GET", f"{path}/timeline", params={"limit": str(limit)})
    return body["items"]


async def wait_for_delivery(api: Api, conversation_id: str, entry_id: str, status: str) -> dict[str, Any]:
    """The entry, once its delivery status is `status`, as GET .../conversations/{id}/timeline shows it."""

    async def probe() -> dict[str, Any] | None:
        for entry in await timeline(api, f"/api/v1/conversations/{conversation_id}"):
            if entry["id"] == entry_id and (entry.get("delivery") or {}).get("status") == status:
                return entry
        return None

    return await eventually(probe, what=f"entry {entry_id} to be {status}")


def api_settings(tmp_path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"bots_dir": tmp_path / "no-bots", "files_dir": tmp_path / "files"}
    values.update(overrides)
    return make_settings(tmp_path, **values)


@contextlib.asynccontextmanager
async def run_hub(settings: Settings) -> AsyncIterator[RunningHub]:
    """The whole hub (it opens its own store from `settings`) on a free port, cleaned up after."""
    from hub.app import create_app

    app = await create_app(settings, poll_interval=0.05)
    runner, url = await start_app(app)
    try:
        async with ClientSession() as http:
            yield RunningHub(url, app, http)
    finally:
        await runner.cleanup()
