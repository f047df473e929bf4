"""The /widget namespace end to end: real Socket.IO clients against the whole hub on real HTTP (sqlite and mongo)."""

from __future__ import annotations

import asyncio

import pytest
import socketio
from itsdangerous import URLSafeTimedSerializer

from connectors.webchat.visitors import TOKEN_SALT
from hub.actions.messages import send_reply
from hub.domain import Author, AuthorType, DeliveryStatus, Identity, IdentityKind
from hub.keys import API_WEBHOOK, WEBCHAT_VISITORS, derive_secret
from hub.outbound import Button, buttons_meta


async def timeline(server, headers, conversation_id: str) -> list[dict]:
    async with server.http.get(
        f"{server.url}/api/v1/conversations/{conversation_id}/timeline", headers=headers
    ) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["items"]


async def wait_sent(server, entry_id: str, within: float = 5.0):
    async def poll():
        while True:
            entry = await server.hub.store.timeline.get(entry_id)
            if (
                entry is not None
                and entry.delivery is not None
                and entry.delivery.status is DeliveryStatus.sent
            ):
                return entry
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(poll(), within)


async def reply(server, headers, conversation_id: str, text: str) -> dict:
    async with server.http.post(
        f"{server.url}/api/v1/conversations/{conversation_id}/replies", headers=headers, json={"text": text}
    ) as r:
        assert r.status == 201, await r.text()
        return await r.json()


async def conversation_of(server, entry_id: str) -> str:
    entry = await server.hub.store.timeline.get(entry_id)
    assert entry is not None
    return entry.conversation_id


async def test_a_new_visitor_gets_a_token_and_comes_back_to_its_history(server, visitor, admin_headers):
    first = await visitor()
    session = await first.wait_for("session")
    assert session["visitor_id"] and session["visitor_token"]
    sent = await first.say("Hello, is the green tea in stock?")
    assert sent["ok"] is True
    await first.close()

    # the agent answers while the visitor is away: the reply still counts as sent
    answer = await reply(
        server, admin_headers, await conversation_of(server, sent["entry_id"]), "Yes, it is!"
    )
    await wait_sent(server, answer["id"])

    again = await visitor(first.token)
    assert (await again.wait_for("session"))["visitor_id"] == session["visitor_id"]
    items = await again.history()
    assert [(m["text"], m["author"]["type"]) for m in items] == [
        ("Hello, is the green tea in stock?", "client"),
        ("Yes, it is!", "user"),
    ]
    assert items[0]["id"] == sent["entry_id"]
    # the visitor's shape carries no internal fields
    assert set(items[1]) == {"id", "text", "author", "occurred_at", "buttons", "client_msg_id", "lang"}

    # a different visitor sees nothing of it
    stranger = await visitor()
    await stranger.wait_for("session")
    assert stranger.visitor_id != session["visitor_id"]
    assert await stranger.history() == []


async def test_a_forged_or_foreign_token_is_refused(server, visitor, admin_headers, settings):
    real = await visitor()
    await real.wait_for("session")
    good = real.token
    visitor_key = derive_secret(settings.secret_key, WEBCHAT_VISITORS)
    payload = URLSafeTimedSerializer(visitor_key, salt=TOKEN_SALT).loads(good)
    forged = [
        "garbage",
        good[:-2] + ("AA" if good[-2:] != "AA" else "BB"),  # tampered signature
        URLSafeTimedSerializer("another-secret-" + "y" * 32, salt=TOKEN_SALT).dumps(payload),  # other hub
        URLSafeTimedSerializer(visitor_key, salt="hub.user").dumps(payload),  # other purpose
        URLSafeTimedSerializer(settings.secret_key, salt=TOKEN_SALT).dumps(
            payload
        ),  # the master key signs nothing
        URLSafeTimedSerializer(  # the key the webhook receivers hold
            derive_secret(settings.secret_key, API_WEBHOOK), salt=TOKEN_SALT
        ).dumps(payload),
        admin_headers["Authorization"][7:],  # a staff token is not a visitor token
    ]
    for token in forged:
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                server.url,
                namespaces=["/widget"],
                auth={"visitor_token": token},
                transports=["websocket"],
                wait_timeout=5,
            )
        await client.disconnect()
    # the genuine one still works
    again = await visitor(good)
    assert (await again.wait_for("session"))["visitor_id"] == real.visitor_id


async def test_a_message_lands_in_the_timeline_and_reaches_the_agents(server, visitor, agent, admin_headers):
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.say("Where is my order?", "m-1", page="https://shop.example/orders")
    assert ack == {"ok": True, "entry_id": ack["entry_id"], "duplicate": False}

    news = await agent.wait_for("timeline:new", lambda d: d["entry"]["id"] == ack["entry_id"])
    assert news["entry"]["channel"] == "webchat"
    assert news["entry"]["text"] == "Where is my order?"
    assert news["conversation"]["thread_key"] == guest.visitor_id

    entry = await server.hub.store.timeline.get(ack["entry_id"])
    assert entry.provider_id == f"{guest.visitor_id}:m-1"
    assert entry.meta["page"] == "https://shop.example/orders"
    client = await server.hub.store.clients.get(entry.client_id)
    assert Identity(kind=IdentityKind.webchat, value=guest.visitor_id) in client.identities
    items = await timeline(server, admin_headers, entry.conversation_id)
    assert [e["text"] for e in items] == ["Where is my order?"]


async def test_the_same_client_msg_id_is_stored_once(server, visitor, admin_headers):
    guest = await visitor()
    await guest.wait_for("session")
    first = await guest.say("queued while offline", "same-id")
    # the page resends after a reconnect (the first ack was lost)
    again = await visitor(guest.token)
    second = await again.say("queued while offline", "same-id")
    assert first["ok"] and second["ok"]
    assert second["entry_id"] == first["entry_id"]
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    items = await timeline(server, admin_headers, await conversation_of(server, first["entry_id"]))
    assert len(items) == 1


async def test_an_agent_reply_reaches_the_visitor_and_becomes_sent(server, visitor, admin_headers):
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.say("Can you deliver on Saturday?")
    conversation_id = await conversation_of(server, ack["entry_id"])

    answer = await reply(server, admin_headers, conversation_id, "Yes, between 10 and 14.")
    message = await guest.wait_for("message", lambda m: m["id"] == answer["id"])
    assert message["text"] == "Yes, between 10 and 14."
    assert message["author"] == {"type": "user", "name": answer["author"]["name"]}
    assert message["buttons"] == []
    assert message["occurred_at"].endswith("Z")
    entry = await wait_sent(server, answer["id"])
    assert entry.delivery.error is None


async def test_an_internal_note_never_reaches_the_visitor(server, visitor, admin_headers):
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.say("I want a refund")
    conversation_id = await conversation_of(server, ack["entry_id"])
    async with server.http.post(
        f"{server.url}/api/v1/conversations/{conversation_id}/notes",
        headers=admin_headers,
        json={"text": "INTERNAL: this client asked three times already"},
    ) as r:
        assert r.status == 201
    answer = await reply(server, admin_headers, conversation_id, "We are on it.")
    await guest.wait_for("message", lambda m: m["id"] == answer["id"])
    await asyncio.sleep(0.1)
    assert not any("INTERNAL" in m["text"] for m in guest.events["message"])
    assert [m["text"] for m in await guest.history()] == ["I want a refund", "We are on it."]


async def test_a_bot_reply_carries_buttons_and_a_pressed_button_comes_back(server, visitor):
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.say("hi")
    conversation_id = await conversation_of(server, ack["entry_id"])
    rows = [[Button(id="track", text="Track my order"), Button(id="human", text="Talk to a person")]]
    bot_reply = await send_reply(
        server.hub,
        None,
        conversation_id,
        "How can I help?",
        author=Author(type=AuthorType.bot, name="Shop bot"),
        meta=buttons_meta(rows),
    )
    message = await guest.wait_for("message", lambda m: m["id"] == bot_reply.id)
    assert message["author"] == {"type": "bot", "name": "Shop bot"}
    assert message["buttons"] == [
        [{"id": "track", "text": "Track my order"}, {"id": "human", "text": "Talk to a person"}]
    ]

    pressed = await guest.say("Track my order", button_id="track")
    entry = await server.hub.store.timeline.get(pressed["entry_id"])
    assert entry.meta["button_id"] == "track"
    assert entry.text == "Track my order"


async def test_prechat_before_the_first_message_joins_a_later_email(server, visitor, admin_headers):
    guest = await visitor()
    await guest.wait_for("session")
    assert (await guest.call("prechat", {"name": "Maria", "email": "not-an-email"}))[
        "code"
    ] == "invalid_email"
    assert await guest.call("prechat", {"name": "  Maria  Smirnova ", "email": "Maria@Example.org"}) == {
        "ok": True
    }
    # the token now carries the pre-chat answers: a reconnect before the first message keeps them
    await guest.wait_for(
        "session", lambda s: s["visitor_token"] != guest.events["session"][0]["visitor_token"]
    )
    again = await visitor(guest.token)
    ack = await again.say("Hello")
    entry = await server.hub.store.timeline.get(ack["entry_id"])
    client = await server.hub.store.clients.get(entry.client_id)
    assert client.name == "Maria Smirnova"
    assert client.identities[:2] == [
        Identity(kind=IdentityKind.webchat, value=guest.visitor_id),
        Identity(kind=IdentityKind.email, value="maria@example.org"),
    ]

    async with server.http.post(
        f"{server.url}/api/v1/inbound",
        headers=admin_headers,
        json={"external_id": "form-1", "sender": {"email": "maria@example.org"}, "text": "by email"},
    ) as r:
        assert r.status == 201, await r.text()
        assert (await r.json())["client_id"] == entry.client_id


async def test_prechat_after_the_first_message_links_the_email_to_the_client(server, visitor, admin_headers):
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.say("Hello")
    client_id = (await server.hub.store.timeline.get(ack["entry_id"])).client_id
    assert (await server.hub.store.clients.get(client_id)).name == ""

    assert await guest.call("prechat", {"name": "Ivan", "email": "ivan@example.org"}) == {"ok": True}
    client = await server.hub.store.clients.get(client_id)
    assert client.name == "Ivan"
    assert Identity(kind=IdentityKind.email, value="ivan@example.org") in client.identities
    async with server.http.post(
        f"{server.url}/api/v1/inbound",
        headers=admin_headers,
        json={"external_id": "form-2", "sender": {"email": "ivan@example.org"}, "text": "by email"},
    ) as r:
        assert (await r.json())["client_id"] == client_id
    # later messages are signed with the name
    later = await server.hub.store.timeline.get((await guest.say("again"))["entry_id"])
    assert later.author.name == "Ivan"


async def test_an_overlong_message_and_a_flood_are_refused_and_not_stored(
    server, visitor, widget_ns, admin_headers
):
    widget_ns.messages.clock = lambda: 1000.0  # time stands still: no refill during the test
    guest = await visitor()
    await guest.wait_for("session")
    too_long = await guest.say("x" * 4001)
    assert too_long["ok"] is False and too_long["code"] == "too_long"
    assert (await guest.say("   "))["code"] == "empty"
    assert (await guest.call("message", {"text": "no id"}))["code"] == "invalid"

    answers = [await guest.say(f"message {i}") for i in range(11)]
    assert [a["ok"] for a in answers] == [True] * 10 + [False]
    assert answers[-1] == {"ok": False, "code": "rate_limited", "error": "slow down"}
    items = await timeline(server, admin_headers, await conversation_of(server, answers[0]["entry_id"]))
    assert sorted(e["text"] for e in items) == sorted(f"message {i}" for i in range(10))

    # another visitor has their own bucket
    other = await visitor()
    await other.wait_for("session")
    assert (await other.say("me too"))["ok"] is True


async def test_visitor_typing_reaches_the_agent(server, visitor, agent):
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.say("one moment, I will write more")
    conversation_id = await conversation_of(server, ack["entry_id"])
    await guest.emit("typing", {"on": True})
    typing = await agent.wait_for("typing", lambda d: d["conversation_id"] == conversation_id)
    assert typing["on"] is True and typing["author"]["type"] == "client"
    await guest.emit("typing", {"on": False})
    await agent.wait_for("typing", lambda d: d["conversation_id"] == conversation_id and d["on"] is False)


async def test_agent_typing_reaches_the_visitor(server, visitor, agent):
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.say("anyone there?")
    conversation_id = await conversation_of(server, ack["entry_id"])
    await agent.emit("typing", {"conversation_id": conversation_id, "on": True})
    typing = await guest.wait_for("typing")
    assert typing["on"] is True
    assert typing["author"]["type"] == "user" and typing["author"]["name"]
    # the visitor's own typing is never echoed back to them
    await guest.emit("typing", {"on": True})
    await asyncio.sleep(0.2)
    assert all(t["author"]["type"] == "user" for t in guest.events["typing"])


async def test_the_visitors_other_tab_sees_its_message(server, visitor):
    tab1 = await visitor()
    await tab1.wait_for("session")
    tab2 = await visitor(tab1.token)
    ack = await tab1.say("from tab one", "tab-1")
    echoed = await tab2.wait_for("message", lambda m: m["id"] == ack["entry_id"])
    assert echoed["client_msg_id"] == "tab-1" and echoed["author"]["type"] == "client"
    await asyncio.sleep(0.1)
    assert not tab1.got("message")


async def test_a_store_failure_answers_unavailable_so_the_page_sends_again(server, visitor, monkeypatch):
    import connectors.webchat.namespace as namespace

    real_ingest = namespace.ingest

    async def broken(hub, message):
        raise ConnectionError("store unreachable")

    guest = await visitor()
    await guest.wait_for("session")
    monkeypatch.setattr(namespace, "ingest", broken)
    assert (await guest.say("are you there?", "retry-me"))["code"] == "unavailable"
    monkeypatch.setattr(namespace, "ingest", real_ingest)
    again = await guest.say("are you there?", "retry-me")
    assert again["ok"] is True and again["duplicate"] is False


class _LinkTo:
    """A "continue in" provider as a connector registers one."""

    channel = "elsewhere"
    title = "Elsewhere"

    def url_for(self, client_id: str) -> str:
        return f"https://elsewhere.example/start?c={client_id}"


async def test_continue_links_are_offered_once_the_visitor_has_a_client(server, visitor):
    server.hub.continue_links.append(_LinkTo())
    guest = await visitor()
    await guest.wait_for("session")
    assert await guest.call("links") == {"ok": True, "items": []}  # no client yet
    assert await guest.call("prechat", {"name": "Ann"}) == {"ok": True}
    assert await guest.call("links", {}) == {"ok": True, "items": []}  # a pre-chat form makes no client

    ack = await guest.say("Hello")
    client_id = (await server.hub.store.timeline.get(ack["entry_id"])).client_id
    assert await guest.call("links") == {
        "ok": True,
        "items": [
            {
                "channel": "elsewhere",
                "title": "Elsewhere",
                "url": f"https://elsewhere.example/start?c={client_id}",
            }
        ],
    }
    # another visitor gets nothing of that client
    stranger = await visitor()
    await stranger.wait_for("session")
    assert await stranger.call("links") == {"ok": True, "items": []}
