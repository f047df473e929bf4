"""Agent replies as mail through aiosmtplib: From the mailbox, "Re:" subject with the thread's [#ref], In-Reply-To
and References of the customer's last mail, a Message-ID that names the entry (so answers thread back and bounces
find it), multipart plain + HTML from templates/email/ (RU/EN), the agent's attachments. Temporary SMTP failures
are retried by the delivery worker with backoff; permanent 5xx answers fail the entry with the server's text."""

from __future__ import annotations

import asyncio
import email.utils
import logging
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from connectors.email.config import MailboxConfig
from connectors.email.inbound import CHANNEL, mailbox_of, ref_in, ref_of, thread_key
from connectors.email.parse import normalize_subject
from hub.context import Hub
from hub.domain import Client, Conversation, Direction, IdentityKind, TimelineEntry, new_id
from hub.errors import Invalid
from hub.outbound import DeliveryError, NewThread, OutboundMessage, ReplyProblem
from hub.queries import email as mail_queries

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"


def _last_customer_mail(entries: list[TimelineEntry]) -> TimelineEntry | None:
    for entry in entries:  # newest first
        if (
            entry.direction is Direction.inbound
            and entry.meta.get("message_id")
            and not entry.meta.get("automated")
        ):
            return entry
    return None


def _last_own_mail(entries: list[TimelineEntry], exclude: str) -> TimelineEntry | None:
    """The hub's newest mail already sent in the conversation (newest first), for a follow-up to thread under."""
    for entry in entries:
        if entry.id != exclude and entry.direction is Direction.outbound and entry.provider_id:
            return entry
    return None


def reply_subject(subject: str, ref: str | None) -> str:
    base = subject.strip()
    stripped = normalize_subject(base)
    if not stripped:
        base = "(no subject)"
    elif base.lower().lstrip().startswith(("re:", "re[", "aw:", "ответ:")):
        pass
    else:
        base = f"Re: {base}"
    if ref and f"[#{ref}]" not in base:
        base = f"{base} [#{ref}]"
    return base


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def new_subject(subject: str, ref: str | None) -> str:
    base = subject.strip() or "(no subject)"
    return f"{base} [#{ref}]" if ref and f"[#{ref}]" not in base else base


class EmailSender:
    channel = CHANNEL

    def __init__(self, hub: Hub, mailboxes: list[MailboxConfig], *, timeout: float = 30.0) -> None:
        self.hub = hub
        self.mailboxes = {m.name: m for m in mailboxes}
        self.timeout = timeout
        self.templates = Environment(
            loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined, autoescape=False
        )

    def reply_problem(self, conversation: Conversation) -> ReplyProblem | None:
        """With no mailbox configured an email cannot go out: said before anyone types (the composer, 409)."""
        if self.mailboxes:
            return None
        return ReplyProblem(
            "email.no_mailbox",
            {},
            "No mailbox is configured, so no email can be sent. An admin adds one to HUB_MAILBOXES (its IMAP and "
            "SMTP servers; README: Email) and restarts the hub.",
        )

    def _box(self, thread_key: str) -> MailboxConfig:
        box = self.mailboxes.get(mailbox_of(thread_key))
        if box is None:
            if not self.mailboxes:
                raise DeliveryError(
                    "no mailbox is configured (HUB_MAILBOXES)",
                    permanent=True,
                    code="email.no_mailbox",
                    params={},
                )
            box = next(iter(self.mailboxes.values()))
        return box

    def open_thread(self, client: Client, options: dict[str, Any]) -> NewThread:
        """A new email conversation (the hub writes first): the mailbox by name (default the first) and one of the
        client's email addresses (default the first); Invalid names what is wrong."""
        name = options.get("mailbox")
        if not self.mailboxes:
            raise Invalid("no mailbox is configured (HUB_MAILBOXES)")
        box = self.mailboxes.get(name) if name else next(iter(self.mailboxes.values()))
        if box is None:
            raise Invalid(f"mailbox: no mailbox is named {name!r}")
        addresses = [
            i.value
            for i in client.identities
            if i.kind is IdentityKind.email and not i.value.endswith(".invalid")
        ]
        if not addresses:
            raise Invalid("the client has no email address")
        to = str(options.get("to") or addresses[0]).strip().lower()
        if to not in addresses:
            raise Invalid("to: not one of the client's email addresses")
        ref = ref_of(f"<new.{new_id()}@{box.domain}>")
        return NewThread(thread_key(box, ref), to, {"to": to, "mailbox": box.name}, department=box.department)

    def split_thread_key(self, conversation: Conversation, split_id: str) -> str:
        """A conversation split off an email thread gets its own [#ref] in the same mailbox."""
        box = self.mailboxes.get(mailbox_of(conversation.thread_key))
        name = box.name if box is not None else mailbox_of(conversation.thread_key)
        return f"{name}/{ref_of(f'<split.{split_id}>')}"

    async def build(self, message: OutboundMessage) -> tuple[EmailMessage, MailboxConfig]:
        entry, conversation, client = message.entry, message.conversation, message.client
        box = self._box(conversation.thread_key)
        recent = await mail_queries.recent_entries(self.hub, conversation.id)
        last = _last_customer_mail(recent)
        to = ""
        if last is not None:
            to = str(last.meta.get("reply_to") or last.meta.get("from") or "")
        elif isinstance(entry.meta.get("to"), str):
            to = entry.meta["to"]  # the hub writes first (open_thread chose one of the client's addresses)
        earlier = _last_own_mail(recent, entry.id) if last is None else None
        if not to and earlier is not None and isinstance(earlier.meta.get("to"), str):
            to = earlier.meta["to"]  # a second mail before the customer answered: to the same address
        if not to:
            to = next((i.value for i in client.identities if i.kind is IdentityKind.email), "")
        if not to or to.endswith(".invalid"):
            raise DeliveryError(
                "the client has no email address", permanent=True, code="email.no_address", params={}
            )
        ref = ref_in(conversation.thread_key)
        subject = str(last.meta.get("subject") or "") if last is not None else ""
        msg = EmailMessage()
        msg["From"] = (
            email.utils.formataddr((box.display_name, box.address)) if box.display_name else box.address
        )
        msg["To"] = to
        if last is not None or earlier is not None:
            msg["Subject"] = reply_subject(subject or conversation.subject, ref)
        else:  # nothing to answer: the hub writes first
            msg["Subject"] = new_subject(conversation.subject, ref)
        msg["Date"] = email.utils.format_datetime(entry.occurred_at)
        msg["Message-ID"] = mail_queries.own_message_id(entry.id, box.domain)
        if last is not None:
            parent = str(last.meta["message_id"])
            references = [str(r) for r in last.meta.get("references") or []][-19:] + [parent]
            msg["In-Reply-To"] = parent
            msg["References"] = " ".join(references)
        elif earlier is not None and earlier.provider_id:
            msg["In-Reply-To"] = msg["References"] = earlier.provider_id  # follows the hub's own first mail
        if ref and box.plus_addressing:
            local, domain = box.address.split("@", 1)
            msg["Reply-To"] = f"{local}+{ref}@{domain}"
        language = str(client.fields.get("language") or self.hub.settings.language)
        language = language if language in ("en", "ru") else "en"
        values = {
            "text": entry.text,
            "paragraphs": [p for p in entry.text.split("\n\n") if p.strip()] or [entry.text],
            "signature": entry.author.name or box.display_name or box.address,
            "ref": ref or "",
        }
        msg.set_content(self.templates.get_template(f"reply.{language}.txt.j2").render(**values))
        html = Environment(loader=self.templates.loader, autoescape=True, undefined=StrictUndefined)
        msg.add_alternative(html.get_template(f"reply.{language}.html.j2").render(**values), subtype="html")
        await self._attach(msg, entry)
        return msg, box

    async def _attach(self, msg: EmailMessage, entry: TimelineEntry) -> None:
        files = self.hub.files
        for attachment in entry.attachments:
            if files is None or attachment.url is None:
                continue
            key = files.key_of(attachment.url)
            path = files.path(key) if key else None
            if path is None:
                raise DeliveryError(
                    f"attachment {attachment.name!r} is gone",
                    permanent=True,
                    code="attachment_gone",
                    params={"name": attachment.name},
                )
            data = await asyncio.to_thread(path.read_bytes)
            maintype, _, subtype = attachment.content_type.partition("/")
            params = {}
            if maintype == "text" and _is_utf8(data):
                params["charset"] = "utf-8"  # without it readers take the bytes for ASCII
            # a non-ASCII name goes out as RFC 2231 (filename*=utf-8''...), the email package's default policy
            msg.add_attachment(
                data,
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=attachment.name or key,
                params=params,
            )

    async def send(self, message: OutboundMessage) -> str | None:
        msg, box = await self.build(message)
        smtp = box.smtp
        context = smtp.tls_context() if smtp.security != "none" else None
        try:
            await aiosmtplib.send(
                msg,
                hostname=smtp.host,
                port=smtp.port,
                use_tls=smtp.security == "ssl",
                start_tls=smtp.security == "starttls",
                tls_context=context,
                username=smtp.user or None,
                password=smtp.password.get_secret_value() or None if smtp.user else None,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            text = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise DeliveryError(
                f"SMTP refused the recipient: {text}",
                permanent=all(c >= 500 for c in codes),
                code="email.recipient_refused",
                params={"detail": text},
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            detail = f"{exc.code} {exc.message}"
            raise DeliveryError(
                f"SMTP {detail}", permanent=exc.code >= 500, code="email.smtp", params={"detail": detail}
            ) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            detail = f"{type(exc).__name__} {exc}".strip()
            raise DeliveryError(
                f"SMTP server unreachable: {detail}", code="email.unreachable", params={"detail": detail}
            ) from exc
        return str(msg["Message-ID"])
