"""The web chat as an attacker meets it: a typed email is not proof of who someone is, one address cannot start
visitors without end, and broken or huge messages get a clear answer without stalling the hub."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
import socketio
from webchat_clients import VisitorClient

from hub.domain import Identity, IdentityKind
from hub.store.port import ConversationQuery

OWNER_EMAIL = "owner@example.org"


class _LinkTo:
    channel = "elsewhere"
    title = "Elsewhere"

    def url_for(self, client_id: str) -> str:
        return f"https://elsewhere.example/start?c={client_id}"


async def _owner(server, admin_headers) -> str:
    async with server.http.post(
        f"{server.url}/api/v1/inbound",
        headers=admin_headers,
        json={"external_id": "own-1", "sender": {"email": OWNER_EMAIL}, "text": "my private order 42"},
    ) as r:
        assert r.status == 201, await r.text()
        return (await r.json())["client_id"]


async def _timeline_texts(server, client_id: str) -> list[str]:
    conversations = await server.hub.store.conversations.query(ConversationQuery(client_id=client_id))
    texts = []
    for conversation in conversations:
        texts += [
            e.text for e in await server.hub.store.timeline.conversation_page(conversation.id, limit=100)
        ]
    return texts


@pytest.mark.parametrize("when", ["before the first message", "after the first message"])
async def test_someone_elses_email_in_the_prechat_form_never_attaches_the_visitor(
    server, visitor, admin_headers, when
):
    owner_id = await _owner(server, admin_headers)
    server.hub.continue_links.append(_LinkTo())
    guest = await visitor()
    await guest.wait_for("session")
    if when == "after the first message":
        await guest.say("hello")
    assert await guest.call("prechat", {"name": "Mallory", "email": OWNER_EMAIL.upper()}) == {"ok": True}
    ack = await guest.say("where is my order?")
    assert ack["ok"] is True

    entry = await server.hub.store.timeline.get(ack["entry_id"])
    assert entry.client_id != owner_id
    # the visitor's messages stay off the owner's timeline, and the owner keeps the email
    assert "where is my order?" not in await _timeline_texts(server, owner_id)
    owner = await server.hub.store.clients.get(owner_id)
    assert Identity(kind=IdentityKind.email, value=OWNER_EMAIL) in owner.identities
    mine = await server.hub.store.clients.get(entry.client_id)
    assert Identity(kind=IdentityKind.email, value=OWNER_EMAIL) not in mine.identities
    # an agent is asked whether the two are the same person
    suggestion = await server.hub.store.merges.for_pair(owner_id, entry.client_id)
    assert suggestion is not None and suggestion.status == "open"
    # the visitor sees only their own chat, and the continue link joins their own client, not the owner's
    assert "my private order 42" not in [m["text"] for m in await guest.history()]
    links = await guest.call("links")
    assert [i["url"] for i in links["items"]] == [f"https://elsewhere.example/start?c={entry.client_id}"]


async def test_a_prechat_email_nobody_has_becomes_the_visitors_own(server, visitor):
    guest = await visitor()
    await guest.wait_for("session")
    assert await guest.call("prechat", {"email": "fresh@example.org"}) == {"ok": True}
    ack = await guest.say("hi")
    entry = await server.hub.store.timeline.get(ack["entry_id"])
    client = await server.hub.store.clients.get(entry.client_id)
    assert Identity(kind=IdentityKind.email, value="fresh@example.org") in client.identities


# --- new visitors per address ---------------------------------------------------------------------------------


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={"trusted_proxies": ["127.0.0.1"], "widget_new_visitors_per_address": 5}
    )


async def _connect(server, forwarded_for: str, token: str | None = None) -> VisitorClient:
    client = VisitorClient({"X-Forwarded-For": forwarded_for})
    await client.open(server.url, {"visitor_token": token} if token else None)
    return client


async def test_a_flood_of_new_visitors_from_one_address_is_refused_while_another_address_gets_in(
    server, widget_ns
):
    widget_ns.new_visitors.clock = lambda: 1000.0  # no refill during the test
    opened = []
    try:
        for _ in range(5):
            opened.append(await _connect(server, "198.51.100.7"))
        refused = 0
        for _ in range(20):
            client = VisitorClient({"X-Forwarded-For": "198.51.100.7"})
            reasons: list = []
            client.client.on("connect_error", reasons.append, namespace="/widget")
            with pytest.raises(socketio.exceptions.ConnectionError):
                await client.open(server.url, None)
            # what the widget reads to show its "too many new chats" text
            assert reasons[0]["message"].startswith("rate_limited")
            assert reasons[0]["data"] == {"code": "rate_limited"}
            refused += 1
        assert refused == 20
        # another address gets in, and a returning visitor of the flooding address too
        other = await _connect(server, "203.0.113.9")
        opened.append(other)
        await other.wait_for("session")
        assert (await other.say("hello"))["ok"] is True
        await opened[0].wait_for("session")
        opened.append(await _connect(server, "198.51.100.7", opened[0].token))
    finally:
        for client in opened:
            await client.close()


# --- broken and huge messages ---------------------------------------------------------------------------------


async def test_a_lone_surrogate_is_stored_as_a_replacement_character(server, visitor):
    guest = await visitor()
    await guest.wait_for("session")
    assert await guest.call("prechat", {"name": "Ann\ud800"}) == {"ok": True}
    ack = await guest.say("half an emoji \ud83d here")
    assert ack["ok"] is True, ack
    entry = await server.hub.store.timeline.get(ack["entry_id"])
    assert entry.text == "half an emoji \ufffd here"
    assert entry.author.name == "Ann\ufffd"
    assert (await guest.say("a whole one \U0001f600"))["ok"] is True


async def test_long_messages_are_refused_clearly_and_never_stall_the_hub(server, visitor):
    guest = await visitor()
    await guest.wait_for("session")
    lag = 0.0
    stop = asyncio.Event()

    async def ticker() -> None:  # the hub runs on this loop: a stall shows as a late tick
        nonlocal lag
        while not stop.is_set():
            began = time.perf_counter()
            await asyncio.sleep(0.01)
            lag = max(lag, time.perf_counter() - began - 0.01)

    ticks = asyncio.create_task(ticker())
    try:
        for size in (4001, 20_000, 60_000):
            answer = await guest.say("x" * size)
            assert answer == {
                "ok": False,
                "code": "too_long",
                "error": "the message is longer than 4000 characters",
            }
        # 100 KB is over the socket's frame limit: the connection is closed, nothing is stored
        ws_url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
            await ws.receive()
            await ws.send_str("40/widget,")
            await ws.receive()
            await ws.receive()
            await ws.send_str('42/widget,1["message",{"text":"' + "y" * 100_000 + '","client_msg_id":"big"}]')
            closing = await asyncio.wait_for(ws.receive(), 5)
            assert closing.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
            )
    finally:
        stop.set()
        await ticks
    print(f"worst loop lag while refusing long messages: {lag * 1000:.1f} ms")  # a figure, not a bound
    assert (await guest.say("still here"))["ok"] is True
    assert [m["text"] for m in await guest.history()] == ["still here"]
