"""The core's seam for mail the hub itself sends (one-time codes, not conversations): a `Mailer` the composition
root (hub.app) sets on `Hub.mailer` when a mailbox is configured — the email connector's SMTP — and leaves None
otherwise. Actions ask `hub.mailer`; no connector imports another to send mail."""

from __future__ import annotations

from typing import Protocol


class MailerError(Exception):
    """The mail could not be handed to the server (unreachable, refused): nothing was sent."""


class Mailer(Protocol):
    async def send(self, to: str, subject: str, text: str) -> None:
        """Send a plain-text mail to `to` from the hub's mailbox; MailerError when it could not be sent."""
