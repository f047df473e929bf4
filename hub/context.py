"""The services an action needs, built once by the composition root (hub.app)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.auth import Tokens
from hub.config import Settings
from hub.directory import Directory
from hub.domain import Handler, utcnow
from hub.domain_bots import BotFlowSummary
from hub.events import EventBus
from hub.files import FileStore
from hub.links import ContinueLinkProvider
from hub.mailer import Mailer
from hub.outbound import ChannelRegistry
from hub.settling import SettleQueue
from hub.store.port import Store


class RecentIds:
    """A bounded set of ids (least recently added fall out): cheap memory for "already checked" facts."""

    def __init__(self, size: int = 50_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, item: str) -> bool:
        return item in self._ids

    def add(self, item: str) -> None:
        self._ids[item] = None
        self._ids.move_to_end(item)
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)


@dataclass
class Hub:
    settings: Settings
    store: Store
    bus: EventBus
    tokens: Tokens
    channels: ChannelRegistry = field(default_factory=ChannelRegistry)
    # "continue in <channel>" links the web chat offers its visitors (registered by connectors at start-up)
    continue_links: list[ContinueLinkProvider] = field(default_factory=list)
    files: FileStore | None = None
    # clients known to have a name: ingest skips the "fill an empty name" update for them
    named_clients: RecentIds = field(default_factory=RecentIds)
    clock: Callable[[], datetime] = utcnow
    # the ingest's settle writes, made together after the answers (hub.settling)
    settles: SettleQueue = field(default_factory=SettleQueue)
    # active users, cached per process (recipients of pushes are picked from it at emit time)
    directory: Directory = field(default_factory=Directory)
    # who answers a new conversation on a channel first: the bots issue makes this `bot` where a flow is set
    initial_handler: Callable[[str], Handler] = lambda channel: Handler.human
    # what ingest calls once an inbound message is stored and announced: (hub, message, conversation, entry,
    # created) -> the conversation after it, or None (the routing rules install it; None: nothing runs)
    after_inbound: Callable[..., Awaitable[Any]] | None = None
    # the routing rules' holder (hub.actions.routing.Router), set by the composition root
    router: Any = None
    # click-to-call: the hub.dialing.Dialer a telephony connector installs (None: calls cannot be placed)
    dialer: Any = None
    # the SLA policies (hub.sla.SlaConfig), set by the composition root; None or no policies: no SLA clocks
    sla: Any = None
    # the bot flows this hub runs, as summaries (the composition root fills it from bots.install; hub/ never
    # imports bots/): what GET /api/v1/bots lists
    bot_flows: list[BotFlowSummary] = field(default_factory=list)
    # mail the hub sends on its own (web chat email codes): the first mailbox's SMTP, set by the composition root
    # when a mailbox is configured; None: no such mail (a pre-chat email stays a merge suggestion)
    mailer: Mailer | None = None
