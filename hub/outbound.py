"""Outgoing messages: the port connectors implement to send, and the registry the hub finds them in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.domain import Client, Conversation, TimelineEntry


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """What a connector gets to send: the stored outgoing entry, its conversation and client."""

    entry: TimelineEntry
    conversation: Conversation
    client: Client


class DeliveryError(Exception):
    """A send that did not work. `permanent` failures are not retried (a user who blocked the bot, a bad address);
    others are retried with backoff, no sooner than `retry_after` seconds when the provider said so."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class ChannelSender(Protocol):
    channel: str

    async def send(self, message: OutboundMessage) -> str | None:
        """Send the entry; return the provider's message id (or None). Raise DeliveryError when it fails."""


class ChannelRegistry:
    def __init__(self) -> None:
        self._senders: dict[str, ChannelSender] = {}

    def register(self, sender: ChannelSender) -> None:
        if sender.channel in self._senders:
            raise ValueError(f"a sender for channel {sender.channel!r} is registered already")
        self._senders[sender.channel] = sender

    def get(self, channel: str) -> ChannelSender | None:
        return self._senders.get(channel)

    @property
    def channels(self) -> list[str]:
        return sorted(self._senders)
