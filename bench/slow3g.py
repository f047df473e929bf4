"""The inbox on a weak mobile link: time until the conversation list is visible, and the bytes it took.

Starts `hub demo` (fresh SQLite file in a temporary directory, demo data, no bots) and drives Debian's Chromium
through Playwright with CDP network emulation (Network.emulateNetworkConditions: 400 ms latency, 50 KB/s down and
up). Every run uses a fresh browser context (cold cache) and a fresh CDP session; bytes are the sum of
Network.loadingFinished encodedDataLength (what came over the wire, headers included; the Socket.IO WebSocket's
frames are not in it). Printed per scenario, the median of --runs runs:

  login   the login page cold, then typing in a demo agent and pressing "Log in": seconds from the click until the
          first conversation row is visible, and the bytes of the whole path (login page + inbox)
  cold    /inbox with a session cookie and an empty cache: seconds from navigation start until the first row is
          visible (performance.now() in the page), and bytes
  warm    the same page reloaded (what a returning agent pays): seconds and bytes

    .venv/bin/python bench/slow3g.py            # ~1 minute
    .venv/bin/python bench/slow3g.py --runs 5 --agent boris@example.com
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
HUB = str(Path(sys.executable).with_name("hub"))
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
LATENCY_MS = 400
THROUGHPUT = 50 * 1024  # bytes per second, each way
PASSWORD = "demo-password"
FIRST_ROW = "() => document.querySelector('#conversation-list .conv-item') && performance.now()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_healthy(url: str, process: asyncio.subprocess.Process, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise SystemExit(f"hub demo exited with {process.returncode}")
            try:
                async with http.get(url + "/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("hub demo did not answer /healthz in time")


class Wire:
    """One page's CDP session: the emulated link and the bytes that came over it."""

    def __init__(self, cdp) -> None:
        self.cdp = cdp
        self.bytes = 0
        self.requests = 0
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))
        self.requests += 1

    @classmethod
    async def attach(cls, context, page) -> Wire:
        cdp = await context.new_cdp_session(page)
        wire = cls(cdp)
        await cdp.send("Network.enable")
        await cdp.send("Network.clearBrowserCache")
        await cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": THROUGHPUT,
                "uploadThroughput": THROUGHPUT,
            },
        )
        return wire


async def session_cookie(url: str, email: str) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url + "/api/v1/auth/login", json={"email": email, "password": PASSWORD}) as r,
    ):
        assert r.status == 200, await r.text()
        return r.cookies["hub_session"].value


async def run_login(browser, url: str, email: str) -> tuple[float, int, int]:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    try:
        page = await context.new_page()
        page.set_default_timeout(60_000)
        wire = await Wire.attach(context, page)
        await page.goto(url + "/login", wait_until="load")
        await page.fill("#login-email", email)
        await page.fill("#login-password", PASSWORD)
        started = time.perf_counter()
        await page.click("#login-submit")
        await page.wait_for_selector("#conversation-list .conv-item", state="visible")
        return time.perf_counter() - started, wire.bytes, wire.requests
    finally:
        await context.close()


async def run_inbox(browser, url: str, cookie: str) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    try:
        await context.add_cookies([{"name": "hub_session", "value": cookie, "url": url}])
        page = await context.new_page()
        page.set_default_timeout(60_000)
        wire = await Wire.attach(context, page)
        await page.goto(url + "/inbox", wait_until="commit")
        cold_ms = await (await page.wait_for_function(FIRST_ROW, polling="raf")).json_value()
        cold = (cold_ms / 1000, wire.bytes, wire.requests)
        await page.wait_for_load_state("networkidle")
        wire.bytes = wire.requests = 0
        await page.reload(wait_until="commit")
        warm_ms = await (await page.wait_for_function(FIRST_ROW, polling="raf")).json_value()
        warm = (warm_ms / 1000, wire.bytes, wire.requests)
        return cold, warm
    finally:
        await context.close()


def line(name: str, runs: list[tuple[float, int, int]]) -> str:
    seconds = statistics.median(r[0] for r in runs)
    kb = statistics.median(r[1] for r in runs) / 1024
    requests = statistics.median(r[2] for r in runs)
    spread = ", ".join(f"{r[0]:.2f}" for r in runs)
    return f"{name:<6} {seconds:6.2f} s {kb:8.1f} KB {requests:5.0f} requests   (runs: {spread} s)"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--agent", default="anna@example.com", help="a demo login")
    args = parser.parse_args()
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="slow3g-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "HUB_PORT": str(port),
            "HUB_SQLITE_PATH": f"{tmp}/hub.db",
            "HUB_FILES_DIR": f"{tmp}/files",
            "HUB_BOTS_DIR": f"{tmp}/no-bots",
            "HUB_LANGUAGE": "en",
            "HUB_LOG_LEVEL": "WARNING",
        }
        process = await asyncio.create_subprocess_exec(
            HUB, "demo", cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            await wait_healthy(url, process)
            cookie = await session_cookie(url, args.agent)
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                logins, colds, warms = [], [], []
                for _ in range(args.runs):
                    logins.append(await run_login(browser, url, args.agent))
                    cold, warm = await run_inbox(browser, url, cookie)
                    colds.append(cold)
                    warms.append(warm)
                await browser.close()
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 20)
    load = os.getloadavg()[0]
    print(
        f"slow link: {LATENCY_MS} ms latency, {THROUGHPUT // 1024} KB/s each way; agent {args.agent}; "
        f"median of {args.runs}; load average {load:.1f}"
    )
    print(line("login", logins))
    print(line("cold", colds))
    print(line("warm", warms))


if __name__ == "__main__":
    asyncio.run(main())
