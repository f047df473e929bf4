"""Mail the hub sends on its own (hub.mailer.Mailer): plain text from the first mailbox, through its SMTP. The
composition root sets it on `Hub.mailer` when a mailbox is configured (web chat email codes use it)."""

from __future__ import annotations

import email.utils
import logging
from email.message import EmailMessage

import aiosmtplib

from connectors.email.config import MailboxConfig
from hub.domain import new_id
from hub.mailer import MailerError

log = logging.getLogger(__name__)


class MailboxMailer:
    def __init__(self, box: MailboxConfig, *, timeout: float = 15.0) -> None:
        self.box = box
        self.timeout = timeout

    async def send(self, to: str, subject: str, text: str) -> None:
        box, smtp = self.box, self.box.smtp
        msg = EmailMessage()
        msg["From"] = (
            email.utils.formataddr((box.display_name, box.address)) if box.display_name else box.address
        )
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = f"<notice.{new_id()}@{box.domain}>"
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders do not answer it
        msg.set_content(text)
        try:
            await aiosmtplib.send(
                msg,
                hostname=smtp.host,
                port=smtp.port,
                use_tls=smtp.security == "ssl",
                start_tls=smtp.security == "starttls",
                tls_context=smtp.tls_context() if smtp.security != "none" else None,
                username=smtp.user or None,
                password=smtp.password.get_secret_value() or None if smtp.user else None,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            log.warning("mailbox %s: a notice to %s could not be sent: %s", box.name, to, exc)
            raise MailerError(f"{type(exc).__name__} {exc}".strip()) from exc


def mailer_of(mailboxes: list[MailboxConfig]) -> MailboxMailer | None:
    """The mailer of the first mailbox; None without any."""
    return MailboxMailer(mailboxes[0]) if mailboxes else None
