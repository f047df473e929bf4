"""A failed delivery keeps its reason as a code + params (next to the English text), so the inbox shows it in the
reader's language (static/inbox/entry.js renders static/i18n.json "delivery.error.<code>")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from core_helpers import T0, Clock, FakeSender, make_user, receive, tg

from hub.actions.delivery import deliver, retry_now
from hub.actions.messages import send_reply
from hub.domain import DeliveryStatus
from hub.outbound import DeliveryError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock(hub) -> Clock:
    hub.clock = Clock(T0)
    return hub.clock


async def queued_reply(hub):
    """An agent's reply when a sender is registered; else the automation's (a person's reply to an unconnected
    channel is refused before it is queued)."""
    agent = await make_user(hub)
    conversation_id = (await receive(hub, tg(100))).entry.conversation_id
    return await send_reply(hub, agent if hub.channels.get("telegram") else None, conversation_id, "answer")


async def test_a_connector_failure_is_stored_as_its_code_and_params(hub, clock):
    refused = DeliveryError(
        "Telegram refused the message: chat not found",
        permanent=True,
        code="telegram.refused",
        params={"detail": "chat not found"},
    )
    hub.channels.register(FakeSender("telegram", [refused]))
    entry = await queued_reply(hub)

    await deliver(hub, entry.id)

    stored = (await hub.store.timeline.get(entry.id)).delivery
    assert stored.status is DeliveryStatus.failed
    assert stored.error == "Telegram refused the message: chat not found"
    assert (stored.error_code, stored.error_params) == ("telegram.refused", {"detail": "chat not found"})
    # "retry" keeps showing why the last attempt failed until the next one says otherwise
    requeued = (await retry_now(hub, entry.id)).delivery
    assert (requeued.error_code, requeued.error_params) == ("telegram.refused", {"detail": "chat not found"})


async def test_no_sender_and_unexpected_errors_have_codes_too(hub, clock):
    entry = await queued_reply(hub)
    failed = (await deliver(hub, entry.id)).delivery
    assert (failed.error_code, failed.error_params) == ("no_sender", {"channel": "telegram"})

    hub.channels.register(FakeSender("telegram", [RuntimeError("boom")]))
    retried = await retry_now(hub, entry.id)
    again = (await deliver(hub, retried.id)).delivery
    assert again.status is DeliveryStatus.queued  # a bug or a network error is tried again
    assert (again.error_code, again.error_params) == ("error", {"detail": "RuntimeError: boom"})


def test_every_code_a_sender_raises_has_an_english_and_a_russian_text():
    texts = json.loads((ROOT / "static" / "i18n.json").read_text("utf-8"))
    sources = [*ROOT.glob("hub/**/*.py"), *ROOT.glob("connectors/**/*.py")]
    codes = {"error"}
    for path in sources:
        source = path.read_text("utf-8")
        if "DeliveryError(" in source or "error_code=" in source:
            codes |= set(re.findall(r'(?:\bcode|error_code)="([a-z_.]+)"', source))
    assert {"no_sender", "telegram.refused", "email.smtp", "api.webhook_status", "phone.no_text"} <= codes
    for code in sorted(codes):
        for lang in ("en", "ru"):
            assert f"delivery.error.{code}" in texts[lang], (code, lang)
