"""The one type every connector hands to the hub."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from hub.domain import Attachment, EntryKind, Identity, utcnow

_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")


def language_code(value: object) -> str | None:
    """The primary language of a BCP 47 tag, lower case ("ru-RU" → "ru"); None for anything else."""
    if not isinstance(value, str):
        return None
    match = _LANGUAGE.match(value.strip())
    return match[1].lower() if match else None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A normalized inbound message: what a customer sent, through which channel, from whom.

    `provider_message_id` is unique per channel (a Telegram update, an email Message-ID, a call id, a web chat
    client message id): the hub stores a message once however often it is delivered.
    `thread_key` groups messages into a conversation within a channel (a chat id, an email thread root, a visitor).
    `identities` are already normalized (see `hub.identities.make_identity`); the first is the most specific.
    """

    channel: str
    provider_message_id: str
    thread_key: str
    identities: tuple[Identity, ...]
    display_name: str = ""
    text: str = ""
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    kind: EntryKind = EntryKind.message
    occurred_at: datetime = field(default_factory=utcnow)
    subject: str = ""
    # the id of a bot button the customer pressed (a Telegram callback query, a web chat button), else None
    button_id: str | None = None
    # the department a NEW conversation starts in, when the connector knows it (the number or mailbox it came to):
    # its first push then reaches that department only, never everyone first
    department_id: str | None = None
    # the language the customer's side shows or speaks ("ru", "en": the web chat widget's, Telegram's
    # language_code), when the connector knows it: stored in the entry's meta["language"], where bots read it
    language: str | None = None
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not self.channel:
            raise ValueError("channel is required")
        if not self.provider_message_id:
            raise ValueError("provider_message_id is required")
        if not self.identities:
            raise ValueError("an inbound message needs at least one sender identity")
        if not isinstance(self.identities, tuple):
            object.__setattr__(self, "identities", tuple(self.identities))
        if not isinstance(self.attachments, tuple):
            object.__setattr__(self, "attachments", tuple(self.attachments))
        object.__setattr__(self, "language", language_code(self.language))
        if not isinstance(self.raw, MappingProxyType):
            object.__setattr__(self, "raw", MappingProxyType(dict(self.raw)))
