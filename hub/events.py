"""Typed events and the in-process bus.

Actions publish an event only after their write succeeded. Subscribers (realtime, bots, the outbox) register for an
event class; dispatch is by type (a subscriber to a base class receives its subclasses), never by string keys.
A failing subscriber is logged and never undoes the write or stops the other subscribers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hub.domain import Author, Client, Conversation, MergeSuggestion, TimelineEntry, User
from hub.domain_canned import CannedResponse
from hub.domain_partners import Grant
from hub.domain_sla import SlaClock
from hub.domain_tasks import Notification, Task
from hub.domain_views import SavedView

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    pass


@dataclass(frozen=True, slots=True)
class ClientCreated(Event):
    client: Client


@dataclass(frozen=True, slots=True)
class ClientUpdated(Event):
    client: Client
    changed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConversationCreated(Event):
    conversation: Conversation
    # the EntryAdded of its first message comes right after (an inbound that opened it): live views take the
    # conversation from that entry's push, one frame per socket for the message (not part of equality)
    first_entry_follows: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class ConversationUpdated(Event):
    conversation: Conversation
    # field name -> (old value, new value)
    changes: dict[str, tuple[Any, Any]]
    actor_id: str | None = None


@dataclass(frozen=True, slots=True)
class EntryAdded(Event):
    """A new timeline entry: an inbound or outgoing message, a call, a note, a bot answer."""

    entry: TimelineEntry
    conversation: Conversation | None


@dataclass(frozen=True, slots=True)
class EntryEdited(Event):
    """The customer edited a message: the entry's text changed; the previous text is in entry.meta['edits']."""

    entry: TimelineEntry


@dataclass(frozen=True, slots=True)
class CallUpdated(Event):
    """A call entry's state changed (hub.actions.calls): ringing, answered, completed, missed, busy or failed,
    in `entry.meta['call']`. `status_changed`: this event of the provider set the call's status (a late or a
    replayed one did not)."""

    entry: TimelineEntry
    conversation: Conversation | None
    status_changed: bool = True


@dataclass(frozen=True, slots=True)
class DeliveryChanged(Event):
    """An outgoing entry moved between queued / sent / failed."""

    entry: TimelineEntry


@dataclass(frozen=True, slots=True)
class MergeSuggested(Event):
    suggestion: MergeSuggestion


@dataclass(frozen=True, slots=True)
class ClientsMerged(Event):
    kept: Client
    removed_id: str


@dataclass(frozen=True, slots=True)
class UserMentioned(Event):
    user: User
    entry: TimelineEntry
    conversation: Conversation | None = None


@dataclass(frozen=True, slots=True)
class StaffChanged(Event):
    """A user was created or changed (role, departments, active, password/token version, name). What each user
    may see follows from it at once: sockets are re-checked, caches of users dropped, in every hub process
    (`hub.relay` carries it between processes). `before` is None for a new user."""

    user: User
    before: User | None = None
    actor_id: str | None = None

    @property
    def sessions_ended(self) -> bool:
        """The user's existing tokens stopped working (deactivated, password changed, logged out everywhere)."""
        return self.before is not None and (
            not self.user.active or self.user.token_version != self.before.token_version
        )


@dataclass(frozen=True, slots=True)
class GrantChanged(Event):
    """What a partner organisation may see changed: a grant was given (`revoked` False) or revoked, or (`grant`
    None) the organisation's redacted fields changed. Nothing caches grants (the policy reads them when asked), so
    no relay between processes is needed; the /partner sockets of the organisation reload their lists."""

    partner_id: str
    grant: Grant | None = None
    revoked: bool = False
    actor_id: str | None = None


@dataclass(frozen=True, slots=True)
class Typing(Event):
    """Someone is typing in a conversation (ephemeral: never stored). `author.type` client = the customer."""

    conversation_id: str
    author: Author
    on: bool = True


@dataclass(frozen=True, slots=True)
class Presence(Event):
    """A staff member came online or went offline (ephemeral)."""

    user_id: str
    online: bool


@dataclass(frozen=True, slots=True)
class ConversationAssigned(ConversationUpdated):
    """The assignment engine (hub.assignment) handed a conversation to an agent or took it back (`policy`:
    round_robin, least_loaded, reply, timeout); it has counted the agent's load already."""

    policy: str = ""


@dataclass(frozen=True, slots=True)
class ConversationRead(Event):
    """A user read a conversation (their read marker moved): only their own unread count changed."""

    conversation: Conversation
    user_id: str


@dataclass(frozen=True, slots=True)
class EntriesMoved(Event):
    """Entries moved from `source` to `conversation` (hub.actions.threading: a move, or a split into a new
    conversation). The entries are as they are after the move."""

    conversation: Conversation
    source: Conversation
    entries: tuple[TimelineEntry, ...]
    actor_id: str | None = None


# --- tasks and notifications ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskCreated(Event):
    task: Task
    actor_id: str | None = None


@dataclass(frozen=True, slots=True)
class TaskUpdated(Event):
    """`changes`: field name -> (old value, new value). `before` is the task as it was (its viewers then)."""

    task: Task
    before: Task
    changes: dict[str, tuple[Any, Any]]
    actor_id: str | None = None


@dataclass(frozen=True, slots=True)
class NotificationCreated(Event):
    """A line was added to a user's notification centre (stored once: a duplicate publishes nothing)."""

    notification: Notification


@dataclass(frozen=True, slots=True)
class NotificationsRead(Event):
    """A user marked notifications read (`ids`; None: all of them), so their other tabs update the bell."""

    user_id: str
    ids: tuple[str, ...] | None
    unread_count: int


@dataclass(frozen=True, slots=True)
class SlaChanged(Event):
    """A conversation's SLA clock changed (started, met, rescheduled, breached): what its JSON's `sla` shows."""

    clock: SlaClock
    conversation: Conversation


@dataclass(frozen=True, slots=True)
class CannedResponseChanged(Event):
    """A canned reply was created, changed or deleted (`change`: created | updated | deleted)."""

    reply: CannedResponse
    change: str
    actor_id: str | None = None


@dataclass(frozen=True, slots=True)
class SavedViewChanged(Event):
    """A saved view was created, changed or deleted (`change`: created | updated | deleted); `before` is the view
    as it was before an update (who saw it then may have lost it)."""

    view: SavedView
    change: str
    actor_id: str | None = None
    before: SavedView | None = None


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None]]


@dataclass
class EventBus:
    _handlers: dict[type[Event], list[Handler]] = field(default_factory=dict)
    _cache: dict[type[Event], list[Handler]] = field(default_factory=dict)

    def subscribe(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self._handlers.setdefault(event_type, []).append(handler)
        self._cache.clear()

    def handlers_for(self, event_type: type[Event]) -> list[Handler]:
        found = self._cache.get(event_type)
        if found is None:
            found = [h for klass in event_type.__mro__ for h in self._handlers.get(klass, ())]
            self._cache[event_type] = found
        return found

    async def publish(self, event: Event) -> None:
        for handler in self.handlers_for(type(event)):
            try:
                await handler(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event subscriber %r failed on %s", handler, type(event).__name__)


@dataclass
class EventRecorder:
    """Collects published events (tests and diagnostics)."""

    events: list[Event] = field(default_factory=list)

    async def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, event_type: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, event_type)]

    def clear(self) -> None:
        self.events.clear()
