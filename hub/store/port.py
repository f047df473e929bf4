"""The store port: one repository per aggregate. Two adapters implement it (sqlite, mongo) and pass one contract suite.

Rules every adapter follows:
- Correctness comes from unique constraints and single-document atomic updates (upserts, conditional updates),
  never from multi-document transactions.
- Every call is one round trip to the database where possible, and counts itself in `Store.stats.round_trips`.
- Datetimes go in and come out timezone-aware UTC with millisecond precision.
- Lists are returned newest first where they are time-ordered; pages are cursor based (see `Cursor`).
- Every `limit` must be >= 1 (`check_limit`): anything else raises ValueError, on every adapter.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from hub.domain import (
    Attachment,
    Client,
    Conversation,
    ConversationStatus,
    Delivery,
    Department,
    Handler,
    Identity,
    MergeSuggestion,
    Priority,
    TimelineEntry,
    User,
)
from hub.domain_canned import CannedResponse
from hub.domain_email import MailboxState
from hub.domain_partners import Grant, Partner
from hub.domain_sla import BreachCount, SlaBreach, SlaClock, SlaTarget
from hub.domain_tasks import NoticeKind, Notification, Task, TaskStatus
from hub.domain_verification import EmailCode
from hub.domain_views import SavedView, SlaState
from hub.domain_workload import AgentLoad, Offer, QueuedConversation


class StoreError(Exception):
    pass


class DuplicateError(StoreError):
    """A unique constraint refused the write (an email already used, a department name taken, ...)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Position in a time-ordered list: the (time, id) of the last item of the previous page."""

    at: datetime
    id: str

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            at, id_ = raw.split("|", 1)
            parsed = datetime.fromisoformat(at)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError("invalid cursor") from exc
        if parsed.tzinfo is None or not id_:
            raise ValueError("invalid cursor")
        try:
            parsed.astimezone(UTC)
        except OverflowError as exc:  # '0001-01-01T00:00+14:00' has no UTC form
            raise ValueError("invalid cursor") from exc
        return cls(parsed, id_)


@dataclass(frozen=True, slots=True)
class Scope:
    """What part of the conversations a user may see. None fields mean no restriction on that axis.

    A conversation is visible when ANY of the given conditions holds:
    department_id in `department_ids`, assignee_id == `user_id`, department_id is None (when `unrouted`),
    client_id in `client_ids`, id in `conversation_ids`.
    """

    department_ids: tuple[str, ...] = ()
    user_id: str | None = None
    unrouted: bool = False
    client_ids: tuple[str, ...] = ()
    conversation_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PartnerScope:
    """Which clients a partner organisation may see, as the client search compiles it. A client is visible when
    ANY condition holds: `partner_id` in its partner_ids (client grants), id in `client_ids`, one of `tags` in its
    tags, fields[name] == value for one of `fields`. An empty PartnerScope allows nothing."""

    partner_id: str | None = None
    client_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class EntryScope:
    """Which entries of a timeline a reader may see. conversation_ids None = every conversation's entries;
    unthreaded = also entries with no conversation (client-level notes); shared_only = notes only when
    meta['shared_with_partners'] is true (partners never see internal notes)."""

    conversation_ids: tuple[str, ...] | None = None
    unthreaded: bool = True
    shared_only: bool = False


@dataclass(frozen=True, slots=True)
class ConversationQuery:
    status: ConversationStatus | None = None
    assignee_id: str | None = None
    unassigned: bool = False
    department_id: str | None = None
    client_id: str | None = None
    handler: Handler | None = None  # only those the bot (or a person) handles
    scope: Scope | None = None  # None: everything (admins, supervisors)
    before: Cursor | None = None  # by last_message_at (then id), newest first
    limit: int = 50
    # the inbox's filters (hub.domain_views.ViewFilters): each narrows; a tuple matches any of its values
    channels: tuple[str, ...] = ()
    statuses: tuple[ConversationStatus, ...] = ()
    priorities: tuple[Priority, ...] = ()
    client_tag: str | None = None  # the conversation's client has this tag
    sla_states: tuple[SlaState, ...] = ()  # the clock's state at `now` (hub.domain_views.sla_state)
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    last_message_from: datetime | None = None
    last_message_to: datetime | None = None
    now: datetime | None = None  # what the SLA states are judged at (None: the adapter's clock)


def check_limit(limit: int) -> int:
    """The one check every limit-taking method of every adapter makes first: a limit below 1 is a caller's bug
    (SQLite would read it as "no limit", MongoDB as "nothing"), so it is refused the same way everywhere."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number >= 1, got {limit!r}")
    return limit


@dataclass
class StoreStats:
    round_trips: int = 0


# How many entry ids a conversation remembers as applied by `touch(entry_id=...)` (the newest ones): applying an
# entry again is a no-op as long as fewer than this many other entries were applied to that conversation since.
TOUCH_MEMORY = 50

# How many event ids a call entry remembers as applied by `TimelineRepo.record_call` (the newest ones).
CALL_EVENT_MEMORY = 100

# Conversation fields that `ConversationRepo.update` may set.
CONVERSATION_MUTABLE = frozenset(
    {
        "status",
        "assignee_id",
        "department_id",
        "handler",
        "bot_state",
        "subject",
        "unread",
        "updated_at",
        "priority",
        "snoozed_until",
    }
)
# Client fields that `ClientRepo.update` may set (search terms follow name and identities).
CLIENT_MUTABLE = frozenset({"name", "kind", "fields", "tags", "partner_ids", "updated_at"})
USER_MUTABLE = frozenset(
    {"name", "role", "department_ids", "password_hash", "active", "token_version", "capacity"}
)
# Department fields that `DepartmentRepo.update` may set (a rename goes through `rename`: the name is unique).
DEPARTMENT_MUTABLE = frozenset({"assignment", "accept_minutes"})


class ClientRepo(Protocol):
    async def create(self, client: Client) -> None:
        """Insert a new client (its id is new). Also indexes its search terms."""

    async def get(self, client_id: str) -> Client | None: ...

    async def get_many(self, client_ids: Sequence[str]) -> list[Client]:
        """The clients that exist among `client_ids`, in any order."""

    async def delete(self, client_id: str) -> None: ...

    async def update(self, client_id: str, changes: dict[str, Any]) -> Client | None:
        """Set the given fields (keys in CLIENT_MUTABLE); returns the client after the update, None if missing."""

    async def fill_name(self, client_id: str, name: str, *, at: datetime) -> Client | None:
        """Set the name (and updated_at = at) only while the client has none, in one conditional update; returns
        the client when it changed, else None (it had a name already, or does not exist)."""

    async def add_identity(self, client_id: str, identity: Identity) -> Client | None:
        """Add the identity to the client's list and refresh its search terms; returns the client after the
        update, or None when nothing changed (the client has the identity already, or does not exist)."""

    async def set_partner(
        self, client_id: str, partner_id: str, present: bool, *, at: datetime
    ) -> Client | None:
        """Add `partner_id` to (present) or remove it from the client's `partner_ids` in one atomic update (SQLite:
        one statement on the JSON array; MongoDB: `$addToSet` / `$pull`), so concurrent grants and revokes never
        lose one another; sets updated_at = at. The client after the change, None when nothing changed."""

    async def search(
        self,
        q: str,
        *,
        limit: int = 20,
        partner_id: str | None = None,
        region: str | None = None,
        conversation_scope: Scope | None = None,
        partner_scope: PartnerScope | None = None,
    ) -> list[Client]:
        """Clients whose search terms start with every word of `q` (see hub.identities.query_terms), most
        recently updated first. `partner_scope` limits to the clients it lets through (compiled in the query). An empty `q` lists clients. `region` reads a phone-like query written the local
        way ('8 916 123-45-67' with region RU) as the E.164 number phones are stored as. `partner_id` limits to
        clients shared with that partner. `conversation_scope` limits to clients with at least one conversation
        that the Scope lets through (an empty Scope: none). SQLite filters with a sub-select on conversations;
        MongoDB first reads the distinct client ids of the matching conversations (one more round trip, and a
        list as long as the number of such clients), then matches clients `$in` them.
        """


class PartnerRepo(Protocol):
    async def create(self, partner: Partner) -> None: ...

    async def get(self, partner_id: str) -> Partner | None: ...

    async def list(self) -> list[Partner]:
        """All organisations, by name."""

    async def update(self, partner_id: str, changes: dict[str, Any]) -> Partner | None:
        """Set `name` and/or `redacted_fields`; the organisation after the update, None if missing."""


class GrantRepo(Protocol):
    async def add(self, grant: Grant) -> tuple[Grant, bool]:
        """Store the grant unless the organisation has one for the same thing (`Grant.key`, a unique index
        decides): returns (the stored grant, created)."""

    async def get(self, grant_id: str) -> Grant | None: ...

    async def of_partner(self, partner_id: str, *, limit: int = 1000) -> list[Grant]:
        """The organisation's grants, oldest first."""

    async def of_client(self, client_id: str) -> list[Grant]:
        """The client grants naming this client (any organisation)."""

    async def delete(self, grant_id: str) -> Grant | None:
        """Remove it; the grant as it was, None when there was none."""


class IdentityRepo(Protocol):
    async def owners(self, identities: Sequence[Identity]) -> dict[Identity, str]:
        """Which client owns each of the identities that are known (one round trip)."""

    async def claim(self, identity: Identity, client_id: str) -> str:
        """Give the identity to `client_id` unless someone owns it already; returns the owner either way.
        Race-safe: a unique index on (kind, value) decides."""

    async def reassign(self, from_client_id: str, to_client_id: str) -> None:
        """Move every identity of one client to another (merging clients)."""


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


class UserRepo(Protocol):
    async def create(self, user: User) -> None:
        """Raises DuplicateError when the (lower-cased) email is taken."""

    async def get(self, user_id: str) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None: ...

    async def list(self) -> list[User]:
        """All users, by name."""

    async def update(self, user_id: str, changes: dict[str, Any]) -> User | None: ...

    async def count(self) -> int: ...


class DepartmentRepo(Protocol):
    async def create(self, department: Department) -> None:
        """Raises DuplicateError when the name (case-insensitive) is taken."""

    async def get(self, department_id: str) -> Department | None: ...

    async def get_by_name(self, name: str) -> Department | None: ...

    async def list(self) -> list[Department]: ...

    async def update(self, department_id: str, changes: dict[str, Any]) -> Department | None:
        """Set fields (keys in DEPARTMENT_MUTABLE); the department after it, None if missing."""

    async def rename(self, department_id: str, name: str) -> Department | None:
        """Raises DuplicateError when another department has that name (case-insensitive)."""


class MergeRepo(Protocol):
    async def suggest(self, suggestion: MergeSuggestion) -> bool:
        """Record the suggestion; False when an open or closed one for the same client pair exists (the pair is
        stored sorted, so (a, b) and (b, a) are the same)."""

    async def list(self, *, status: str | None = "open", limit: int = 100) -> list[MergeSuggestion]: ...

    async def get(self, suggestion_id: str) -> MergeSuggestion | None: ...

    async def for_pair(self, a: str, b: str) -> MergeSuggestion | None:
        """The suggestion (any status) for the client pair {a, b}, in either order: one look-up by the unique
        sorted pair key."""

    async def set_status(self, suggestion_id: str, status: str) -> MergeSuggestion | None: ...


# --- tasks and notifications ---------------------------------------------------------------------------------------

# Task fields that `TaskRepo.update` may set (the notice bookkeeping goes through claim_notice / complete_notice,
# except that a new due time or status resets next_notice / next_notice_at).
TASK_MUTABLE = frozenset(
    {
        "partner_id",
        "title",
        "description",
        "assignee_id",
        "department_id",
        "due_at",
        "priority",
        "status",
        "watchers",
        "checklist",
        "updated_at",
        "done_at",
        "next_notice",
        "next_notice_at",
        "meta",
    }
)


@dataclass(frozen=True, slots=True)
class PartnerTaskScope:
    """A partner user's tasks: assigned to their organisation (partner_id == `partner_id`) or to them (assignee_id
    == `user_id`), and only on a client that `clients` lets through (both must hold)."""

    partner_id: str
    user_id: str
    clients: PartnerScope


@dataclass(frozen=True, slots=True)
class TaskScope:
    """Which tasks a reader may see: a task is visible when ANY condition holds — assignee_id == `assignee_id`,
    department_id in `department_ids`, created_by == `member_id` or `member_id` in watchers, its conversation
    passes `conversation_scope`, or it passes `partner`. An empty TaskScope allows nothing."""

    assignee_id: str | None = None
    department_ids: tuple[str, ...] = ()
    member_id: str | None = None
    conversation_scope: Scope | None = None
    partner: PartnerTaskScope | None = None


@dataclass(frozen=True, slots=True)
class TaskQuery:
    assignee_id: str | None = None
    department_id: str | None = None
    statuses: tuple[TaskStatus, ...] = ()  # empty: any status
    due_before: datetime | None = None  # due_at < due_before (tasks with no due time never match)
    client_id: str | None = None
    conversation_id: str | None = None
    scope: TaskScope | None = None  # None: everything
    before: Cursor | None = None  # by created_at (then id), newest first
    limit: int = 50


class TaskRepo(Protocol):
    async def create(self, task: Task) -> None: ...

    async def get(self, task_id: str) -> Task | None: ...

    async def update(self, task_id: str, changes: dict[str, Any]) -> Task | None:
        """Set fields (keys in TASK_MUTABLE) in one update; returns the task after it, None if missing."""

    async def query(self, query: TaskQuery) -> list[Task]:
        """Tasks matching the filters, newest created first; `query.before` continues after a previous page.
        The scope is compiled into the query (SQLite: a sub-select on conversations; MongoDB: the visible ids of
        the conversations the candidate tasks name, one or two more round trips)."""

    async def due_notices(self, *, now: datetime, limit: int = 100) -> list[Task]:
        """Tasks whose next notice is due (next_notice_at <= now) and not leased, earliest first (indexed: only
        tasks with a pending notice are in that index)."""

    async def next_notice_at(self, *, now: datetime) -> datetime | None:
        """The earliest next_notice_at of the tasks whose notice is not leased: when the timer should wake."""

    async def claim_notice(
        self, task_id: str, kind: NoticeKind, at: datetime, *, now: datetime, lease_until: datetime
    ) -> Task | None:
        """Take the right to send the task's pending notice `kind` due `at`, in one conditional update: succeeds
        when that notice is still the pending one, is due (at <= now) and no lease is running. Sets the lease."""

    async def complete_notice(
        self,
        task_id: str,
        kind: NoticeKind,
        at: datetime,
        *,
        sent: str,
        next_kind: NoticeKind | None,
        next_at: datetime | None,
    ) -> Task | None:
        """Record `sent` in notices_sent, make (next_kind, next_at) the pending notice and drop the lease, in one
        conditional update that applies only while (kind, at) is still the pending notice (a task re-scheduled
        meanwhile keeps its new schedule). Returns the task after it, None when it did not apply."""

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None: ...


class SlaRepo(Protocol):
    """SLA clocks (one per conversation, `id` = its id) and the breaches recorded for reports (hub.domain_sla)."""

    async def create(self, clock: SlaClock) -> bool:
        """Store a new clock; False (nothing changed) when the conversation has one already."""

    async def get(self, conversation_id: str) -> SlaClock | None: ...

    async def get_many(self, conversation_ids: Sequence[str]) -> dict[str, SlaClock]:
        """The clocks of these conversations in one query (a list page), by conversation id."""

    async def update(self, conversation_id: str, changes: dict[str, Any]) -> SlaClock | None:
        """Set fields (keys in SLA_MUTABLE) in one update; a new schedule (next_notice and next_notice_at, always
        together: ValueError otherwise) drops a running lease. Returns the clock after it, None if missing."""

    async def due_notices(self, *, now: datetime, limit: int = 100) -> list[SlaClock]:
        """Clocks whose next notice is due and not leased, earliest first (an index on next_notice_at)."""

    async def next_notice_at(self, *, now: datetime) -> datetime | None:
        """The earliest next_notice_at of the clocks whose notice is not leased."""

    async def claim_notice(
        self, conversation_id: str, key: str, at: datetime, *, now: datetime, lease_until: datetime
    ) -> SlaClock | None:
        """Take the lease on the pending notice (key, at) in one conditional update: only while it is still the
        pending one, due (at <= now) and not leased."""

    async def complete_notice(
        self,
        conversation_id: str,
        key: str,
        at: datetime,
        *,
        next_key: str | None,
        next_at: datetime | None,
        breached: SlaTarget | None = None,
    ) -> SlaClock | None:
        """Record `key` in notices_sent (and `breached` in breached), make (next_key, next_at) the pending notice
        and drop the lease, in one update conditional on (key, at) still being the pending notice."""

    async def record_breach(self, breach: SlaBreach) -> bool:
        """Store a breach; False when one with its key exists (a second process, a retry)."""

    async def count_breaches(
        self, *, department_ids: Sequence[str | None] | None, since: datetime | None, until: datetime | None
    ) -> list[BreachCount]:
        """Breaches with since <= at < until, counted per (department, target); `department_ids` None: all."""


class NotificationRepo(Protocol):
    async def insert(self, notification: Notification) -> bool:
        """Store it; False (nothing stored) when one with the same dedupe_key exists."""

    async def get(self, notification_id: str) -> Notification | None: ...

    async def page(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 30, unread_only: bool = False
    ) -> list[Notification]:
        """A user's notifications, newest first by (created_at, id), strictly after `before`."""

    async def unread_count(self, user_id: str) -> int: ...

    async def mark_read(self, user_id: str, ids: Sequence[str] | None, *, at: datetime) -> int:
        """Set read_at = at on the user's unread notifications among `ids` (None: all of them); how many changed.
        Ids of other users' notifications change nothing."""


# --- read markers, assignment, stored settings ---------------------------------------------------------------------


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


class AssignmentRepo(Protocol):
    async def loads(self, user_ids: Sequence[str]) -> dict[str, AgentLoad]:
        """The load counters of these users (users never counted are absent: their load is 0)."""

    async def take_slot(self, user_id: str, capacity: int | None, *, now: datetime) -> bool:
        """+1 on the user's counter in one conditional update that applies only while it is below `capacity`
        (None: always); sets last_assigned_at. True when it applied."""

    async def add_load(self, user_id: str, delta: int) -> None:
        """Move the counter by delta (people's assignments, resolves, reopens), never below 0."""

    async def set_load(self, user_id: str, open_count: int) -> None: ...

    async def correct_load(self, user_id: str, expected: int | None, open_count: int) -> bool:
        """Set the counter to `open_count` only while it still reads `expected` (None: no counter yet), in one
        conditional update; False when it moved meanwhile (a claim or a release in flight: the recount waits)."""

    async def enqueue(self, item: QueuedConversation) -> None:
        """Put it in its department's queue (upsert by conversation: a re-route moves it, keeping `since` only
        when the department is the same)."""

    async def dequeue(self, conversation_id: str) -> bool: ...

    async def queued(self, department_id: str, *, limit: int = 20) -> list[QueuedConversation]:
        """The department's queue, oldest first."""

    async def queue_length(self, department_id: str) -> int: ...

    async def offer(self, offer: Offer) -> None:
        """Record (replace) the offer of a conversation."""

    async def drop_offer(self, conversation_id: str) -> bool:
        """The offer was accepted or is void; True when there was one."""

    async def due_offers(self, *, now: datetime, limit: int = 100) -> list[Offer]:
        """Offers whose `until` <= now and whose lease is not running, earliest first (indexed by until)."""

    async def claim_offer(
        self, conversation_id: str, *, now: datetime, lease_until: datetime
    ) -> Offer | None:
        """Take the right to move a due offer on, in one conditional update (due, lease not running)."""

    async def next_offer_at(self) -> datetime | None: ...


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


# --- full-text search and canned replies ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchScope:
    """Which entries of all timelines a reader may find, as the search compiles it. An entry is visible when ANY of:
    - it belongs to a conversation that `conversations` lets through (None: any conversation);
    - `unthreaded` and it has no conversation (a client-level note) and, when `unthreaded_via` is given, its client
      has a conversation that `unthreaded_via` lets through (department visibility of client cards);
    - its client passes `clients` (a partner's clients shared whole: every entry of theirs).
    And when `shared_only`, a note only when meta['shared_with_partners'] is true (partners)."""

    conversations: Scope | None = None
    unthreaded: bool = True
    unthreaded_via: Scope | None = None
    clients: PartnerScope | None = None
    shared_only: bool = False


class SearchRepo(Protocol):
    """The full-text index of timeline entries. Entries are indexed by the timeline's own writes (insert,
    update_content) with hub.search_terms; `unindexed` / `index` back-fill entries stored before the index."""

    async def entries(
        self, whole: Sequence[str], prefix: str | None, *, scope: SearchScope | None = None, limit: int = 20
    ) -> list[TimelineEntry]:
        """Entries having every term of `whole` and a term starting with `prefix` (None: no prefix part), that
        `scope` (None: all) lets through (compiled into the query), newest first by (occurred_at, id)."""

    async def unindexed(self, *, limit: int = 200) -> list[TimelineEntry]:
        """Entries that have no search terms yet (stored before the index existed)."""

    async def index(self, terms: dict[str, list[str]]) -> int:
        """Set the search terms of these entries (entry id -> terms) where they have none yet; how many changed."""


CANNED_MUTABLE = frozenset({"title", "shortcut", "body", "language", "updated_at"})


@dataclass(frozen=True, slots=True)
class CannedQuery:
    """The canned replies a user may use: their own (`owner_id`), those of one of `department_ids` (or of any
    department: `all_departments`), and global ones (when `global_`). `q` (lower-cased) is found in the title or
    starts the shortcut; `language` keeps one language."""

    owner_id: str | None = None
    department_ids: tuple[str, ...] = ()
    global_: bool = True
    all_departments: bool = False  # admins: every department's replies
    q: str = ""
    language: str | None = None
    limit: int = 100


class CannedRepo(Protocol):
    """A shortcut is unique within a reply's scope (its owner, its department, or global): a unique index on
    (scope, shortcut) refuses a second one with DuplicateError, on create and update alike."""

    async def create(self, reply: CannedResponse) -> None: ...

    async def get(self, reply_id: str) -> CannedResponse | None: ...

    async def update(self, reply_id: str, changes: dict[str, Any]) -> CannedResponse | None:
        """Set fields (keys in CANNED_MUTABLE); the reply after it, None if missing."""

    async def delete(self, reply_id: str) -> bool: ...

    async def query(self, query: CannedQuery) -> list[CannedResponse]:
        """Matching replies by title (then id)."""


# --- saved views --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ViewQuery:
    """The saved views a user sees: their own (`owner_id`), those shared with everyone (`everyone`), with one of
    `department_ids` (or with any department: `all_departments`). Nothing set: none."""

    owner_id: str | None = None
    everyone: bool = False
    department_ids: tuple[str, ...] = ()
    all_departments: bool = False
    limit: int = 200


class ViewRepo(Protocol):
    async def create(self, view: SavedView) -> None: ...

    async def get(self, view_id: str) -> SavedView | None: ...

    async def update(self, view_id: str, changes: dict[str, Any]) -> SavedView | None:
        """Set fields (keys in hub.domain_views.VIEW_MUTABLE) in one update; the view after it, None if missing."""

    async def delete(self, view_id: str) -> bool: ...

    async def query(self, query: ViewQuery) -> list[SavedView]:
        """Matching views by name (case-insensitive), then id."""


@dataclass(frozen=True, slots=True)
class InboundLookup:
    """What an ingest reads before it writes (`InboundRepo.lookup`)."""

    # the entry stored under the dedupe key (then nothing else was read)
    duplicate: TimelineEntry | None = None
    # IdentityRepo.owners of the sender's identities
    owners: dict[Identity, str] = field(default_factory=dict)
    # the conversation of the first owned identity's owner in the message's thread, when it exists
    conversation: Conversation | None = None


class InboundRepo(Protocol):
    """The ingest's steps for the common case (a known sender in a known thread) in fewer round trips: what
    `hub.actions.ingest` would otherwise ask the timeline, identity and conversation repositories one by one."""

    async def lookup(
        self, dedupe_key: str, identities: Sequence[Identity], channel: str, thread_key: str
    ) -> InboundLookup:
        """`timeline.get_by_dedupe_key(dedupe_key)`; when there is none, `identities.owners(identities)` and, when
        one of them is owned, the conversation of (the owner of the first owned identity in `identities` order,
        channel, thread_key) if it exists (no conversation is created). One round trip on SQLite."""

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


@dataclass
class Store:
    """The whole store: what the core gets from an adapter."""

    clients: ClientRepo
    identities: IdentityRepo
    conversations: ConversationRepo
    timeline: TimelineRepo
    users: UserRepo
    departments: DepartmentRepo
    merges: MergeRepo
    stats: StoreStats = field(default_factory=StoreStats)
    tasks: TaskRepo = None  # type: ignore[assignment]  # every adapter sets it; a default keeps old callers
    notifications: NotificationRepo = None  # type: ignore[assignment]
    mailboxes: MailboxRepo = None  # type: ignore[assignment]  # email sync state (hub.domain_email)
    partners: PartnerRepo = None  # type: ignore[assignment]
    grants: GrantRepo = None  # type: ignore[assignment]
    reads: ReadRepo = None  # type: ignore[assignment]
    assignment: AssignmentRepo = None  # type: ignore[assignment]
    documents: DocumentRepo = None  # type: ignore[assignment]
    search: SearchRepo = None  # type: ignore[assignment]
    canned: CannedRepo = None  # type: ignore[assignment]
    sla: SlaRepo = None  # type: ignore[assignment]  # SLA clocks and breaches (hub.domain_sla)
    views: ViewRepo = None  # type: ignore[assignment]  # saved inbox views (hub.domain_views)
    inbound: InboundRepo = None  # type: ignore[assignment]  # the ingest's combined steps
    email_codes: EmailCodeRepo = None  # type: ignore[assignment]  # one-time email codes (hub.domain_verification)
    name: str = ""
    _closers: list[Any] = field(default_factory=list)

    async def close(self) -> None:
        for close in self._closers:
            await close()
