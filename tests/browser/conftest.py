"""Browser tests: Debian's Chromium driven by Python Playwright against the whole hub on real HTTP (SQLite store).

One Chromium per test module (fixture `browser`, module-scoped; every test of a module runs on the module's event
loop: `pytestmark = pytest.mark.asyncio(loop_scope="module")`); a fresh hub per test (fixture `web_hub`). The pages
load the built static files (the inbox bundled by esbuild), rebuilt once per session when a source changed.

Wait for page state with `expect(locator)` or `support.eventually(lambda: page.evaluate(...))`, never with
`page.wait_for_function`: its polls after the first run `eval` inside the page, which the pages' CSP refuses (the
test then passes only when the state was already there at the first poll).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientSession, web
from support import free_port, start_app

from hub.actions import staff
from hub.api.http import HUB_KEY
from hub.config import Settings
from hub.context import Hub
from hub.domain import Role

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 800}
ADMIN = ("admin@example.com", "admin-password")
AGENT_PASSWORD = "agent-password"
_ids = itertools.count(1)


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run make test (installs chromium)")


@pytest.fixture(scope="session", autouse=True)
def built_assets() -> dict[str, str]:
    """The pages as a user gets them: the bundled, hashed, precompressed files (hub/assets.py), rebuilt when a
    source is newer than the build (so another engineer's module edit is always in the bundle under test)."""
    from hub.assets import ensure_built

    return ensure_built()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@dataclass
class WebHub:
    """A running hub and helpers to act on it from outside the browser."""

    url: str
    app: web.Application
    http: ClientSession
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def hub(self) -> Hub:
        return self.app[HUB_KEY]

    async def token(self, email: str, password: str) -> str:
        if email not in self.tokens:
            async with self.http.post(
                f"{self.url}/api/v1/auth/login", json={"email": email, "password": password}
            ) as r:
                assert r.status == 200, await r.text()
                self.tokens[email] = (await r.json())["token"]
        return self.tokens[email]

    async def resolve_on_card(self, page: Any, conversation_id: str) -> Any:
        """Resolve the conversation by API and wait until `page`'s client card shows it: the card's status chip,
        whose change (Resolved -> Open on the customer's next message) tells a test the card was drawn again."""
        from playwright.async_api import expect

        await self.api("PATCH", f"/api/v1/conversations/{conversation_id}", {"status": "resolved"})
        status = page.locator("#client-card .card-conversations .status")
        await expect(status).to_have_text("Resolved")
        return status

    async def api(self, method: str, path: str, body: Any = None, *, as_user: tuple[str, str] = ADMIN) -> Any:
        headers = {"Authorization": f"Bearer {await self.token(*as_user)}"}
        async with self.http.request(method, f"{self.url}{path}", json=body, headers=headers) as r:
            assert r.status < 300, f"{method} {path} -> {r.status}: {await r.text()}"
            return await r.json()

    async def push(
        self,
        text: str,
        *,
        name: str = "Olga Customer",
        email: str = "olga@example.com",
        thread_key: str = "web-form",
    ) -> dict[str, Any]:
        """A customer's message through the generic API channel (POST /api/v1/inbound)."""
        body = {
            "external_id": f"ext-{next(_ids)}",
            "sender": {"name": name, "email": email},
            "text": text,
            "thread_key": thread_key,
        }
        return await self.api("POST", "/api/v1/inbound", body)


async def start_web_hub(tmp_path: Path, **overrides: Any) -> tuple[web.AppRunner, WebHub]:
    """The hub on SQLite over real HTTP; `overrides` are Settings fields (mailboxes, max_file_bytes, ...)."""
    from hub.app import create_app
    from hub.store.sqlite import open_sqlite_store

    settings = Settings(
        **{
            "sqlite_path": tmp_path / "hub.db",
            "files_dir": tmp_path / "files",
            "bots_dir": tmp_path / "no-bots",  # no bot flows: the agents answer
            "secret_key": "browser-test-secret-" + "x" * 32,
            "admin_email": ADMIN[0],
            "admin_password": ADMIN[1],
            "delivery_base_delay": 0.05,
            "language": "en",
            **overrides,
        }
    )
    store = await open_sqlite_store(settings.sqlite_path)
    app = await create_app(settings, store=store, poll_interval=0.05)
    app.on_cleanup.append(lambda _app: store.close())
    runner, url = await start_app(app)
    return runner, WebHub(url, app, ClientSession())


@asynccontextmanager
async def mail_web_hub(tmp_path: Path, smtp_port: int, **overrides: Any) -> AsyncIterator[WebHub]:
    """A hub with the mailbox "support" (support@shop.example: IMAP where nothing listens, so its worker stays
    disconnected with an error; SMTP the local aiosmtpd at `smtp_port`) and agent1 in Sales."""
    mailbox = {
        "name": "support",
        "address": "support@shop.example",
        "display_name": "Shop support",
        "imap": {"host": "127.0.0.1", "port": free_port(), "security": "none", "user": "s", "password": "x"},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
    }
    runner, running = await start_web_hub(tmp_path, mailboxes=[mailbox], **overrides)
    sales = await staff.create_department(running.hub, "Sales")
    await staff.create_user(
        running.hub,
        email="agent1@example.com",
        name="Agent One",
        role=Role.agent,
        password=AGENT_PASSWORD,
        department_ids=[sales.id],
    )
    try:
        yield running
    finally:
        await running.http.close()
        await runner.cleanup()


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path) -> AsyncIterator[WebHub]:
    """The whole hub on SQLite over real HTTP, with department Sales and two agents in it."""
    runner, running = await start_web_hub(tmp_path)
    hub = running.hub
    sales = await staff.create_department(hub, "Sales")
    for email, name in (("agent1@example.com", "Agent One"), ("agent2@example.com", "Agent Two")):
        await staff.create_user(
            hub, email=email, name=name, role=Role.agent, password=AGENT_PASSWORD, department_ids=[sales.id]
        )
    try:
        yield running
    finally:
        await running.http.close()
        await runner.cleanup()


class PageWatch:
    """Collects what a page complains about: uncaught errors and console errors (CSP violations among them)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)
        page.on(
            "response", lambda r: self.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
        )

    def _console(self, msg) -> None:
        # failed requests are reported with their URL by the response handler
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {msg.text}")

    def assert_clean(self, allow: str | None = None) -> None:
        errors = [e for e in self.errors if allow is None or allow not in e]
        assert not errors, "the page reported errors:\n" + "\n".join(errors)


@pytest_asyncio.fixture(loop_scope="module")
async def new_page(browser, web_hub):
    """new_page(locale=...) -> (page, watch): a fresh browser context (own cookies and storage) at 1280x800."""
    contexts = []

    async def _new(locale: str = "en-US"):
        context = await browser.new_context(viewport=VIEWPORT, locale=locale)
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(10_000)
        watch = PageWatch()
        watch.attach(page)
        return page, watch

    yield _new
    for context in contexts:
        await context.close()


@pytest.fixture
def login(web_hub):
    """login(page, email, password=...): through the login page into the inbox, with the live socket up."""

    async def _login(page, email: str, password: str = AGENT_PASSWORD) -> None:
        await page.goto(f"{web_hub.url}/login")
        await page.fill("#login-email", email)
        await page.fill("#login-password", password)
        await page.click("#login-submit")
        await page.wait_for_url(f"{web_hub.url}/inbox")
        await page.wait_for_selector("#conn-status[data-state=live]")

    return _login
