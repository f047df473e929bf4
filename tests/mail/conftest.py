"""Email tests on real servers: Dovecot (IMAP, started from a temporary config on a free port, as `nobody`) and
aiosmtpd. They fail — not skip — when dovecot is missing (`make test` installs dovecot-imapd)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from mail_helpers import MailHub, mailbox_config
from mail_servers import CuttingProxy, Dovecot, start_dovecot, stop_dovecot
from support import SmtpKeeper, start_smtp


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    base = Path(tempfile.mkdtemp(prefix="hub-dovecot-"))
    try:
        server = start_dovecot(base, {"support": "imap-password"})
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        stop_dovecot(server)


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpKeeper, int]]:
    controller, keeper, port = start_smtp()
    try:
        yield keeper, port
    finally:
        controller.stop()


@pytest.fixture
async def mail_hub(tmp_path, dovecot, smtp) -> AsyncIterator[MailHub]:
    from hub.store.sqlite import open_sqlite_store

    _keeper, smtp_port = smtp
    store = await open_sqlite_store(tmp_path / "hub.db")
    hub = MailHub(tmp_path, store, {"mailboxes": [mailbox_config(dovecot.port, smtp_port)]})
    try:
        yield hub
    finally:
        await hub.stop()
        await store.close()


@pytest.fixture
async def proxy(dovecot) -> AsyncIterator[CuttingProxy]:
    p = CuttingProxy(dovecot.port)
    await p.start()
    try:
        yield p
    finally:
        with contextlib.suppress(Exception):
            await p.stop()
