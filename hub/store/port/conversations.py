"""The store port: conversations, timelines, read markers and the ingest's combined steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hub.domain import (
    Attachment,
    Client,
    Conversation,
    Delivery,
    Identity,
    TimelineEntry,
)
from hub.store.port.common import (
    ConversationQuery,
    Cursor,
    EntryScope,
)


class ConversationRepo(Protocol):
    async def get_or_create(self, proposal: Conversation) -> tuple[Conversation, bool]:
        """The conversation for (client_id, channel, thread_key), created from `proposal` when there is none.
        Returns (conversation, created). Race-safe: a unique index on the triple decides."""

    async def get(self, conversation_id: str) -> Conversation | None: ...

    async def update(self, conversation_id: str, changes: dict[str, Any]) -> Conversation | None:
        """Set fields (keys in CONVERSATION_MUTABLE); returns the conversation after the update."""

    async def touch(
        self,
        conversation_id: str,
        *,
        at: datetime,
        preview: str,
        inbound: bool,
        reopen: bool,
        now: datetime | None = None,
        entry_id: str | None = None,
    ) -> Conversation | None:
        """Record a new message in one atomic update: last_message_at = max(old, at); the preview replaced
        only when `at` >= the old last_message_at (a late, older message keeps the newer preview);
        updated_at = max(old updated_at, now, at), so it never goes backwards; unread += 1 when `inbound`;
        status = open (and snoozed_until None) when `reopen` and the status was resolved, snoozed or pending (a
        customer's message wakes a snoozed conversation and answers a pending one). `now` is the caller's clock
        (hub.clock()); None means hub.domain.utcnow().

        With `entry_id` it is idempotent per entry: the conversation remembers the ids of the last TOUCH_MEMORY
        entries it applied (in the same single-document update), and touching with a remembered id changes
        nothing. Returns the conversation after the update when it applied; None when nothing was applied (the
        conversation is missing, or it applied that entry already)."""

    async def set_last_message(
        self,
        conversation_id: str,
        *,
        expected_at: datetime | None,
        at: datetime | None,
        preview: str,
        inbound_added: int = 0,
        now: datetime,
    ) -> Conversation | None:
        """After entries left or joined the conversation (hub.actions.threading): last_message_at = `at` (None: no
        message left), the preview replaced, inbound_count (and the legacy unread) += `inbound_added` (never below
        0), updated_at = max(old, now), in one conditional single-document update that applies only while
        last_message_at is still `expected_at` (None: no message yet). A message touched it meanwhile: None, the
        caller reads it again and recomputes. None too when the conversation is missing."""

    async def query(self, query: ConversationQuery) -> list[Conversation]:
        """Conversations matching the filters, newest last_message_at first (conversations with no message yet
        sort by created_at); `query.before` continues after a previous page."""

    async def count(self, query: ConversationQuery) -> int:
        """How many conversations match the filters and scope of `query` (its `before` and `limit` ignored): a
        saved view's count, built from the same query as its list."""

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        """Move every conversation of one client to another (merging clients). A conversation whose
        (channel, thread_key) the target client has too moves with thread_key "<thread_key>#merged:<its id>"."""

    async def due_wakes(self, *, now: datetime, limit: int = 100) -> list[Conversation]:
        """Snoozed conversations whose snoozed_until is at or before `now` and whose wake is not leased, earliest
        first (an indexed query; hub.snooze_timers)."""

    async def next_wake_at(self, *, now: datetime) -> datetime | None:
        """The earliest snoozed_until of a snoozed conversation whose wake is not leased at `now`."""

    async def claim_wake(
        self, conversation_id: str, until: datetime, *, now: datetime, lease_until: datetime
    ) -> Conversation | None:
        """Take the lease on waking it (one conditional update: still snoozed until exactly `until`, due at `now`,
        no live lease); None when it is not the caller's (another holds it, a message woke it, it was re-snoozed)."""

    async def wake(self, conversation_id: str, until: datetime, *, now: datetime) -> Conversation | None:
        """status open, snoozed_until None, updated_at = max(old, now), conditional on it still being snoozed until
        exactly `until`; None when it is not (woken already)."""

    async def claim(
        self, conversation_id: str, assignee_id: str, *, department_id: str | None, now: datetime
    ) -> Conversation | None:
        """Assign it in one conditional update: only while it has no assignee, is still in `department_id` and
        is open or pending. Returns the conversation after it, None when it did not apply (someone was faster)."""

    async def release(self, conversation_id: str, assignee_id: str, *, now: datetime) -> Conversation | None:
        """Unassign it in one conditional update, only while `assignee_id` still has it; None when it did not
        apply."""


class TimelineRepo(Protocol):
    async def insert(self, entry: TimelineEntry, *, lease_until: datetime | None = None) -> bool:
        """Store the entry; False (and nothing stored) when an entry with the same dedupe_key exists. Sets
        `entry.seq`, the arrival number (strictly increasing per store, never reused). An entry with
        `settled=False` still has steps to complete (see `claim_settle`); `lease_until` gives its inserter the
        settle lease from the start, so nobody else completes it while the inserter is at it."""

    async def get(self, entry_id: str) -> TimelineEntry | None: ...

    async def get_by_dedupe_key(self, key: str) -> TimelineEntry | None: ...

    async def page(
        self,
        client_id: str,
        *,
        before: Cursor | None = None,
        limit: int = 50,
        scope: EntryScope | None = None,
    ) -> list[TimelineEntry]:
        """A client's entries, newest first by (occurred_at, id), strictly after `before` in that order.
        `scope` (None: everything) is applied in the query, so a page holds `limit` entries the reader may see."""

    async def conversation_page(
        self,
        conversation_id: str,
        *,
        before: Cursor | None = None,
        limit: int = 50,
        scope: EntryScope | None = None,
    ) -> list[TimelineEntry]:
        """A conversation's entries, like `page`."""

    async def since(self, conversation_id: str, after_seq: int, *, limit: int = 200) -> list[TimelineEntry]:
        """A conversation's entries that arrived after the one numbered `after_seq` (seq > after_seq), in arrival
        order (ascending seq) — a late delivery with an old occurred_at included. Entries without a seq (kept by a
        MongoDB store from before seq existed) are never returned."""

    async def mentioning(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        """Entries whose `mentions` name the user (their notifications), newest first by (occurred_at, id)."""

    async def set_delivery(
        self, entry_id: str, delivery: Delivery, provider_id: str | None = None
    ) -> TimelineEntry | None:
        """Replace the delivery state (and set the provider id when given); returns the entry after."""

    async def claim_delivery(
        self, entry_id: str, *, now: datetime, lease_until: datetime
    ) -> TimelineEntry | None:
        """Atomically take the right to send a queued entry: succeeds when delivery.status is queued and no other
        lease is running (lease_until missing or <= now). Sets delivery.lease_until, returns the entry, else None."""

    async def due_deliveries(self, *, now: datetime, limit: int = 100) -> list[TimelineEntry]:
        """Queued entries whose next_attempt_at is missing or <= now and whose lease is not running."""

    async def claim_settle(
        self, entry_id: str, *, now: datetime, lease_until: datetime
    ) -> TimelineEntry | None:
        """Atomically take the right to complete an unsettled entry: succeeds when it is not settled and no settle
        lease is running (missing or <= now); sets the lease to `lease_until` and returns the entry, else None.
        A holder ends its lease early with claim_settle(now=<its lease_until>, lease_until=<now>)."""

    async def settle(self, entry_id: str) -> bool:
        """Mark the entry settled (and drop its lease); True when it was unsettled."""

    async def settle_many(self, entry_ids: Sequence[str]) -> int:
        """`settle` for several entries in one write (the ingest settles its entries together, after the
        answer); how many were unsettled."""

    async def unsettled(self, *, older_than: datetime, limit: int = 100) -> list[TimelineEntry]:
        """Entries still unsettled whose created_at <= older_than, oldest first (indexed: only unsettled entries
        are in that index)."""

    async def update_content(
        self, entry_id: str, *, text: str, html: str | None, meta: dict[str, Any]
    ) -> TimelineEntry | None:
        """Edit an entry's text (an edited inbound message); `meta` replaces the meta dict."""

    async def record_call(
        self,
        entry_id: str,
        *,
        event_id: str,
        rank: int,
        status: str | None,
        fields: dict[str, str | int | float],
    ) -> TimelineEntry | None:
        """Apply one event of a call to the call entry's `meta['call']`, in one conditional single-document update
        that gives the same state whatever order the events arrive in:
        - it applies only while `event_id` is not among the call's `events` (the last CALL_EVENT_MEMORY applied
          ids, kept in the same update): a replayed event changes nothing and None is returned;
        - `status` (None: the event carries no status) replaces the stored one only when `rank` is greater than
          the stored `rank` (the most advanced state wins); then `rank` = rank and `status_event` = event_id, so
          the caller knows that this very event set the status;
        - each of `fields` (scalar values) is set when the call has no value for it yet, or when `rank` >= the
          stored rank (an older event fills gaps, never overwrites what a more advanced one said).
        Returns the entry after the update; None when the entry is missing or the event was applied already."""

    async def add_attachment(self, entry_id: str, attachment: Attachment) -> TimelineEntry | None:
        """Append `attachment` to the entry's attachments in one conditional update, unless one with its url is
        there already (a retried download adds it once). The entry after; None when missing or already there."""

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None: ...

    async def move_entries(
        self, from_conversation_id: str, to_conversation_id: str, *, entry_id: str, following: bool = False
    ) -> list[TimelineEntry]:
        """Move one entry (and with `following` every later one by arrival order, `seq` >= its seq) from one
        conversation to another, conditionally: only entries still in `from_conversation_id` move, so two moves
        racing never move one entry twice. Returns the moved entries after the move, in arrival order (empty when
        the entry is not in that conversation)."""


class ReadRepo(Protocol):
    """Per-(user, conversation) read markers: the conversation's inbound_count the user has read."""

    async def mark(self, user_id: str, conversation_id: str, count: int, *, at: datetime) -> None:
        """Upsert the marker to max(stored, count) in one statement (a stale tab never marks unread again)."""

    async def counts(self, user_id: str, conversation_ids: Sequence[str]) -> dict[str, int]:
        """The user's markers of these conversations (one indexed query; conversations never read are absent)."""

    async def readers(self, conversation_id: str, user_ids: Sequence[str]) -> dict[str, int]:
        """The markers of these users on one conversation (the recipients of a push)."""

    async def clamp(self, conversation_id: str, count: int) -> None:
        """Every marker of the conversation above `count` set to `count`, in one statement: customer messages
        moved out lowered its inbound_count, and a reader who had read them all has read everything left."""


@dataclass(frozen=True, slots=True)
class InboundLookup:
    """What an ingest reads before it writes (`InboundRepo.lookup`)."""

    # the entry stored under the dedupe key (then nothing else was read)
    duplicate: TimelineEntry | None = None
    # IdentityRepo.owners of the sender's identities
    owners: dict[Identity, str] = field(default_factory=dict)
    # the conversation of the first owned identity's owner in the message's thread, when it exists (as it was
    # before the entry below, when there is one)
    conversation: Conversation | None = None
    # the entry `lookup(..., append=...)` appended for a sender known completely: the entry (addressed to the owner
    # and the conversation above), and (stored, the touched conversation) as `append` answers
    appended: tuple[TimelineEntry, tuple[bool, Conversation | None]] | None = None


@dataclass(frozen=True, slots=True)
class FirstEntry:
    """A new sender's first message, for `InboundRepo.create_client` to append together with its client: the
    arguments of `InboundRepo.append`."""

    entry: TimelineEntry
    lease_until: datetime | None
    at: datetime
    preview: str
    inbound: bool
    reopen: bool
    now: datetime


@dataclass(frozen=True, slots=True)
class NewSender:
    """What `InboundRepo.create_client` did."""

    # who owns the primary identity now: the new client, or the one that was first
    owner: str
    # the conversation proposed, got or created (None when the claim was lost or none was proposed)
    conversation: Conversation | None = None
    conversation_created: bool = False
    # what `append` answered for the first entry: (stored, touched); None when it was not appended (no entry
    # given, the claim lost, the conversation got is not the entry's, or a store without transactions)
    appended: tuple[bool, Conversation | None] | None = None


class InboundRepo(Protocol):
    """The ingest's steps for the common case (a known sender in a known thread) in fewer round trips: what
    `hub.actions.ingest` would otherwise ask the timeline, identity and conversation repositories one by one."""

    # True where an entry and its conversation's touch are stored in one transaction (SQLite): an entry that
    # `append` stored has had its touch, so completing an unsettled one (`settle_entry`) must not touch it again.
    # (The touch's own memory of the entries it applied keeps only the last TOUCH_MEMORY: an entry swept after
    # more messages than that in its conversation would otherwise be counted twice and could reopen it.)
    touch_is_atomic: bool

    async def lookup(
        self,
        dedupe_key: str,
        identities: Sequence[Identity],
        channel: str,
        thread_key: str,
        append: FirstEntry | None = None,
    ) -> InboundLookup:
        """`timeline.get_by_dedupe_key(dedupe_key)`; when there is none, `identities.owners(identities)` and, when
        one of them is owned, the conversation of (the owner of the first owned identity in `identities` order,
        channel, thread_key) if it exists (no conversation is created). One round trip on SQLite.

        `append` (a client's message whose client and conversation are still to be found): when the sender is
        known completely — every identity owned by that one client, whose conversation in this thread exists —
        also `append` of it, addressed to them (`TimelineEntry.addressed`), in the same round trip and
        transaction (SQLite); `InboundLookup.appended` says what became of it. Elsewhere (and for any other
        sender) it is not appended (`appended` None): the caller resolves the sender and appends."""

    async def append(
        self,
        entry: TimelineEntry,
        *,
        lease_until: datetime | None,
        at: datetime,
        preview: str,
        inbound: bool,
        reopen: bool,
        now: datetime,
    ) -> tuple[bool, Conversation | None]:
        """`timeline.insert(entry, lease_until=...)` and, only when that stored it, `conversations.touch(
        entry.conversation_id, at=..., preview=..., inbound=..., reopen=..., now=..., entry_id=entry.id)`:
        (stored, the touched conversation: None when refused or applied already). On SQLite one round trip and
        one transaction (both or neither); elsewhere two steps, and a crash between them leaves an unsettled
        entry without its touch, which `hub.actions.ingest.settle_entry` completes like any other."""

    async def create_client(
        self,
        client: Client,
        primary: Identity,
        conversation: Conversation | None,
        first: FirstEntry | None = None,
    ) -> NewSender:
        """A sender nobody knows: `clients.create(client)`, `identities.claim(primary, client.id)` and, only when
        that claim is the new client's, `conversations.get_or_create(conversation)` (a proposal whose client_id is
        client.id); when another client owns `primary` already (a concurrent first message of the same sender),
        `clients.delete(client.id)` instead. On SQLite one round trip and one transaction, which also appends
        `first` (`append`'s arguments) when the conversation got is `first.entry`'s; elsewhere the steps one after
        the other (a crash between them leaves a client without identities, which nothing finds), and `first` is
        left to the caller's `append` (`NewSender.appended` None), after it has announced the new client."""
