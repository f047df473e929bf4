"""Visitors of the web chat: who they are (a signed token the page keeps), how their entries look to them, and
where their conversation is.

A visitor is known by a random id. The page keeps a token signed with a key derived from the hub's secret for this
purpose alone (hub.keys) that names the visitor and, until their first message creates a client, what they told the pre-chat form.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from hub.context import Hub
from hub.domain import Conversation, Direction, Identity, IdentityKind, TimelineEntry
from hub.inbound import language_code
from hub.keys import WEBCHAT_VISITORS, derive_secret
from hub.outbound import buttons_of
from hub.queries import clients as client_queries
from hub.queries import conversations as conversation_queries

CHANNEL = "webchat"
WIDGET_NS = "/widget"
TOKEN_SALT = "hub.webchat.visitor"
# a visitor who comes back within this time keeps their history (each connection renews the token)
TOKEN_MAX_AGE = 400 * 24 * 3600
_VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MERGED = "#merged:"
_SPLIT = "#split:"  # hub.outbound.ChannelRegistry.split_thread_key


@dataclass(frozen=True, slots=True)
class Visitor:
    id: str
    # from the pre-chat form: the name signs the visitor's messages; the email is kept until the first message
    # creates the visitor's client, then claimed for it (or suggested as a merge: it is not proof of anything)
    name: str = ""
    email: str = ""

    @property
    def identity(self) -> Identity:
        return Identity(kind=IdentityKind.webchat, value=self.id)

    def without_email(self) -> Visitor:
        return replace(self, email="")


def new_visitor() -> Visitor:
    return Visitor(id="v" + secrets.token_hex(12))


class VisitorTokens:
    def __init__(self, secret: str, max_age: int = TOKEN_MAX_AGE) -> None:
        # a key of its own, derived from the hub's secret: a visitor token is never valid as anything else
        self._signer = URLSafeTimedSerializer(derive_secret(secret, WEBCHAT_VISITORS), salt=TOKEN_SALT)
        self.max_age = max_age

    def issue(self, visitor: Visitor) -> str:
        data: dict[str, str] = {"v": visitor.id}
        if visitor.name:
            data["n"] = visitor.name
        if visitor.email:
            data["e"] = visitor.email
        return self._signer.dumps(data)

    def verify(self, token: str) -> Visitor | None:
        """The visitor the token was issued for; None when it is forged, foreign, expired or malformed."""
        if not isinstance(token, str) or not token or len(token) > 2000:
            return None
        try:
            data = self._signer.loads(token, max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(data, dict):
            return None
        visitor_id, name, email = data.get("v"), data.get("n", ""), data.get("e", "")
        if not isinstance(visitor_id, str) or not _VISITOR_ID.match(visitor_id):
            return None
        if not isinstance(name, str) or not isinstance(email, str):
            return None
        return Visitor(visitor_id, name[:200], email[:254])


def visitor_room(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


def visitor_of_thread(thread_key: str) -> str:
    """The visitor of a web chat conversation (a merge or a split may have suffixed its thread key)."""
    return thread_key.split(_MERGED, 1)[0].split(_SPLIT, 1)[0]


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def visitor_entry_json(entry: TimelineEntry) -> dict[str, Any]:
    """What a visitor sees of an entry: no client, user or conversation ids, no meta, no delivery state; "lang":
    the language a reply is in when its author said (the bot: the language it speaks now, which the widget's
    labels follow), else null."""
    client_msg_id = None
    lang = None
    if entry.direction is Direction.inbound and entry.provider_id and ":" in entry.provider_id:
        client_msg_id = entry.provider_id.split(":", 1)[1]
    if entry.direction is Direction.outbound:
        lang = language_code(entry.meta.get("language"))
    return {
        "id": entry.id,
        "text": entry.text,
        "author": {"type": entry.author.type.value, "name": entry.author.name},
        "occurred_at": _iso(entry.occurred_at),
        "buttons": [[b.model_dump() for b in row] for row in buttons_of(entry)],
        "client_msg_id": client_msg_id,
        "lang": lang,
    }


async def client_of_visitor(hub: Hub, visitor: Visitor) -> str | None:
    return await client_queries.owner_of(hub, visitor.identity)


async def conversations_of_visitor(hub: Hub, visitor: Visitor) -> list[Conversation]:
    """The visitor's own web chat conversations (never the client's other channels: a pre-chat email is not
    proof of who someone is, so a visitor sees only what was said in their own chat)."""
    client_id = await client_of_visitor(hub, visitor)
    if client_id is None:
        return []
    found = await conversation_queries.of_client(hub, client_id, limit=200)
    return [c for c in found if c.channel == CHANNEL and visitor_of_thread(c.thread_key) == visitor.id]
