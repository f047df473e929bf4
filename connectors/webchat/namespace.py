"""The /widget namespace: the visitors' sockets. See connectors/webchat/__init__.py for the event contract."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any
from urllib.parse import urlsplit

import socketio

from hub.actions import email_verification
from hub.actions.clients import update_client
from hub.actions.ingest import ingest, link_identity
from hub.context import Hub
from hub.domain import Author, AuthorType, Identity, IdentityKind
from hub.errors import NotFound
from hub.events import Typing
from hub.identities import InvalidIdentity, make_identity
from hub.inbound import InboundMessage, language_code
from hub.queries import clients as client_queries
from hub.queries import conversations as conversation_queries
from hub.throttle import TrustedProxies

from .limits import RateLimiter
from .visitors import (
    CHANNEL,
    WIDGET_NS,
    Visitor,
    VisitorTokens,
    client_of_visitor,
    conversations_of_visitor,
    new_visitor,
    visitor_entry_json,
    visitor_room,
)

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_NAME = 200
MAX_PAGE_URL = 500
HISTORY_DEFAULT = 100
HISTORY_MAX = 200
# a visitor's "typing on" reaches the agents at most this often (the page repeats it while typing goes on)
TYPING_INTERVAL = 1.5
_CLIENT_MSG_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# a JSON escape like "\ud800" decodes to a lone UTF-16 surrogate (a page that cut an emoji in half): no store can
# keep it, so it becomes U+FFFD
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
NEW_VISITOR_REFUSED = "rate_limited: too many new chats from this address, try again later"
# the pre-chat answer waits this long for the code's mail to go out (the widget gives up on an answer after 10 s);
# a slower SMTP server gets the mail later all the same, and the answer says "sent"
CODE_MAIL_WAIT = 5.0


def _text(value: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", value)


def peer_address(environ: dict[str, Any], proxies: TrustedProxies) -> str:
    """The visitor's address: the peer of the HTTP request (or what a trusted proxy says it is)."""
    request = environ.get("aiohttp.request")
    peer = getattr(request, "remote", None) or environ.get("REMOTE_ADDR")
    return proxies.client(peer, environ.get("HTTP_X_FORWARDED_FOR"))


def allowed_origins(hub: Hub) -> set[str]:
    return {o.rstrip("/") for o in hub.settings.widget_origins}


def origin_allowed(allowed: set[str], public_url: str, origin: str | None, host: str) -> bool:
    """Whether a socket from a page on `origin` may connect: any origin when the list is empty (or has "*"),
    else the listed ones, the hub's own public URL and same-origin pages (the demo site)."""
    if not origin or not allowed or "*" in allowed:
        return True
    origin = origin.rstrip("/")
    if origin in allowed:
        return True
    if public_url:
        parts = urlsplit(public_url)
        if origin == f"{parts.scheme}://{parts.netloc}":
            return True
    return bool(host) and urlsplit(origin).netloc == host


_CHECK_ERRORS = {
    "invalid": ("invalid", "the code is 6 digits"),
    "wrong": ("wrong_code", "this is not the code"),
    "too_many": ("too_many_attempts", "too many wrong codes: ask for a new one"),
    "expired": ("expired", "the code has expired: ask for a new one"),
    "none": ("no_code", "no code is waiting: ask for one"),
}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "code": code, "error": message}


class WidgetNamespace(socketio.AsyncNamespace):
    def __init__(
        self,
        hub: Hub,
        tokens: VisitorTokens,
        *,
        messages: RateLimiter | None = None,
        reads: RateLimiter | None = None,
        new_visitors: RateLimiter | None = None,
    ) -> None:
        super().__init__(WIDGET_NS)
        self.hub = hub
        self.tokens = tokens
        self.messages = messages or RateLimiter(10, 10.0)
        self.reads = reads or RateLimiter(10, 10.0)
        settings = hub.settings
        # each new visitor can become a client: per address, a token bucket (returning visitors are not counted)
        self.new_visitors = new_visitors or RateLimiter(
            settings.widget_new_visitors_per_address, float(settings.widget_new_visitors_window_seconds)
        )
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self._origins = allowed_origins(hub)
        self._mailing: set[asyncio.Task[Any]] = set()  # codes' mails still on their way after the answer

    # --- connection ---------------------------------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if not origin_allowed(
            self._origins,
            self.hub.settings.public_url,
            environ.get("HTTP_ORIGIN"),
            environ.get("HTTP_HOST", ""),
        ):
            raise socketio.exceptions.ConnectionRefusedError("origin not allowed")
        token = auth.get("visitor_token") if isinstance(auth, dict) else None
        if token:
            visitor = self.tokens.verify(token)
            if visitor is None:
                raise socketio.exceptions.ConnectionRefusedError("invalid visitor token")
        else:
            address = peer_address(environ, self.proxies)
            if not self.new_visitors.allow(address):
                log.info("web chat: refused a new visitor from %s (too many new visitors)", address)
                raise socketio.exceptions.ConnectionRefusedError(
                    NEW_VISITOR_REFUSED, {"code": "rate_limited"}
                )
            visitor = new_visitor()
        # the language the widget shows (auth "lang"; each message may say it again): the bot answers in it
        lang = language_code(auth.get("lang")) if isinstance(auth, dict) else None
        await self.save_session(
            sid, {"visitor": visitor, "conversation_id": None, "typing_at": 0.0, "lang": lang}
        )
        await self.enter_room(sid, visitor_room(visitor.id))
        # emitted before the CONNECT packet: socket.io clients (JS and Python) deliver it once connected
        await self._send_session(sid, visitor)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        if session.get("typing_at"):
            await self._publish_typing(session, False)

    async def _send_session(self, sid: str, visitor: Visitor) -> None:
        await self.emit(
            "session", {"visitor_token": self.tokens.issue(visitor), "visitor_id": visitor.id}, to=sid
        )

    # --- events ---------------------------------------------------------------------------------------------------

    async def on_history(self, sid: str, data: Any = None) -> dict[str, Any]:
        """{"limit"?} → {"ok", "items": the visitor's customer-visible entries, oldest first}."""
        session = await self.get_session(sid)
        visitor: Visitor = session["visitor"]
        if not self.reads.allow(visitor.id):
            return _error("rate_limited", "slow down")
        limit = data.get("limit") if isinstance(data, dict) else None
        limit = limit if isinstance(limit, int) and 1 <= limit <= HISTORY_MAX else HISTORY_DEFAULT
        entries = []
        for conversation in await conversations_of_visitor(self.hub, visitor):
            entries += await conversation_queries.customer_history(self.hub, conversation.id, limit=limit)
        visible = sorted(entries, key=lambda e: (e.occurred_at, e.id))
        return {"ok": True, "items": [visitor_entry_json(e) for e in visible[-limit:]]}

    async def on_links(self, sid: str, data: Any = None) -> dict[str, Any]:
        """→ {"ok", "items": [{"channel", "title", "url"}]}: where the visitor's client can continue the chat
        (empty until the visitor has a client, i.e. wrote a message)."""
        session = await self.get_session(sid)
        visitor: Visitor = session["visitor"]
        if not self.reads.allow(visitor.id):
            return _error("rate_limited", "slow down")
        client_id = await client_of_visitor(self.hub, visitor) if self.hub.continue_links else None
        if client_id is None:
            return {"ok": True, "items": []}
        items = [
            {"channel": p.channel, "title": p.title, "url": p.url_for(client_id)}
            for p in self.hub.continue_links
        ]
        return {"ok": True, "items": items}

    async def on_prechat(self, sid: str, data: Any = None) -> dict[str, Any]:
        """{"name"?, "email"?, "lang"?} → {"ok", "verification"?}: who the visitor says they are. The email is not
        proof: it is claimed for the visitor's own client when nobody has it, else an agent is asked to merge
        (never a silent join). Where the hub sends mail, a code is mailed to the address too — whether a client
        has it or not, so the answer tells nothing about it — and `verify_email` with it proves it."""
        if not isinstance(data, dict):
            return _error("invalid", "send {name, email}")
        name, email = data.get("name") or "", data.get("email") or ""
        if not isinstance(name, str) or not isinstance(email, str):
            return _error("invalid", "name and email must be text")
        name, email = _text(" ".join(name.split())), _text(email)
        if len(name) > MAX_NAME:
            return _error("invalid", f"the name is longer than {MAX_NAME} characters")
        identity: Identity | None = None
        if email.strip():
            try:
                identity = make_identity(IdentityKind.email, email)
            except InvalidIdentity:
                return _error("invalid_email", "this does not look like an email address")
        if not name and identity is None:
            return _error("invalid", "give a name or an email")
        session = await self.get_session(sid)
        visitor: Visitor = session["visitor"]
        if not self.messages.allow(visitor.id):
            return _error("rate_limited", "slow down")
        client_id = await client_of_visitor(self.hub, visitor)
        if client_id is None:
            # no client yet: the first message brings the email along (kept in the token across reconnects)
            updated = Visitor(visitor.id, name or visitor.name, identity.value if identity else visitor.email)
        else:
            updated = Visitor(visitor.id, name or visitor.name)
            if identity is not None:
                await link_identity(self.hub, client_id, identity)
            client = await client_queries.find(self.hub, client_id) if name else None
            if client is not None and not client.name:
                try:
                    await update_client(self.hub, None, client_id, name=name)
                except NotFound:
                    pass
        if updated != visitor:
            async with self.session(sid) as s:
                s["visitor"] = updated
            await self._send_session(sid, updated)
        if identity is None or self.hub.mailer is None:
            return {"ok": True}
        owner = await client_queries.owner_of(self.hub, identity)
        if owner is not None and owner == client_id:
            return {"ok": True}  # the visitor's own address already: nothing to prove
        lang = language_code(data.get("lang")) or session.get("lang")
        offer = await self._offer_code(visitor.id, identity.value, lang)
        if offer.status != "sent":
            return {"ok": True, "verification": {"sent": False, "code": offer.status}}
        return {"ok": True, "verification": {"sent": True, "to": offer.to, "expires_in": offer.expires_in}}

    async def _offer_code(self, visitor_id: str, address: str, lang: str | None) -> email_verification.Offer:
        task = asyncio.ensure_future(
            email_verification.offer_code(self.hub, visitor_id, address, language=lang)
        )
        self._mailing.add(task)
        task.add_done_callback(self._mailed)
        try:
            return await asyncio.wait_for(asyncio.shield(task), CODE_MAIL_WAIT)
        except TimeoutError:
            return email_verification.Offer(
                "sent", email_verification.mask(address), int(email_verification.CODE_TTL.total_seconds())
            )
        except Exception:
            return email_verification.Offer("unavailable")  # logged by _mailed

    def _mailed(self, task: asyncio.Task[Any]) -> None:
        self._mailing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("web chat: an email code could not be offered", exc_info=task.exception())

    async def on_verify_email(self, sid: str, data: Any = None) -> dict[str, Any]:
        """{"code"} → {"ok": true} | {"ok": false, "code", "error", "attempts_left"?}: the code mailed after the
        pre-chat form. The right one makes the visitor part of the address's client (their chat goes on there)."""
        code = data.get("code") if isinstance(data, dict) else None
        if not isinstance(code, str) or len(code) > 20:
            return _error("invalid", "send {code}")
        session = await self.get_session(sid)
        visitor: Visitor = session["visitor"]
        if not self.messages.allow(visitor.id):
            return _error("rate_limited", "slow down")
        check = await email_verification.check_code(self.hub, visitor.id, code)
        if check.status != "ok":
            error = _error(*_CHECK_ERRORS[check.status])
            if check.status == "wrong":
                error["attempts_left"] = check.attempts_left
            return error
        try:
            client_id = await email_verification.attach_visitor(self.hub, visitor.identity, check.address)
        except Exception:
            log.exception("web chat: visitor %s proved an email but could not be attached", visitor.id)
            return _error("unavailable", "not done, try again later")
        if client_id is not None:
            # attached: the first message need not claim the email
            async with self.session(sid) as s:
                s["visitor"] = updated = s["visitor"].without_email()
            await self._send_session(sid, updated)
        return {"ok": True}

    async def on_message(self, sid: str, data: Any = None) -> dict[str, Any]:
        """{"text", "client_msg_id", "button_id"?, "page"?, "lang"?} → {"ok", "entry_id", "duplicate"} or an
        error."""
        if not isinstance(data, dict):
            return _error("invalid", "send {text, client_msg_id}")
        text, client_msg_id = data.get("text"), data.get("client_msg_id")
        button_id, page = data.get("button_id"), data.get("page")
        if not isinstance(client_msg_id, str) or not _CLIENT_MSG_ID.match(client_msg_id):
            return _error("invalid", "client_msg_id: 1 to 64 letters, digits, - or _")
        if not isinstance(text, str) or not text.strip():
            return _error("empty", "the message is empty")
        text = _text(text.strip())
        if len(text) > MAX_TEXT:
            return _error("too_long", f"the message is longer than {MAX_TEXT} characters")
        if button_id is not None and (not isinstance(button_id, str) or not 1 <= len(button_id) <= 64):
            return _error("invalid", "button_id: 1 to 64 characters")
        session = await self.get_session(sid)
        visitor: Visitor = session["visitor"]
        if not self.messages.allow(visitor.id):
            return _error("rate_limited", "slow down")
        raw = {"page": _text(page[:MAX_PAGE_URL])} if isinstance(page, str) and page else {}
        message = InboundMessage(
            channel=CHANNEL,
            provider_message_id=f"{visitor.id}:{client_msg_id}",
            thread_key=visitor.id,
            # the visitor alone decides the client: a pre-chat email is only claimed afterwards (see below)
            identities=(visitor.identity,),
            display_name=visitor.name,
            text=text,
            button_id=button_id,
            language=language_code(data.get("lang")) or session.get("lang"),
            raw=raw,
        )
        try:
            result = await ingest(self.hub, message)
        except Exception:
            # the store is unreachable or similar: the page keeps the message queued and tries again
            log.exception("web chat message %s could not be stored", message.provider_message_id)
            return _error("unavailable", "not stored, try again later")
        entry = result.entry
        if visitor.email:
            await self._claim_email(entry.client_id, visitor.email)
        was_typing = bool(session["typing_at"])
        session["conversation_id"] = entry.conversation_id
        session["typing_at"] = 0.0
        if visitor.email:
            # attached to the client now: later messages and tokens need not carry it
            session["visitor"] = visitor.without_email()
        await self.save_session(sid, session)
        if was_typing:
            await self._publish_typing(session, False)
        if visitor.email:
            await self._send_session(sid, session["visitor"])
        if not result.duplicate:
            # the visitor's other tabs show it too
            await self.emit("message", visitor_entry_json(entry), room=visitor_room(visitor.id), skip_sid=sid)
        return {"ok": True, "entry_id": entry.id, "duplicate": result.duplicate}

    async def _claim_email(self, client_id: str, email: str) -> None:
        """The pre-chat email of a visitor who now has a client: theirs when nobody has it, else a merge suggestion
        for an agent (whoever types someone's email is not attached to that person's client)."""
        try:
            await link_identity(self.hub, client_id, Identity(kind=IdentityKind.email, value=email))
        except ValueError:
            log.info("web chat: client %s is gone, its pre-chat email is not kept", client_id)
        except Exception:
            log.exception("web chat: the pre-chat email of client %s could not be kept", client_id)

    async def on_typing(self, sid: str, data: Any = None) -> None:
        """{"on": bool}: the visitor types (no ack). Repeated "on" is throttled."""
        on = bool(data.get("on", True)) if isinstance(data, dict) else True
        session = await self.get_session(sid)
        now = time.monotonic()
        if on:
            if now - session["typing_at"] < TYPING_INTERVAL:
                return
            session["typing_at"] = now
        else:
            if not session["typing_at"]:
                return
            session["typing_at"] = 0.0
        if session["conversation_id"] is None:
            # looked up at most once per TYPING_INTERVAL, however fast the page repeats itself
            found = await conversations_of_visitor(self.hub, session["visitor"])
            current = [c for c in found if c.thread_key == session["visitor"].id]
            if not current:
                return  # no conversation yet: nobody to tell
            session["conversation_id"] = current[0].id
        await self.save_session(sid, session)
        await self._publish_typing(session, on)

    async def _publish_typing(self, session: dict[str, Any], on: bool) -> None:
        conversation_id = session.get("conversation_id")
        if not conversation_id:
            return
        visitor: Visitor = session["visitor"]
        conversation = await conversation_queries.find(self.hub, conversation_id)
        if conversation is None:
            return
        author = Author(type=AuthorType.client, id=conversation.client_id, name=visitor.name)
        await self.hub.bus.publish(Typing(conversation.id, author, on))
