"""The email channel: one IMAP worker per mailbox (IDLE, or polling; UID sync; a lease so that never two workers
read one mailbox), MIME parsing → `hub.actions.ingest`, replies through SMTP that thread (connectors.email.outbound).

Mailboxes come from HUB_MAILBOXES / [[mailboxes]] in config/hub.toml (connectors.email.config). Without any, the
channel logs so, replies on email conversations fail with "no mailbox is configured", and nothing else changes.
IMAP goes through aioimaplib, which is GPL-3.0-only (see the README)."""

from __future__ import annotations

import logging

from aiohttp import web

from connectors.email.config import MailboxConfig, MailboxConfigError, parse_mailboxes
from connectors.email.notices import MailboxMailer, mailer_of
from connectors.email.outbound import EmailSender
from connectors.email.worker import MailboxWorker
from hub.api.http import ApiRoutes
from hub.config import ConfigurationError, Settings
from hub.context import Hub
from hub.metrics import METRICS_KEY, Metrics

log = logging.getLogger(__name__)
WORKERS_KEY = web.AppKey("email_workers", list)

__all__ = ["EmailSender", "MailboxConfig", "MailboxMailer", "MailboxWorker", "check", "install", "mailer_of"]


def check(settings: Settings) -> list[str]:
    """Problems of HUB_MAILBOXES for `hub check` (field paths, never a password)."""
    try:
        parse_mailboxes(settings.mailboxes)
    except MailboxConfigError as exc:
        return exc.problems
    return []


def install(app: web.Application, hub: Hub, routes: ApiRoutes) -> EmailSender:
    """Register the email sender and run one inbound worker per mailbox while the app runs."""
    try:
        mailboxes = parse_mailboxes(hub.settings.mailboxes)
    except MailboxConfigError as exc:
        raise ConfigurationError(exc.problems) from exc
    sender = EmailSender(hub, mailboxes)
    hub.channels.register(sender)
    workers = [MailboxWorker(hub, box) for box in mailboxes]
    app[WORKERS_KEY] = workers

    async def _start(_app: web.Application) -> None:
        if not workers:
            log.info("email: no mailbox is configured (HUB_MAILBOXES); the email channel is off")
        for worker in workers:
            log.info("email: mailbox %s (%s) starts", worker.box.name, worker.box.address)
            worker.start()

    async def _stop(_app: web.Application) -> None:
        for worker in workers:
            await worker.stop()

    metrics = app.get(METRICS_KEY)
    if metrics is not None:
        _instrument(metrics, workers)
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)
    return sender


def _instrument(metrics: Metrics, workers: list[MailboxWorker]) -> None:
    """Each mailbox's health in GET /metrics, as this process's worker sees it (the lease holder's is the live one;
    the others say connected 0): connected, mode, last sync, last error, backlog."""

    def each(read):
        return lambda: [((w.box.name,), float(read(w))) for w in workers]

    metrics.gauge(
        "hub_mailbox_connected",
        "1 while this process's worker is connected",
        ["mailbox"],
        each(lambda w: w.connected),
    )
    metrics.gauge(
        "hub_mailbox_mode",
        "1 for the mode the connected worker waits in (idle or poll)",
        ["mailbox", "mode"],
        lambda: [((w.box.name, w.mode), 1.0) for w in workers if w.connected and w.mode],
    )
    metrics.gauge(
        "hub_mailbox_last_sync_timestamp_seconds",
        "When the worker last looked for new mail (Unix time; 0 never)",
        ["mailbox"],
        each(lambda w: w.last_sync_at or 0),
    )
    metrics.gauge(
        "hub_mailbox_last_error_timestamp_seconds",
        "When the worker's session last failed (Unix time; 0 never; the reason: GET /api/v1/channels/health)",
        ["mailbox"],
        each(lambda w: w.last_error_at or 0),
    )
    metrics.gauge(
        "hub_mailbox_backlog", "Mails on the server not stored yet", ["mailbox"], each(lambda w: w.backlog)
    )
