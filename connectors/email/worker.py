"""The inbound worker of one mailbox: holds the mailbox's lease, syncs by UID, waits in IDLE (or polls), reconnects.

- Lease: `hub.actions.email.claim_mailbox`, renewed every lease/3; a worker that loses it stops at once, so never
  two workers (in any number of hub processes) read one mailbox.
- Sync: on every (re)connect everything above the highest stored UID is fetched (no "last N" cap), in ascending
  UID order, with BODY.PEEK (server flags stay as users set them); a UID counts as taken only after its entry is
  stored. A new UIDVALIDITY starts over from UID 1, deduped by Message-ID.
- IDLE re-issued every `idle_renew` seconds; polling every `poll_interval` seconds when the server has no IDLE.
- aioimaplib's waits can hang forever on BYE or a dead socket (its issue #110): every wait here is bounded by our
  own timeout and also ends when the connection is lost (the protocol's connection-lost callback).
- Errors: logged, shown in the health, retried with capped exponential backoff (with jitter).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aioimaplib

from connectors.email.config import MailboxConfig
from connectors.email.inbound import take
from hub.actions.email import (
    claim_mailbox,
    mail_stored,
    new_uidvalidity,
    release_mailbox,
    report_mailbox,
)
from hub.context import Hub

log = logging.getLogger(__name__)
T = TypeVar("T")

_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_FETCH_UID = re.compile(rb"UID (\d+)")


class ImapError(Exception):
    pass


class ConnectionLost(ImapError):
    pass


def fetched_messages(lines: list[Any]) -> list[tuple[int, bytes]]:
    """(uid, bytes) of each message in a UID FETCH response: a header line "* n FETCH (UID u ... {size}", the
    literal (a bytearray), then the rest (")" or " UID u)" when the server puts the UID after the body)."""
    found: list[tuple[int, bytes]] = []
    for i, line in enumerate(lines):
        if not isinstance(line, bytearray):
            continue
        around = b""
        if i > 0 and isinstance(lines[i - 1], bytes):
            around += lines[i - 1]
        if i + 1 < len(lines) and isinstance(lines[i + 1], bytes):
            around += b" " + lines[i + 1]
        uid = _FETCH_UID.search(around)
        if uid:
            found.append((int(uid.group(1)), bytes(line)))
    return sorted(found)


class MailboxWorker:
    def __init__(
        self,
        hub: Hub,
        box: MailboxConfig,
        *,
        owner: str | None = None,
        lease: float = 60.0,
        command_timeout: float = 60.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        batch: int = 50,
    ) -> None:
        self.hub = hub
        self.box = box
        self.owner = owner or f"{uuid.uuid4().hex[:12]}"
        self.lease = lease
        self.command_timeout = command_timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.batch = batch
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._lost = asyncio.Event()
        self._imap: aioimaplib.IMAP4 | None = None
        self.uidvalidity: int | None = None
        self.last_uid = 0
        self.mode = ""
        self.connected = False
        self.stored = 0  # mails this worker stored (tests, bench)
        # health as this process sees it (GET /metrics); the stored MailboxState is the shared one
        self.backlog = 0
        self.last_sync_at: float | None = None
        self.last_error_at: float | None = None
        # called after each stored mail (tests and the bench hook in here)
        self.on_stored: Callable[[int, str], None] | None = None

    # --- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"mailbox:{self.box.name}")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(release_mailbox(self.hub, self.box.name, self.owner), 5)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                state = await claim_mailbox(self.hub, self.box.name, self.owner, lease=self.lease)
            except Exception:
                log.exception("mailbox %s: could not claim its lease", self.box.name)
                state = None
                failures += 1
            if state is None:
                # another worker holds it (here or in another process): try again when its lease may have run out
                await asyncio.sleep(min(self.lease / 3, 30))
                continue
            self.uidvalidity, self.last_uid = state.uidvalidity, state.last_uid
            renew = asyncio.get_running_loop().create_task(self._renew())
            session = asyncio.get_running_loop().create_task(self._session())
            try:
                done, _ = await asyncio.wait({renew, session}, return_when=asyncio.FIRST_COMPLETED)
                if session in done:
                    session.result()  # raises what ended the session
                else:
                    log.warning("mailbox %s: lease lost, stopping this worker's session", self.box.name)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                reason = _describe(exc)
                self.last_error_at = self.hub.clock().timestamp()
                log.warning("mailbox %s: %s (attempt %d)", self.box.name, reason, failures)
                with contextlib.suppress(Exception):
                    await report_mailbox(
                        self.hub,
                        self.box.name,
                        self.owner,
                        connected=False,
                        last_error=reason,
                        last_error_at=self.hub.clock(),
                    )
            finally:
                for task in (renew, session):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                await self._disconnect()
            if not self._stopping and failures:
                delay = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))

    async def _renew(self) -> None:
        """Renew the lease every lease/3; returns (ending the session) when it is lost."""
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                state = await claim_mailbox(self.hub, self.box.name, self.owner, lease=self.lease)
            except Exception:
                log.exception("mailbox %s: lease renewal failed", self.box.name)
                continue  # the lease runs for a while yet
            if state is None:
                return

    # --- one connection -------------------------------------------------------------------------------------------

    async def _bounded(self, awaitable: Awaitable[T], limit: float | None = None) -> T:
        """Wait for an IMAP call, but never longer than the timeout, nor past the loss of the connection."""
        task = asyncio.ensure_future(awaitable)
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            done, _ = await asyncio.wait(
                {task, lost}, timeout=limit or self.command_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            lost.cancel()
        if task in done:
            return task.result()
        task.cancel()
        if lost in done:
            raise ConnectionLost("the server closed the connection")
        raise ImapError("the server did not answer in time")

    async def _connect(self) -> aioimaplib.IMAP4:
        imap_cfg = self.box.imap
        self._lost = asyncio.Event()
        lost = self._lost

        def on_lost(_exc: Exception | None) -> None:
            lost.set()

        if imap_cfg.security == "ssl":
            client: aioimaplib.IMAP4 = aioimaplib.IMAP4_SSL(
                host=imap_cfg.host,
                port=imap_cfg.port,
                timeout=self.command_timeout,
                ssl_context=imap_cfg.tls_context(),
            )
        else:
            client = aioimaplib.IMAP4(host=imap_cfg.host, port=imap_cfg.port, timeout=self.command_timeout)
        # IMAP4_SSL takes no connection-lost callback: set it on the protocol, which exists from the start
        client.protocol.conn_lost_cb = on_lost
        self._imap = client
        await self._bounded(client.wait_hello_from_server())
        if imap_cfg.security == "starttls":
            await self._starttls(client)
        response = await self._bounded(client.login(imap_cfg.user, imap_cfg.password.get_secret_value()))
        if response.result != "OK":
            raise ImapError(f"login refused: {_text(response.lines)}")
        return client

    async def _starttls(self, client: aioimaplib.IMAP4) -> None:
        """aioimaplib has no STARTTLS call (its simple_command refuses it): send the command, then upgrade the
        protocol's transport in place and ask the capabilities again (RFC 3501: they change after STARTTLS)."""
        protocol = client.protocol
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        response = await self._bounded(protocol.execute(command))
        if response.result != "OK":
            raise ImapError(f"STARTTLS refused: {_text(response.lines)}")
        loop = asyncio.get_running_loop()
        transport = await loop.start_tls(
            protocol.transport, protocol, self.box.imap.tls_context(), server_hostname=self.box.imap.host
        )
        protocol.transport = transport
        await self._bounded(protocol.capability())

    async def _disconnect(self) -> None:
        client, self._imap = self._imap, None
        self.connected = False
        if client is None:
            return
        with contextlib.suppress(Exception):
            # LOGOUT right after DONE confuses aioimaplib's command bookkeeping: in IDLE, just close
            if not client.has_pending_idle() and not self._lost.is_set():
                await asyncio.wait_for(client.logout(), 3)
        with contextlib.suppress(Exception):
            transport = client.protocol.transport
            if transport is not None:
                transport.close()

    async def _session(self) -> None:
        client = await self._connect()
        response = await self._bounded(client.select(self.box.imap.folder))
        if response.result != "OK":
            raise ImapError(f"cannot open folder {self.box.imap.folder!r}: {_text(response.lines)}")
        found = _UIDVALIDITY.search(b" ".join(bytes(x) for x in response.lines))
        uidvalidity = int(found.group(1)) if found else 0
        if uidvalidity != self.uidvalidity:
            if self.uidvalidity is not None:
                log.warning(
                    "mailbox %s: UIDVALIDITY changed %s -> %s, syncing again (deduped by Message-ID)",
                    self.box.name,
                    self.uidvalidity,
                    uidvalidity,
                )
            if not await new_uidvalidity(self.hub, self.box.name, self.owner, uidvalidity=uidvalidity):
                raise ImapError("lease lost")
            self.uidvalidity, self.last_uid = uidvalidity, 0
        self.mode = "idle" if client.has_capability("IDLE") else "poll"
        await report_mailbox(
            self.hub, self.box.name, self.owner, connected=True, mode=self.mode, last_error=None
        )
        # only once the stored state says so: whoever sees `connected` also reads the mode it reported
        self.connected = True
        await self._catch_up(client)
        while True:
            if self.mode == "idle":
                await self._idle(client)
            else:
                await asyncio.sleep(self.box.poll_interval)
                await self._bounded(client.noop())
            await self._catch_up(client)

    async def _idle(self, client: aioimaplib.IMAP4) -> None:
        renew = self.box.idle_renew
        idle = await self._bounded(client.idle_start(timeout=renew))
        try:
            while True:
                push = await self._bounded(client.wait_server_push(timeout=renew + 5), limit=renew + 10)
                if push == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break  # time to re-issue IDLE
                lines = push if isinstance(push, list) else [push]
                text = b" ".join(
                    bytes(x) if isinstance(x, bytes | bytearray) else str(x).encode() for x in lines
                )
                if b"BYE" in text:
                    raise ConnectionLost(f"server said {text[:200]!r}")
                if b"EXISTS" in text:
                    break
        finally:
            if client.has_pending_idle():
                client.idle_done()
        await self._bounded(idle)

    async def _catch_up(self, client: aioimaplib.IMAP4) -> None:
        assert self.uidvalidity is not None
        response = await self._bounded(client.uid_search("UID", f"{self.last_uid + 1}:*", charset=None))
        if response.result != "OK":
            raise ImapError(f"UID SEARCH failed: {_text(response.lines)}")
        uids: list[int] = []
        for line in response.lines[:-1]:
            uids += [int(x) for x in bytes(line).split() if x.isdigit()]
        # "n:*" always matches the highest UID, even below n
        uids = sorted(u for u in set(uids) if u > self.last_uid)
        backlog = len(uids)
        self.backlog, self.last_sync_at = backlog, self.hub.clock().timestamp()
        await report_mailbox(
            self.hub, self.box.name, self.owner, backlog=backlog, last_sync_at=self.hub.clock()
        )
        for start in range(0, len(uids), self.batch):
            chunk = uids[start : start + self.batch]
            response = await self._bounded(
                client.uid("fetch", f"{chunk[0]}:{chunk[-1]}", "(UID BODY.PEEK[])"),
                limit=self.command_timeout * 5,
            )
            if response.result != "OK":
                raise ImapError(f"UID FETCH failed: {_text(response.lines)}")
            for uid, raw in fetched_messages(response.lines):
                if uid <= self.last_uid or uid > chunk[-1]:
                    continue
                outcome = await take(self.hub, self.box, raw)
                # only now does the mail count as taken
                await mail_stored(self.hub, self.box.name, self.owner, uidvalidity=self.uidvalidity, uid=uid)
                self.last_uid = uid
                self.stored += 1
                backlog -= 1
                self.backlog = backlog
                if self.on_stored is not None:
                    self.on_stored(uid, outcome)
            # a UID the server listed but did not return (expunged meanwhile) is skipped with its chunk
            if chunk[-1] > self.last_uid:
                await mail_stored(
                    self.hub, self.box.name, self.owner, uidvalidity=self.uidvalidity, uid=chunk[-1]
                )
                self.last_uid = chunk[-1]
        self.backlog = 0
        if backlog != 0 or uids:
            await report_mailbox(
                self.hub, self.box.name, self.owner, backlog=0, last_sync_at=self.hub.clock()
            )


def _text(lines: list[Any]) -> str:
    return " ".join(bytes(x).decode("utf-8", "replace") for x in lines)[:300]


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text[:300]
