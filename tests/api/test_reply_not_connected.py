"""A reply the conversation's channel cannot carry is known before anyone types (the conversation's `reply`) and
refused with a 409 instead of being queued to fail: a channel nobody connected (the demo's Telegram without a bot
token), a Telegram conversation of a bot this hub does not run. Notes still work. Over HTTP, SQLite."""

from __future__ import annotations

from itertools import count

from api_helpers import timeline

from connectors.telegram.outbound import TelegramSender
from hub.actions.ingest import ingest
from hub.domain import IdentityKind
from hub.identities import make_identity
from hub.inbound import InboundMessage

_ids = count(1)


async def telegram_conversation(hub, thread_key: str) -> str:
    result = await ingest(
        hub,
        InboundMessage(
            channel="telegram",
            provider_message_id=f"tg-msg-{next(_ids)}",
            thread_key=thread_key,
            identities=(make_identity(IdentityKind.telegram, 501),),
            text="Здравствуйте! Хочу уточнить статус заказа",
        ),
    )
    return result.entry.conversation_id or ""


async def test_a_reply_to_an_unconnected_channel_is_refused_and_said_beforehand(sqlite_server, sqlite_admin):
    hub = sqlite_server.hub
    assert hub.channels.get("telegram") is None  # no HUB_TELEGRAM_BOTS: nothing sends on Telegram
    conversation_id = await telegram_conversation(hub, "tg-1:501")
    path = f"/api/v1/conversations/{conversation_id}"

    shown = await sqlite_admin.ok("GET", path)
    assert shown["reply"]["allowed"] is False
    problem = shown["reply"]["problem"]
    assert (problem["code"], problem["params"]) == ("not_connected", {"channel": "telegram"})
    assert "not connected" in problem["text"]
    listed = await sqlite_admin.ok("GET", "/api/v1/conversations")
    assert [c["reply"] for c in listed["items"] if c["id"] == conversation_id] == [shown["reply"]]

    error = (await sqlite_admin.post(f"{path}/replies", {"text": "Your order ships today"})).error(
        409, "channel_not_connected"
    )
    assert error["details"]["code"] == "not_connected"
    assert [
        e for e in await timeline(sqlite_admin, path) if e["direction"] == "outbound"
    ] == []  # none queued
    await sqlite_admin.ok("POST", f"{path}/notes", {"text": "Telegram is down here: calling him"}, status=201)

    # a bot is configured, but not the one this conversation came through
    hub.channels.register(TelegramSender({"shop": object()}, None))  # type: ignore[dict-item]
    problem = (await sqlite_admin.ok("GET", path))["reply"]["problem"]
    assert (problem["code"], problem["params"]) == ("telegram.no_bot", {"bot": "tg-1"})
    (await sqlite_admin.post(f"{path}/replies", {"text": "Your order ships today"})).error(
        409, "channel_not_connected"
    )
    # the shop bot's conversation can be answered
    shop = await telegram_conversation(hub, "shop:777")
    assert (await sqlite_admin.ok("GET", f"/api/v1/conversations/{shop}"))["reply"] == {
        "allowed": True,
        "problem": None,
    }


async def test_an_email_reply_without_a_mailbox_is_refused_and_said_beforehand(sqlite_server, sqlite_admin):
    """The email channel is installed with no mailbox (the demo's case): its conversations say so too."""
    hub = sqlite_server.hub
    assert hub.channels.get("email") is not None and not hub.settings.mailboxes
    result = await ingest(
        hub,
        InboundMessage(
            channel="email",
            provider_message_id="<no-mailbox-1@client.example>",
            thread_key="support:<no-mailbox-1@client.example>",
            identities=(make_identity(IdentityKind.email, "olga@client.example"),),
            text="Where is my invoice?",
        ),
    )
    path = f"/api/v1/conversations/{result.entry.conversation_id}"
    problem = (await sqlite_admin.ok("GET", path))["reply"]["problem"]
    assert problem["code"] == "email.no_mailbox" and "HUB_MAILBOXES" in problem["text"]
    (await sqlite_admin.post(f"{path}/replies", {"text": "Attached"})).error(409, "channel_not_connected")
