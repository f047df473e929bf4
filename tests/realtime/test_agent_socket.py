"""The /agent namespace with real Socket.IO clients against a running hub."""

from __future__ import annotations

import asyncio

import pytest
import socketio
from support import AgentClient

from hub.actions import staff
from hub.domain import Role


@pytest.fixture
async def team(server):
    """Departments Sales and Support, agents in each, tokens for all."""
    hub = server.hub
    sales = await staff.create_department(hub, "Sales")
    support = await staff.create_department(hub, "Support")
    for email, deps in (
        ("agent1@example.com", [sales.id]),
        ("agent2@example.com", [sales.id]),
        ("support1@example.com", [support.id]),
    ):
        await staff.create_user(
            hub,
            email=email,
            name=email.split("@")[0].title(),
            role=Role.agent,
            password="agent-password",
            department_ids=deps,
        )
    tokens = {"admin": (await server.login())["Authorization"][7:]}
    for who in ("agent1", "agent2", "support1"):
        tokens[who] = (await server.login(f"{who}@example.com", "agent-password"))["Authorization"][7:]
    return {"sales": sales, "support": support, "tokens": tokens}


@pytest.fixture
async def connect(server):
    agents: list[AgentClient] = []

    async def _connect(token: str | None) -> AgentClient:
        agent = AgentClient()
        await agent.open(server.url, {"token": token} if token else None)
        agents.append(agent)
        return agent

    yield _connect
    for agent in agents:
        await agent.close()


async def push(server, headers, external_id: str, email: str, text: str = "hello") -> dict:
    async with server.http.post(
        f"{server.url}/api/v1/inbound",
        headers=headers,
        json={"external_id": external_id, "sender": {"email": email, "name": "Visitor"}, "text": text},
    ) as r:
        assert r.status == 201, await r.text()
        return await r.json()


@pytest.mark.parametrize("auth", [None, "garbage", "x.y.z"])
async def test_connect_without_a_valid_token_is_refused(server, auth):
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            server.url,
            namespaces=["/agent"],
            auth={"token": auth} if auth else None,
            transports=["websocket"],
            wait_timeout=5,
        )
    await client.disconnect()


async def test_new_unrouted_message_reaches_every_agent_then_only_its_department(server, team, connect):
    admin_headers = {"Authorization": f"Bearer {team['tokens']['admin']}"}
    agent1 = await connect(team["tokens"]["agent1"])
    support1 = await connect(team["tokens"]["support1"])
    admin = await connect(team["tokens"]["admin"])

    first = await push(server, admin_headers, "m1", "new@example.com")
    for sock in (agent1, support1, admin):
        data = await sock.wait_for("timeline:new", lambda d: d["entry"]["id"] == first["entry_id"])
        assert data["entry"]["text"] == "hello"
        assert data["conversation"]["id"] == first["conversation_id"]

    # routed to Sales: the next message reaches Sales and admins, not Support
    async with server.http.patch(
        f"{server.url}/api/v1/conversations/{first['conversation_id']}",
        headers=admin_headers,
        json={"department_id": team["sales"].id},
    ) as r:
        assert r.status == 200
    # Support hears that it left their view, without its content
    removed = await support1.wait_for("conversation:removed", lambda d: True)
    assert removed == {"conversation_id": first["conversation_id"]}
    second = await push(server, admin_headers, "m2", "new@example.com", "second")
    await agent1.wait_for("timeline:new", lambda d: d["entry"]["id"] == second["entry_id"])
    await admin.wait_for("timeline:new", lambda d: d["entry"]["id"] == second["entry_id"])
    # a barrier: a new unrouted message reaches support1 after the second one would have
    barrier = await push(server, admin_headers, "m3", "other@example.com", "barrier")
    await support1.wait_for("timeline:new", lambda d: d["entry"]["id"] == barrier["entry_id"])
    assert not support1.got("timeline:new", lambda d: d["entry"]["id"] == second["entry_id"])
    assert not support1.got(
        "conversation:updated",
        lambda d: (
            d["conversation"]["id"] == first["conversation_id"]
            and d["conversation"]["department_id"] == team["sales"].id
        ),
    )


async def test_note_mention_reaches_the_mentioned_agent(server, team, connect):
    admin_headers = {"Authorization": f"Bearer {team['tokens']['admin']}"}
    agent2 = await connect(team["tokens"]["agent2"])
    support1 = await connect(team["tokens"]["support1"])
    msg = await push(server, admin_headers, "m1", "client@example.com")
    agent1_headers = {"Authorization": f"Bearer {team['tokens']['agent1']}"}
    async with server.http.post(
        f"{server.url}/api/v1/conversations/{msg['conversation_id']}/notes",
        headers=agent1_headers,
        json={"text": "@agent2 can you take this?"},
    ) as r:
        assert r.status == 201
        note = await r.json()
    notification = await agent2.wait_for("notification", lambda d: d["entry_id"] == note["id"])
    # the stored line of the notification centre: its id, read state and the count the bell shows
    assert notification["kind"] == "mention" and notification["from"] == "Agent1"
    assert notification["id"] and notification["read"] is False and notification["unread_count"] == 1
    assert notification["text"] == "@agent2 can you take this?"

    # a barrier: a later note mentions both; each socket gets its events in order, so once this one is in,
    # anything the first note sent them would be too
    async with server.http.post(
        f"{server.url}/api/v1/clients/{msg['client_id']}/notes",
        headers=agent1_headers,
        json={"text": "@agent2 @support1 FYI"},
    ) as r:
        assert r.status == 201, await r.text()
        later = await r.json()
    await agent2.wait_for("notification", lambda d: d["entry_id"] == later["id"])
    await support1.wait_for("notification", lambda d: d["entry_id"] == later["id"])
    # each mention arrives once, as a `notification` (no separate `mention` event); Support heard nothing of the
    # Sales conversation's note
    assert [d["entry_id"] for d in agent2.events["notification"]] == [note["id"], later["id"]]
    assert [d["unread_count"] for d in agent2.events["notification"]] == [1, 2]
    assert not agent2.got("mention") and not support1.got("mention")
    assert [d["entry_id"] for d in support1.events["notification"]] == [later["id"]]


async def test_reconnecting_agent_gets_what_it_missed_once(server, team, connect):
    admin_headers = {"Authorization": f"Bearer {team['tokens']['admin']}"}
    first = await push(server, admin_headers, "m1", "c@example.com", "one")
    agent = await connect(team["tokens"]["agent1"])
    await agent.close()
    await push(server, admin_headers, "m2", "c@example.com", "two")
    await push(server, admin_headers, "m3", "c@example.com", "three")
    again = await connect(team["tokens"]["agent1"])
    answer = await again.client.call(
        "sync",
        {"conversation_id": first["conversation_id"], "after": first["entry_id"]},
        namespace="/agent",
        timeout=5,
    )
    assert [e["text"] for e in answer["items"]] == ["two", "three"]


async def test_joining_a_conversation_of_another_department_is_refused(server, team, connect):
    admin_headers = {"Authorization": f"Bearer {team['tokens']['admin']}"}
    msg = await push(server, admin_headers, "m1", "c@example.com")
    async with server.http.patch(
        f"{server.url}/api/v1/conversations/{msg['conversation_id']}",
        headers=admin_headers,
        json={"department_id": team["sales"].id},
    ) as r:
        assert r.status == 200
    support1 = await connect(team["tokens"]["support1"])
    agent1 = await connect(team["tokens"]["agent1"])
    refused = await support1.client.call(
        "join", {"conversation_id": msg["conversation_id"]}, namespace="/agent"
    )
    allowed = await agent1.client.call(
        "join", {"conversation_id": msg["conversation_id"]}, namespace="/agent"
    )
    assert refused["ok"] is False and allowed["ok"] is True


async def test_visitor_message_reaches_its_department_not_another_and_notes_stay_internal(
    server, team, connect
):
    admin_headers = {"Authorization": f"Bearer {team['tokens']['admin']}"}
    visitor = socketio.AsyncClient(reconnection=False)
    to_visitor: list[tuple[str, dict]] = []

    @visitor.on("*", namespace="/widget")
    async def _any(event, data):
        to_visitor.append((event, data))

    await visitor.connect(server.url, namespaces=["/widget"], transports=["websocket"], wait_timeout=5)
    try:
        first = await visitor.call(
            "message", {"text": "hi, I need help", "client_msg_id": "v-1"}, namespace="/widget", timeout=5
        )
        assert first["ok"] is True
        entry = await server.hub.store.timeline.get(first["entry_id"])
        async with server.http.patch(
            f"{server.url}/api/v1/conversations/{entry.conversation_id}",
            headers=admin_headers,
            json={"department_id": team["sales"].id},
        ) as r:
            assert r.status == 200
        agent1 = await connect(team["tokens"]["agent1"])
        agent2 = await connect(team["tokens"]["agent2"])
        support1 = await connect(team["tokens"]["support1"])

        second = await visitor.call(
            "message", {"text": "are you there?", "client_msg_id": "v-2"}, namespace="/widget", timeout=5
        )
        data = await agent1.wait_for("timeline:new", lambda d: d["entry"]["id"] == second["entry_id"])
        assert data["entry"]["channel"] == "webchat" and data["entry"]["text"] == "are you there?"

        agent1_headers = {"Authorization": f"Bearer {team['tokens']['agent1']}"}
        async with server.http.post(
            f"{server.url}/api/v1/conversations/{entry.conversation_id}/notes",
            headers=agent1_headers,
            json={"text": "@agent2 VIP, answer fast"},
        ) as r:
            assert r.status == 201
            note = await r.json()
        await agent2.wait_for("notification", lambda d: d["entry_id"] == note["id"])
        async with server.http.post(
            f"{server.url}/api/v1/conversations/{entry.conversation_id}/replies",
            headers=agent1_headers,
            json={"text": "Yes, how can I help?"},
        ) as r:
            assert r.status == 201
        for _ in range(100):  # the reply reaches the visitor ...
            if any(e == "message" and d["text"] == "Yes, how can I help?" for e, d in to_visitor):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the agent's reply did not reach the visitor")
        # ... the note and the mention never do, and Support never heard of this Sales conversation
        assert not any("VIP" in str(d) for _e, d in to_visitor)
        assert not support1.got(
            "timeline:new", lambda d: d["entry"]["conversation_id"] == entry.conversation_id
        )
        assert not support1.got("notification", lambda d: d.get("entry_id") == note["id"])
    finally:
        await visitor.disconnect()
