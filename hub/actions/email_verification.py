"""Proving an email address by a one-time code (the web chat's pre-chat form, issue #7 "front door").

A pre-chat email is not proof: typed by anyone, it only becomes a merge suggestion when another client has it.
Where the hub can send mail (`hub.mailer`), the visitor may prove it: `offer_code` mails a 6-digit code to the
address, and `check_code` takes at most MAX_ATTEMPTS tries at it within CODE_TTL; the right one is used once, and
`attach_visitor` then makes the visitor part of the address's client (the merge an agent would do).

The code comes from `secrets`; the store keeps only an HMAC of it (a key of its own from HUB_SECRET_KEY, bound to
the record's id and the address). Tries and use are conditional updates in the store, so neither concurrent
guesses nor several hub processes get more tries. At most CODES_PER_HOUR codes per visitor and per address are
mailed within an hour, counted in the store (every process sees the same count; a code is stored before it is
ranked among them, so concurrent requests never pass the limit).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.access import SYSTEM
from hub.actions.clients import merge_clients
from hub.actions.ingest import link_identity
from hub.context import Hub
from hub.domain import Identity, IdentityKind
from hub.domain_verification import EmailCode
from hub.keys import EMAIL_CODES, derive_key
from hub.mailer import MailerError
from hub.store.port import EmailCodeRepo

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3
WINDOW = timedelta(hours=1)
CODE_DIGITS = 6

_MAIL = {
    "en": (
        "Your chat verification code",
        "Your code to confirm this address in the chat: {code}\n\n"
        "It is valid for 10 minutes. If you did not ask for it, ignore this mail: nothing happens without the code.\n",
    ),
    "ru": (
        "Код подтверждения для чата",
        "Ваш код для подтверждения этого адреса в чате: {code}\n\n"
        "Он действует 10 минут. Если вы его не запрашивали, просто проигнорируйте письмо: без кода ничего не "
        "произойдёт.\n",
    ),
}


@dataclass(frozen=True, slots=True)
class Offer:
    status: str  # "sent" | "rate_limited" | "unavailable"
    to: str = ""  # the masked address (a…@example.com)
    expires_in: int = 0  # seconds


@dataclass(frozen=True, slots=True)
class Check:
    status: str  # "ok" | "wrong" | "too_many" | "expired" | "none" | "invalid"
    attempts_left: int = 0
    address: str = ""


def mask(address: str) -> str:
    """What the visitor is shown of the address: its first character and the domain."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


def _hash(hub: Hub, code_id: str, address: str, code: str) -> str:
    key = derive_key(hub.settings.resolved_secret(), EMAIL_CODES)
    return hmac.new(key, f"{code_id}\n{address}\n{code}".encode(), hashlib.sha256).hexdigest()


async def offer_code(hub: Hub, visitor_id: str, address: str, *, language: str | None = None) -> Offer:
    """Mail a new code for `address` to it (the visitor's earlier codes are void: only the newest counts)."""
    mailer = hub.mailer
    if mailer is None:
        return Offer("unavailable")
    codes = hub.store.email_codes
    now = hub.clock()
    since = now - WINDOW
    await codes.purge(before=since)  # what no limit and no check needs any more
    if await _over_limit(codes, since, visitor_id, address, CODES_PER_HOUR):
        return Offer("rate_limited")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    record = EmailCode(
        visitor_id=visitor_id, address=address, code_hash="", created_at=now, expires_at=now + CODE_TTL
    )
    record.code_hash = _hash(hub, record.id, address, code)
    # stored, then ranked among the window's codes (the same order in every process): of concurrent requests only
    # the first ones within the limit go on. Counted even when the mail fails: a broken server is no way around it.
    await codes.insert(record)
    if await _over_limit(codes, since, visitor_id, address, CODES_PER_HOUR, before=record):
        await codes.delete(record.id)
        return Offer("rate_limited")
    subject, body = _MAIL.get(language or "", _MAIL[hub.settings.language])
    try:
        await mailer.send(address, subject, body.format(code=code))
    except MailerError:
        return Offer("unavailable")
    return Offer("sent", mask(address), int(CODE_TTL.total_seconds()))


async def _over_limit(
    codes: EmailCodeRepo,
    since: datetime,
    visitor_id: str,
    address: str,
    limit: int,
    *,
    before: EmailCode | None = None,
) -> bool:
    return (
        await codes.count_since(since=since, visitor_id=visitor_id, before=before) >= limit
        or await codes.count_since(since=since, address=address, before=before) >= limit
    )


async def check_code(hub: Hub, visitor_id: str, code: str) -> Check:
    """One try at the visitor's newest code; "ok" (with the address) once, for the right code in time."""
    code = "".join(code.split())
    if len(code) != CODE_DIGITS or not code.isdigit():
        return Check("invalid")
    codes = hub.store.email_codes
    record = await codes.latest(visitor_id)
    if record is None or record.used_at is not None:
        return Check("none")
    if record.expires_at <= hub.clock():
        return Check("expired")
    tried = await codes.attempt(record.id, max_attempts=MAX_ATTEMPTS)
    if tried is None:
        return Check("too_many")
    if not hmac.compare_digest(_hash(hub, record.id, record.address, code), record.code_hash):
        left = MAX_ATTEMPTS - tried.attempts
        return Check("wrong" if left else "too_many", attempts_left=left)
    if not await codes.use(record.id, at=hub.clock()):
        return Check("none")  # a concurrent try took it first
    return Check("ok", address=record.address)


async def attach_visitor(hub: Hub, visitor: Identity, address: str) -> str | None:
    """The visitor proved `address`: their client becomes the address's client. The visitor's identity (and, when
    they already wrote, their client's conversations and timeline: `merge_clients`) go to the owner; an address
    nobody has becomes the visitor's. Returns the client the visitor belongs to now (None: no client yet)."""
    email = Identity(kind=IdentityKind.email, value=address)
    owners = await hub.store.identities.owners([email, visitor])
    owner, mine = owners.get(email), owners.get(visitor)
    if owner is None:
        if mine is not None:
            await link_identity(hub, mine, email)
        return mine
    if mine is None:
        return await link_identity(hub, owner, visitor)
    if mine != owner:
        await merge_clients(hub, SYSTEM, keep_id=owner, remove_id=mine)
        log.info("web chat: a visitor proved %s; client %s merged into %s", mask(address), mine, owner)
    return owner
