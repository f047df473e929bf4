"""Domain types of the hub: clients, identities, conversations, timeline entries, users, departments.

These are plain pydantic models: data, no behaviour with side effects. Only `hub.actions` writes them to the store
and publishes events about them.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    """Now, in UTC, truncated to milliseconds (what MongoDB can store), so every store round-trips it exactly.

    From the whole milliseconds (exact: a float of seconds since 1970 carries them to well under the microsecond
    `fromtimestamp` rounds to): a third of the cost of `datetime.now(UTC).replace(microsecond=...)`, whose keyword
    call took ~1.7 µs here, and an ingest asks for the time 3-4 times (issue #13)."""
    return _from_timestamp(time.time_ns() // 1_000_000 / 1000, UTC)


_from_timestamp = datetime.fromtimestamp


def truncate_ms(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:  # already UTC (most values): no conversion to make
        value = value.astimezone(UTC)
    micro = value.microsecond
    return value if micro % 1000 == 0 else value.replace(microsecond=micro - micro % 1000)


_last_id_ms = 0
_id_counter = 0
_random_pool = b""
_random_at = 0


def _random_bytes(n: int) -> bytes:
    """`os.urandom(n)` from a buffer refilled 4 KiB at a time: the same bytes, not a system call per id (two per
    new id were ~3% of the ingest's CPU, issue #13)."""
    global _random_pool, _random_at
    if _random_at + n > len(_random_pool):
        _random_pool, _random_at = os.urandom(4096), 0
    _random_at += n
    return _random_pool[_random_at - n : _random_at]


def random_hex(nbytes: int) -> str:
    """`nbytes` random bytes (os.urandom's, buffered) as hex."""
    return _random_bytes(nbytes).hex()


def _forget_random_pool() -> None:  # a forked child must not hand out its parent's bytes again
    global _random_pool, _random_at
    _random_pool, _random_at = b"", 0


os.register_at_fork(after_in_child=_forget_random_pool)


def new_id() -> str:
    """A 24-hex-digit id that sorts by creation time: 6 bytes of milliseconds, 2 of a counter, 4 random."""
    global _last_id_ms, _id_counter
    ms = int(time.time() * 1000)
    if ms == _last_id_ms:
        _id_counter = (_id_counter + 1) & 0xFFFF
    else:
        _last_id_ms, _id_counter = ms, _random_bytes(1)[0]
    return f"{ms:012x}{_id_counter:04x}{_random_bytes(4).hex()}"


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=False)


# --- identities ---------------------------------------------------------------------------------------------------


class IdentityKind(StrEnum):
    phone = "phone"
    email = "email"
    telegram = "telegram"
    webchat = "webchat"
    api = "api"


class Identity(Model):
    """One way to reach a client. `value` is normalized (E.164 phone, lower-case email, decimal ids)."""

    model_config = ConfigDict(frozen=True)
    kind: IdentityKind
    value: str

    # (pydantic's generated hash goes through a field getter: the ingest hashes several identities a message)
    def __hash__(self) -> int:
        return hash((self.kind, self.value))

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.value}"


# --- clients ------------------------------------------------------------------------------------------------------


class ClientKind(StrEnum):
    person = "person"
    company = "company"


FieldValue = str | int | float | bool | None


class Client(Model):
    id: str = Field(default_factory=new_id)
    kind: ClientKind = ClientKind.person
    name: str = ""
    identities: list[Identity] = Field(default_factory=list)
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    partner_ids: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MergeSuggestion(Model):
    """Two clients that an inbound message says are the same person. An agent confirms; nothing merges silently."""

    id: str = Field(default_factory=new_id)
    client_ids: tuple[str, str]
    identity: Identity
    reason: str = ""
    status: str = "open"  # open | merged | dismissed
    created_at: datetime = Field(default_factory=utcnow)


# --- conversations ------------------------------------------------------------------------------------------------


class ConversationStatus(StrEnum):
    open = "open"
    pending = "pending"
    snoozed = "snoozed"
    resolved = "resolved"


class Handler(StrEnum):
    bot = "bot"
    human = "human"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Conversation(Model):
    id: str = Field(default_factory=new_id)
    client_id: str
    channel: str
    thread_key: str
    status: ConversationStatus = ConversationStatus.open
    # while snoozed: when it wakes (back to open; a customer's message wakes it earlier), else None
    snoozed_until: datetime | None = None
    assignee_id: str | None = None
    department_id: str | None = None
    handler: Handler = Handler.human
    # the bot engine's place in its flow and what it captured (only the bots package reads it)
    bot_state: dict[str, Any] = Field(default_factory=dict)
    subject: str = ""
    priority: Priority = Priority.normal
    # what the store keeps is the shared count of inbound messages (`inbound_count`; it goes down only when customer
    # messages move out, and read markers are clamped then); `unread` is filled per reader by hub.queries
    # (inbound_count minus what that user has read)
    unread: int = 0
    inbound_count: int = 0
    last_message_at: datetime | None = None
    last_message_preview: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- timeline -----------------------------------------------------------------------------------------------------


class EntryKind(StrEnum):
    message = "message"
    call = "call"
    note = "note"
    system = "system"


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"
    internal = "internal"


class AuthorType(StrEnum):
    client = "client"
    user = "user"
    bot = "bot"
    system = "system"


class Author(Model):
    type: AuthorType
    id: str | None = None
    name: str = ""


class Attachment(Model):
    model_config = ConfigDict(frozen=True)
    name: str = ""
    content_type: str = "application/octet-stream"
    size: int | None = None
    url: str | None = None
    provider_file_id: str | None = None


class DeliveryStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"


class Delivery(Model):
    status: DeliveryStatus = DeliveryStatus.queued
    attempts: int = 0
    error: str | None = None
    # the failure as a code + params (hub.outbound.DeliveryError): the inbox shows it in the reader's language;
    # `error` is the English text (logs, API clients)
    error_code: str | None = None
    error_params: dict[str, Any] = Field(default_factory=dict)
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class TimelineEntry(Model):
    id: str = Field(default_factory=new_id)
    client_id: str
    conversation_id: str | None = None
    kind: EntryKind = EntryKind.message
    direction: Direction
    channel: str
    author: Author
    text: str = ""
    html: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    provider_id: str | None = None
    # unique per store: "<channel>:<provider id>" for provider messages, else the entry id
    dedupe_key: str = ""
    mentions: list[str] = Field(default_factory=list)
    delivery: Delivery | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    # the arrival order: strictly increasing per store (across processes too), assigned by the store at insert.
    # occurred_at is the provider's time and may be older for a late delivery; seq never is. None before insert
    # (and for entries a MongoDB store kept from before seq existed).
    seq: int | None = None
    # False while steps of storing it are left to do (ingest: the conversation's touch and the events); a duplicate
    # delivery or the recovery sweep completes them (hub.actions.ingest). Store bookkeeping, not content.
    settled: bool = True

    def model_post_init(self, __context: Any) -> None:
        if not self.dedupe_key:
            self.dedupe_key = (
                dedupe_key(self.channel, self.provider_id) if self.provider_id else f"id:{self.id}"
            )

    def addressed(self, client_id: str, conversation_id: str) -> TimelineEntry:
        """A copy of this client's message (not stored yet) for the client and conversation found for it (the
        author too): what a store that resolves the sender in the same trip as the insert stores."""
        return self.model_copy(
            update={
                "client_id": client_id,
                "conversation_id": conversation_id,
                "author": self.author.model_copy(update={"id": client_id}),
            }
        )


def dedupe_key(channel: str, provider_id: str) -> str:
    return f"{channel}:{provider_id}"


# --- staff --------------------------------------------------------------------------------------------------------


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    agent = "agent"
    partner = "partner"


class User(Model):
    id: str = Field(default_factory=new_id)
    email: str
    name: str
    role: Role = Role.agent
    department_ids: list[str] = Field(default_factory=list)
    partner_id: str | None = None  # a partner user's organisation (hub.domain_partners.Partner)
    password_hash: str = ""
    active: bool = True
    token_version: int = 0
    # the most open conversations the assignment hands this user at once (None: no limit)
    capacity: int | None = None
    created_at: datetime = Field(default_factory=utcnow)

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"password_hash", "token_version"})


class AssignmentPolicy(StrEnum):
    manual = "manual"
    round_robin = "round_robin"
    least_loaded = "least_loaded"


class Department(Model):
    id: str = Field(default_factory=new_id)
    name: str
    # how a conversation entering the department finds an agent (hub.assignment)
    assignment: AssignmentPolicy = AssignmentPolicy.manual
    # an agent it was handed to who does not answer within this many minutes loses it to the next (None: never)
    accept_minutes: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
