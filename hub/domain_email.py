"""Email mailboxes' sync state: where each mailbox's inbound worker stands (UIDVALIDITY, the highest UID stored),
who runs it (a lease, so that never two workers read one mailbox, in any number of hub processes) and its health."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hub.domain import Model, utcnow


class MailboxState(Model):
    name: str
    # the folder's UIDVALIDITY when last_uid was recorded; a change invalidates last_uid (a resync, deduped)
    uidvalidity: int | None = None
    # the highest UID whose mail is stored in the timeline (everything above it is fetched on every (re)connect)
    last_uid: int = 0
    # the worker that holds the mailbox, and until when (renewed by the holder; another may take it after)
    lease_owner: str | None = None
    lease_until: datetime | None = None
    # health, written by the holder
    connected: bool = False
    mode: str = ""  # "idle" | "poll" | ""
    last_sync_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    backlog: int = 0  # mails seen on the server above last_uid and not stored yet
    updated_at: datetime = Field(default_factory=utcnow)


# health fields the holder may set through MailboxRepo.report
MAILBOX_HEALTH = frozenset({"connected", "mode", "last_sync_at", "last_error", "last_error_at", "backlog"})
