"""Helpers of the email tests: the support mailbox's configuration and a hub that a test stops and starts again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from support import RunningHub, eventually, make_settings, start_app

from hub.store.port import Store

SUPPORT = "support@shop.example"


def mailbox_config(imap_port: int, smtp_port: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": "support",
        "address": SUPPORT,
        "display_name": "Shop support",
        "imap": {
            "host": "127.0.0.1",
            "port": imap_port,
            "security": "none",
            "user": "support",
            "password": "imap-password",
        },
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
        **extra,
    }


@dataclass
class MailHub:
    """A hub with the support mailbox, that a test can stop and start again on the same store."""

    tmp_path: Path
    store: Store
    settings_overrides: dict[str, Any]
    running: RunningHub | None = None
    _runner: Any = None
    _http: ClientSession | None = None

    async def start(self) -> RunningHub:
        from hub.app import create_app

        settings = make_settings(self.tmp_path, **self.settings_overrides)
        app = await create_app(settings, store=self.store, poll_interval=0.05)
        self._runner, url = await start_app(app)
        self._http = ClientSession()
        self.running = RunningHub(url, app, self._http)
        return self.running

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def worker(self):
        from connectors.email import WORKERS_KEY

        assert self.running is not None
        return self.running.app[WORKERS_KEY][0]

    async def synced(self, last_uid: int | None = None, within: float = 20.0) -> Any:
        """Barrier: the worker is connected and has nothing left to fetch (optionally: up to last_uid)."""

        async def probe():
            if not self.worker.connected:
                return None
            # read after the worker says so: the stored state then holds what this session reported
            state = await self.store.mailboxes.get("support")
            if state is None or not state.connected or not state.mode or state.backlog:
                return None
            if last_uid is not None and state.last_uid < last_uid:
                return None
            return state

        return await eventually(probe, within=within, what="the mailbox to be synced")
