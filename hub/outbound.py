"""Outgoing messages: the port connectors implement to send, and the registry the hub finds them in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from hub.domain import Client, Conversation, TimelineEntry


class Button(BaseModel):
    """A bot button. Connectors render it (Telegram inline keyboard, web chat button); pressing it comes back as an
    InboundMessage with `button_id` = id and text = the button's text."""

    model_config = ConfigDict(frozen=True)
    id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=100)


BUTTONS_META_KEY = "buttons"


def buttons_meta(rows: list[list[Button]]) -> dict[str, Any]:
    """The entry meta that carries button rows (what the bot engine sets on its replies)."""
    return {BUTTONS_META_KEY: [[b.model_dump() for b in row] for row in rows]}


def buttons_of(entry: TimelineEntry) -> list[list[Button]]:
    """Rows of buttons attached to an outgoing entry (empty when none)."""
    rows = entry.meta.get(BUTTONS_META_KEY) or []
    return [[Button.model_validate(b) for b in row] for row in rows]


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """What a connector gets to send: the stored outgoing entry, its conversation and client."""

    entry: TimelineEntry
    conversation: Conversation
    client: Client


class DeliveryError(Exception):
    """A send that did not work. `permanent` failures are not retried (a user who blocked the bot, a bad address);
    others are retried with backoff, no sooner than `retry_after` seconds when the provider said so.
    `code` + `params`: the failure as the inbox shows it in the reader's language (static/i18n.json
    "delivery.error.<code>", with {param} placeholders; a provider's own words go in "detail"); `reason` is the
    English text."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        code: str = "error",
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.code = code
        self.params = params if params is not None else {"detail": reason}


@dataclass(frozen=True, slots=True)
class ReplyProblem:
    """Why a conversation's channel cannot carry a reply now, before anyone types one: `code` + `params` for the
    reader's language (static/i18n.json "reply.problem.<code>", which also says how to connect it), `text` the
    English for API clients."""

    code: str
    params: dict[str, str]
    text: str

    def json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "text": self.text}


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

    def can_send_text(self, channel: str) -> bool:
        """False when the channel's sender says it carries no text (`sends_text = False`: the phone channel, whose
        conversations are calls). A channel with no sender registered is not refused here."""
        sender = self._senders.get(channel)
        return sender is None or bool(getattr(sender, "sends_text", True))

    def reply_problem(self, conversation: Conversation) -> ReplyProblem | None:
        """None when a text reply in the conversation can go out; else why not: no connector sends on its channel
        (nothing registered it: not configured), or the channel's sender says so (`reply_problem` on the sender:
        a Telegram conversation whose bot is not configured)."""
        sender = self._senders.get(conversation.channel)
        if sender is None:
            channel = conversation.channel
            return ReplyProblem(
                "not_connected",
                {"channel": channel},
                f"The {channel} channel is not connected: no reply can be sent on it. An admin connects it in "
                "the hub's settings (README: Channels; Admin → Channels shows what is configured).",
            )
        ask = getattr(sender, "reply_problem", None)
        return ask(conversation) if ask is not None else None

    @property
    def channels(self) -> list[str]:
        return sorted(self._senders)

    def split_thread_key(self, conversation: Conversation, new_id: str) -> str:
        """The thread key of a conversation split off `conversation`: the channel's own (`split_thread_key` on its
        sender: the email connector gives it a new [#ref]), else "<thread_key>#split:<new id>"."""
        sender = self._senders.get(conversation.channel)
        make = getattr(sender, "split_thread_key", None)
        if make is not None:
            return str(make(conversation, new_id))
        return f"{conversation.thread_key}#split:{new_id}"

    def thread_opener(self, channel: str) -> ThreadOpener | None:
        """The sender of `channel` when it can start a conversation itself (an email to a client), else None."""
        sender = self._senders.get(channel)
        return sender if isinstance(sender, ThreadOpener) else None


@dataclass(frozen=True, slots=True)
class NewThread:
    """What a channel says about a conversation the hub starts: its thread key, the address it goes to, and what
    the outgoing entry's meta carries for the sender (the subject, the mailbox); `department`: the name of the
    department the conversation starts in (the mailbox's setting, as for its inbound mail; None: unrouted)."""

    thread_key: str
    address: str
    meta: dict[str, Any]
    department: str | None = None


@runtime_checkable
class ThreadOpener(Protocol):
    """A sender that can start a conversation (not a reply): `open_thread` checks the options (hub.errors.Invalid
    for a wrong one) and names the new thread."""

    channel: str

    def open_thread(self, client: Client, options: dict[str, Any]) -> NewThread: ...
