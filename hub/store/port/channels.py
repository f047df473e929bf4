"""The store port: stored documents, one-time email codes and the mailboxes' sync state."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from hub.domain_email import MailboxState
from hub.domain_verification import EmailCode


class DocumentRepo(Protocol):
    """Small named JSON documents the hub keeps (the active routing rules once an admin edited them)."""

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def put(self, key: str, value: dict[str, Any], *, at: datetime) -> None: ...


class EmailCodeRepo(Protocol):
    """One-time email codes (hub.domain_verification.EmailCode). Tries and use are conditional single-row updates,
    so concurrent guesses in any number of processes never get more tries than allowed, and a code is used once."""

    async def insert(self, code: EmailCode) -> None: ...

    async def latest(self, visitor_id: str) -> EmailCode | None:
        """The visitor's newest code (by created_at, then id), used or not."""

    async def count_since(
        self,
        *,
        since: datetime,
        visitor_id: str | None = None,
        address: str | None = None,
        before: EmailCode | None = None,
    ) -> int:
        """Codes created at or after `since` for the visitor, or for the address (give exactly one of them); with
        `before`, only those ahead of it in (created_at, id) order (its rank among them, the same in every
        process)."""

    async def attempt(self, code_id: str, *, max_attempts: int) -> EmailCode | None:
        """Count one try: attempts + 1 when attempts < max_attempts and the code is unused; the code after, else
        None (used, void or gone)."""

    async def use(self, code_id: str, *, at: datetime) -> bool:
        """Mark the code used (used_at = at) unless it is already; True for the one caller that did."""

    async def delete(self, code_id: str) -> bool:
        """Forget one code (refused over a limit after it was counted); True when it was there."""

    async def purge(self, *, before: datetime) -> int:
        """Forget codes created before `before`; how many."""


class MailboxRepo(Protocol):
    """Email mailboxes' sync state (hub.domain_email.MailboxState), one document per mailbox name. Every write but
    `claim` applies only while `owner` holds the lease (a conditional single-document update)."""

    async def claim(
        self, name: str, owner: str, *, now: datetime, lease_until: datetime
    ) -> MailboxState | None:
        """Take or renew the mailbox's lease: succeeds (creating the state when missing) when nobody holds it, the
        lease ran out (lease_until <= now) or `owner` holds it already; returns the state after, else None."""

    async def release(self, name: str, owner: str) -> bool:
        """End `owner`'s lease now (and mark it disconnected); True when it held it."""

    async def get(self, name: str) -> MailboxState | None: ...

    async def list(self) -> list[MailboxState]:
        """Every mailbox's state, by name."""

    async def advance(self, name: str, owner: str, *, uidvalidity: int, uid: int, at: datetime) -> bool:
        """Record that every mail up to `uid` is stored: last_uid = uid when the stored uidvalidity is
        `uidvalidity` and last_uid < uid (never backwards); last_sync_at = at. False when it did not apply."""

    async def reset(self, name: str, owner: str, *, uidvalidity: int, at: datetime) -> bool:
        """A new UIDVALIDITY (or the first): set it and last_uid = 0 (everything is fetched again, deduped)."""

    async def report(self, name: str, owner: str, changes: dict[str, Any]) -> bool:
        """Set health fields (keys in hub.domain_email.MAILBOX_HEALTH) and updated_at."""
