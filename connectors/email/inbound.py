"""One fetched mail → the timeline: parse (in a thread), link a bounce to the hub's mail it reports on, thread
(In-Reply-To / References → the hub's [#ref] token → sender + subject within a window → a new conversation; never
two senders by subject), then `hub.actions.ingest`. Reads go through hub.queries.email only."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from datetime import timedelta

from connectors.email.config import MailboxConfig
from connectors.email.parse import ParsedMail, normalize_subject, parse_mail, subject_ref
from hub.access import SYSTEM
from hub.actions.email import record_bounce
from hub.actions.ingest import ingest
from hub.context import Hub
from hub.domain import Attachment, Direction, EntryKind, IdentityKind
from hub.files import FileStore
from hub.identities import InvalidIdentity, make_identity
from hub.inbound import InboundMessage
from hub.queries import email as mail_queries
from hub.queries import staff as staff_queries

log = logging.getLogger(__name__)
CHANNEL = "email"
UNKNOWN_SENDER = "unknown-sender@invalid.invalid"

TEXTS = {
    "unreadable": {
        "en": "This mail could not be read ({error}). The original is attached as original.eml.",
        "ru": "Не удалось прочитать это письмо ({error}). Оригинал приложен как original.eml.",
    },
    "too_large": {
        "en": "Attachment {name} ({size} bytes) is over the size limit and was not kept.",
        "ru": "Вложение {name} ({size} байт) больше допустимого размера и не сохранено.",
    },
    "bounce": {
        "en": "Delivery report: {action} {status} for {recipient}. {diagnostic}",
        "ru": "Отчёт о доставке: {action} {status} для {recipient}. {diagnostic}",
    },
}


def text(hub: Hub, key: str, **values: object) -> str:
    return TEXTS[key].get(hub.settings.language, TEXTS[key]["en"]).format(**values)


def ref_of(message_id: str) -> str:
    """The thread token of a conversation that starts with this mail: 10 base32 letters (shown as [#ref])."""
    digest = hashlib.sha256(message_id.encode("utf-8", "replace")).digest()
    return base64.b32encode(digest).decode()[:10].lower()


def thread_key(box: MailboxConfig, ref: str) -> str:
    return f"{box.name}/{ref}"


def mailbox_of(key: str) -> str:
    return key.split("/", 1)[0]


def ref_in(key: str) -> str | None:
    """The [#ref] token of an email thread key ("<mailbox>/<ref>", also after a merge "...#merged:<id>")."""
    if "/" not in key:
        return None
    return key.split("/", 1)[1].split("#", 1)[0] or None


async def resolve_thread(hub: Hub, box: MailboxConfig, mail: ParsedMail, client_id: str | None) -> str:
    # 1. the mails it answers: the customer's own or the hub's (their Message-IDs are stored)
    for message_id in [*mail.in_reply_to, *reversed(mail.references)][:40]:
        entry = await mail_queries.entry_by_message_id(hub, message_id)
        if entry is not None and entry.conversation_id:
            conversation = await mail_queries.conversation(hub, entry.conversation_id)
            if conversation is not None:
                return conversation.thread_key
    # 2. the token the hub puts in its replies: [#ref] in the subject, support+ref@ in the address
    ref = subject_ref(mail.subject) or _plus_ref(box, mail.to)
    if ref:
        return thread_key(box, ref)
    # 3. the same sender, the same subject, within the window (only this sender's own conversations)
    subject = normalize_subject(mail.subject)
    if client_id is not None and subject and box.subject_window_days > 0:
        since = hub.clock() - timedelta(days=box.subject_window_days)
        for conversation in await mail_queries.email_conversations(hub, client_id):
            last = conversation.last_message_at or conversation.created_at
            if last >= since and normalize_subject(conversation.subject) == subject:
                return conversation.thread_key
    # 4. a new conversation
    return thread_key(box, ref_of(mail.message_id))


def _plus_ref(box: MailboxConfig, recipients: list[str]) -> str | None:
    local, domain = box.address.split("@", 1)
    for address in recipients:
        if address.endswith("@" + domain) and address.startswith(local + "+"):
            token = address[len(local) + 1 :].split("@", 1)[0]
            if len(token) == 10 and token.isalnum():
                return token.lower()
    return None


async def _attachments(hub: Hub, mail: ParsedMail) -> tuple[list[Attachment], list[str]]:
    found: list[Attachment] = []
    notes: list[str] = []
    for part in mail.parts:
        url = None
        if part.data is not None and hub.files is not None:
            try:
                url = FileStore.url(await hub.files.put(part.data, name=part.name))
            except (OSError, ValueError) as exc:
                log.warning("could not keep attachment %s of %s: %s", part.name, mail.message_id, exc)
        if url is None:
            notes.append(text(hub, "too_large", name=part.name, size=part.size))
        found.append(Attachment(name=part.name, content_type=part.content_type, size=part.size, url=url))
    return found, notes


async def department_of(hub: Hub, box: MailboxConfig) -> str | None:
    """The department the mailbox's `department` names: a new conversation of its mail starts there (None:
    unrouted, also when the name is no department, which the log says)."""
    if not box.department:
        return None
    department = await staff_queries.department_by_name(hub, SYSTEM, box.department)
    if department is None:
        log.warning("mailbox %s: department %r does not exist", box.name, box.department)
        return None
    return department.id


async def take(hub: Hub, box: MailboxConfig, raw: bytes) -> str:
    """Store one mail; returns "stored", "duplicate" or "bounce". Raises only when the store fails (the worker
    then does not count the mail as taken and fetches it again)."""
    mail = await asyncio.to_thread(parse_mail, raw, max_file_bytes=hub.settings.max_file_bytes)
    if mail.bounce is not None and mail.bounce.original_message_id:
        original = await mail_queries.entry_by_message_id(hub, mail.bounce.original_message_id)
        if original is not None and original.direction is Direction.outbound:
            b = mail.bounce
            _entry, created = await record_bounce(
                hub,
                original,
                provider_message_id=mail.message_id,
                status=b.status,
                action=b.action,
                diagnostic=b.diagnostic,
                recipient=b.recipient,
                text=text(
                    hub,
                    "bounce",
                    action=b.action,
                    status=b.status,
                    recipient=b.recipient,
                    diagnostic=b.diagnostic,
                ),
            )
            return "bounce" if created else "duplicate"
    try:
        identity = make_identity(IdentityKind.email, mail.from_addr or UNKNOWN_SENDER)
    except InvalidIdentity:
        identity = make_identity(IdentityKind.email, UNKNOWN_SENDER)
    client_id = await mail_queries.owner_of(hub, identity)
    key = await resolve_thread(hub, box, mail, client_id)
    attachments, notes = await _attachments(hub, mail)
    body = mail.text
    if mail.parse_error is not None:
        kept = None
        if hub.files is not None and len(raw) <= hub.files.max_bytes:
            kept = FileStore.url(await hub.files.put(raw, name="original.eml"))
        attachments.append(
            Attachment(name="original.eml", content_type="message/rfc822", size=len(raw), url=kept)
        )
        body = text(hub, "unreadable", error=mail.parse_error)
    if notes:
        body = (body + "\n\n" if body else "") + "\n".join(notes)
    meta: dict[str, object] = {
        "mailbox": box.name,
        "message_id": mail.message_id,
        "in_reply_to": mail.in_reply_to,
        "references": mail.references[-20:],
        "from": mail.from_addr,
        "reply_to": mail.reply_to,
        "to": mail.to[:20],
        "subject": mail.subject,
    }
    if mail.quoted:
        meta["quoted"] = mail.quoted[:100_000]
    if mail.automated:
        meta["automated"] = mail.automated
    if mail.parse_error:
        meta["parse_error"] = mail.parse_error
    if mail.headers:
        meta["headers"] = mail.headers
    message = InboundMessage(
        channel=CHANNEL,
        provider_message_id=mail.message_id,
        thread_key=key,
        identities=(identity,),
        display_name=mail.from_name,
        text=body[:100_000],
        html=mail.html[:500_000] if mail.html else None,
        attachments=tuple(attachments),
        # automated mail is stored as a system entry: bots answer customers' messages only
        kind=EntryKind.system if mail.automated else EntryKind.message,
        subject=mail.subject,
        raw=meta,
        department_id=await department_of(hub, box),
        **({"occurred_at": mail.date} if mail.date else {}),
    )
    result = await ingest(hub, message)
    return "duplicate" if result.duplicate else "stored"
