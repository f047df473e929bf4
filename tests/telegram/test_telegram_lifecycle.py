"""Start-up and shutdown: setWebhook with HUB_PUBLIC_URL, polling mode, the "continue in Telegram" link (getMe),
closing the bots' sessions."""

from __future__ import annotations

import asyncio

from telegram_helpers import eventually, text_update, user
from telegram_standin import TOKEN

from hub.actions.messages import send_reply
from hub.config import TelegramBotConfig
from hub.domain import Identity, IdentityKind
from hub.keys import TELEGRAM_LINKS, derive_secret
from hub.links import verify_client_link


async def test_start_up_sets_the_webhooks_when_the_public_url_is_known(make_hub_sqlite, standin):
    await make_hub_sqlite(public_url="https://hub.example.com/")

    calls = {c.token: c for c in standin.calls_of("setWebhook")}
    assert len(calls) == 2
    main = calls[TOKEN]
    assert main.data["url"] == "https://hub.example.com/webhooks/telegram/main"
    assert main.data["secret_token"] == "webhook-secret_123"
    assert sorted(main.json("allowed_updates")) == ["callback_query", "edited_message", "message"]
    assert {c.data["url"] for c in calls.values()} == {
        "https://hub.example.com/webhooks/telegram/main",
        "https://hub.example.com/webhooks/telegram/groupie",
    }


async def test_no_public_url_no_set_webhook(tg1, standin):
    await tg1.post_update(text_update("hi"))
    assert standin.calls_of("setWebhook") == []
    assert standin.calls_of("getUpdates") == []


async def test_polling_mode_receives_updates_and_stops_at_shutdown(make_hub_sqlite, standin):
    standin.updates.append(text_update("via polling", update_id=900, message_id=77))
    tg = await make_hub_sqlite(
        telegram_mode="polling", telegram_bots=[TelegramBotConfig(name="main", token=TOKEN)]
    )

    entry = await eventually(lambda: tg.entry("main:42:77"), what="the polled update")
    assert entry.text == "via polling"
    assert entry.meta["telegram"]["update_id"] == 900
    await standin.wait_for("getUpdates", 2)
    assert standin.calls_of("deleteWebhook")
    assert standin.calls_of("getUpdates")[-1].data["offset"] == "901"  # the update was confirmed
    # without a webhook secret, the webhook accepts nothing
    status, _ = await tg.post_update(text_update("sneaky"), secret="")
    assert status == 401

    sender = tg.hub.channels.get("telegram")
    await asyncio.wait_for(tg.stop(), timeout=5)
    polls = len(standin.calls_of("getUpdates"))
    await asyncio.sleep(0.3)
    assert len(standin.calls_of("getUpdates")) == polls  # polling stopped
    for bot in sender.bots.values():
        assert bot.session._session is None or bot.session._session.closed


async def test_shutdown_closes_the_bot_sessions(tg1):
    await tg1.post_update(text_update("hi", message_id=5))
    entry = await tg1.entry("main:42:5")
    await send_reply(tg1.hub, None, entry.conversation_id, "bye")
    await tg1.standin.wait_for("sendMessage")
    bot = tg1.hub.channels.get("telegram").bots["main"]
    assert bot.session._session is not None and not bot.session._session.closed

    await tg1.stop()

    assert bot.session._session is None or bot.session._session.closed


async def test_start_up_offers_the_first_bots_deep_link_that_joins_the_client(tg1, standin):
    [get_me] = standin.calls_of("getMe")
    assert get_me.token == TOKEN  # the first configured bot
    [link] = tg1.hub.continue_links
    assert (link.channel, link.title) == ("telegram", "Telegram")
    headers = await tg1.login()
    async with tg1.http.post(
        f"{tg1.url}/api/v1/inbound",
        headers=headers,
        json={"external_id": "w-7", "sender": {"email": "web@example.com"}, "text": "from the web"},
    ) as r:
        client_id = (await r.json())["client_id"]

    url = link.url_for(client_id)
    prefix = "https://t.me/hub_test_bot?start="
    assert url.startswith(prefix)
    payload = url.removeprefix(prefix)
    assert (
        verify_client_link(derive_secret(tg1.hub.settings.resolved_secret(), TELEGRAM_LINKS), payload)
        == client_id
    )

    newcomer = user(77, "Olga", None)
    status, _ = await tg1.post_update(
        text_update(f"/start {payload}", message_id=3, chat_id=77, sender=newcomer)
    )
    assert status == 200
    entry = await tg1.entry("main:77:3")
    assert entry.client_id == client_id
    assert entry.meta["telegram"]["start_link"] == "linked"
    client = await tg1.hub.store.clients.get(client_id)
    assert Identity(kind=IdentityKind.telegram, value="77") in client.identities


async def test_a_failed_get_me_offers_no_link_and_the_bot_still_works(make_hub_sqlite, standin):
    standin.fail("getMe", 401, "Unauthorized")
    tg = await make_hub_sqlite()

    assert standin.calls_of("getMe")
    assert tg.hub.continue_links == []
    assert (await tg.post_update(text_update("hi", message_id=4)))[0] == 200
    assert await tg.entry("main:42:4") is not None
