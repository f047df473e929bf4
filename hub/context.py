"""The services an action needs, built once by the composition root (hub.app)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from hub.auth import Tokens
from hub.config import Settings
from hub.domain import Handler, utcnow
from hub.events import EventBus
from hub.files import FileStore
from hub.outbound import ChannelRegistry
from hub.store.port import Store


@dataclass
class Hub:
    settings: Settings
    store: Store
    bus: EventBus
    tokens: Tokens
    channels: ChannelRegistry = field(default_factory=ChannelRegistry)
    files: FileStore | None = None
    clock: Callable[[], datetime] = utcnow
    # who answers a new conversation on a channel first: the bots issue makes this `bot` where a flow is set
    initial_handler: Callable[[str], Handler] = lambda channel: Handler.human
