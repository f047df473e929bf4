"""Helpers shared by test modules (import as `from support import ...`)."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
import socketio
from aiohttp import ClientSession, web
from aiosmtpd.controller import Controller

from hub.config import Settings
from hub.context import Hub


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Clock:
    """A settable clock for `hub.clock`: `now` (default: this second), moved by assigning or `advance`."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now if now is not None else datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class SmtpKeeper:
    """aiosmtpd handler: keeps every received mail as (MAIL FROM, RCPT TOs, bytes); aiosmtpd runs it in its own
    thread, so waiting goes through a condition variable."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: tuple[int, str] | None = None  # answer DATA with this code and text (tests of failures)
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse is not None:
            code, text = self.refuse
            return f"{code} {text}"
        with self._arrived:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
            self._arrived.notify_all()
        return "250 OK"

    @property
    def mails(self) -> list[bytes]:
        return [raw for _from, _to, raw in self.received]

    def _wait(self, count: int, within: float) -> list[bytes]:
        with self._arrived:
            self._arrived.wait_for(
                lambda: len(self.received) >= count, timeout=within
            )  # a guard, not a bound
            return self.mails

    async def wait(self, count: int, within: float = 60.0) -> list[bytes]:
        """The mails' bytes once `count` have arrived (fails with how many did)."""
        mails = await asyncio.to_thread(self._wait, count, within)
        assert len(mails) >= count, f"{len(mails)} mails arrived, {count} expected"
        return mails


def start_smtp(tls_context: ssl.SSLContext | None = None) -> tuple[Controller, SmtpKeeper, int]:
    """aiosmtpd on a free port; with `tls_context`: STARTTLS offered and required before MAIL."""
    keeper = SmtpKeeper()
    port = free_port()
    tls = {"tls_context": tls_context, "require_starttls": True} if tls_context is not None else {}
    controller = Controller(keeper, hostname="127.0.0.1", port=port, **tls)
    controller.start()
    return controller, keeper, port


def make_settings(tmp_path, **overrides) -> Settings:
    values = dict(
        sqlite_path=tmp_path / "hub.db",
        secret_key="test-secret-key-" + "x" * 32,
        admin_email="admin@example.com",
        admin_password="admin-password",
        delivery_base_delay=0.05,
        bots_dir=tmp_path / "no-bots",  # tests that want the bot engine point this at a flow directory
        routing_file=tmp_path / "no-routing.yaml",  # tests that want routing rules write this file
        sla_file=tmp_path / "no-sla.yaml",  # tests that want SLA policies write this file
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class RunningHub:
    url: str
    app: web.Application
    http: ClientSession

    @property
    def hub(self) -> Hub:
        from hub.api.http import HUB_KEY

        return self.app[HUB_KEY]

    async def login(
        self, email: str = "admin@example.com", password: str = "admin-password"
    ) -> dict[str, str]:
        async with self.http.post(
            f"{self.url}/api/v1/auth/login", json={"email": email, "password": password}
        ) as r:
            assert r.status == 200, await r.text()
            token = (await r.json())["token"]
        return {"Authorization": f"Bearer {token}"}


async def start_app(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


T = TypeVar("T")
HUB_COMMAND = str(Path(sys.executable).with_name("hub"))


async def eventually(probe: Callable[[], Awaitable[T | None]], within: float = 5.0, what: str = "") -> T:
    """Poll `probe` until it returns something truthy (for work that goes on in the background)."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or probe}")
        await asyncio.sleep(0.02)


def hub_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a `hub` process: no HUB_* of the caller, the store under tmp_path, quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update({"HUB_SQLITE_PATH": str(tmp_path / "data" / "hub.db"), "HUB_LOG_LEVEL": "WARNING"})
    env.update(extra)
    return env


async def stop_process(proc: asyncio.subprocess.Process | None, grace: float = 10.0) -> None:
    """SIGTERM, and SIGKILL if it has not ended within `grace` seconds: a test never leaves a hub running."""
    if proc is None or proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except TimeoutError:
        proc.kill()
        await proc.wait()


async def wait_healthy(
    http: aiohttp.ClientSession, url: str, proc: asyncio.subprocess.Process, within: float = 90.0
) -> None:
    """Until the hub process answers /healthz; fails the test with its output when it exits instead."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            stream = proc.stderr or proc.stdout
            out = await stream.read() if stream else b""
            pytest.fail(f"the hub exited with {proc.returncode}: {out.decode()[-2000:]}")
        try:
            async with http.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail(f"{url} did not become healthy")


class Recorder:
    """A Socket.IO client on one namespace that records every event it receives."""

    namespace = "/"

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.headers = headers or {}
        self.events: dict[str, list] = defaultdict(list)
        self._arrived = asyncio.Event()

        self._closed = asyncio.Event()

        @self.client.on("*", namespace=self.namespace)
        async def _any(event, data=None):
            self.events[event].append(data)
            self._arrived.set()

        @self.client.on("disconnect", namespace=self.namespace)
        async def _gone(*_args):
            self._closed.set()

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

    async def wait_disconnected(self, within: float = 5.0) -> None:
        """Until the server has closed this socket's namespace (python-socketio drops it from `namespaces`)."""

        await asyncio.wait_for(self._closed.wait(), within)


class AgentClient(Recorder):
    namespace = "/agent"


class PartnerClient(Recorder):
    namespace = "/partner"


# SLA policies for the tests that want SLA (write them to the file `sla_file` names): UTC weekdays 09:00-18:00
SLA_TEST_POLICIES = """\
business_hours:
  timezone: UTC
  weekly: {mon: "09:00-18:00", tue: "09:00-18:00", wed: "09:00-18:00", thu: "09:00-18:00", fri: "09:00-18:00"}
policies:
  - name: Urgent
    priority: [urgent]
    first_response_minutes: 10
    resolution_minutes: 60
    warning_minutes: 5
    hours: always
  - name: Support
    department: [Support]
    first_response_minutes: 30
    resolution_minutes: 240
    warning_minutes: 10
"""


def sla_policies_file(tmp_path: Path) -> Path:
    """SLA_TEST_POLICIES written under tmp_path: the `sla_file` of the settings of a test that wants SLA."""
    path = tmp_path / "sla.yaml"
    path.write_text(SLA_TEST_POLICIES, encoding="utf-8")
    return path
