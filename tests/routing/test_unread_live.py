"""Unread per agent: one agent reading a conversation no longer clears it for the other, over REST and in the
pushes each of them gets (real Socket.IO clients; every check waits for the event it looks at)."""

from __future__ import annotations

import pytest
from support import AgentClient

from hub.actions import staff
from hub.domain import Role


@pytest.fixture
async def two_agents(server):
    hub = server.hub
    service = await staff.create_department(hub, "Service")
    headers = {"admin": await server.login()}
    for name in ("anna", "boris"):
        await staff.create_user(
            hub,
            email=f"{name}@example.com",
            name=name.title(),
            role=Role.agent,
            password="secret-password",
            department_ids=[service.id],
        )
        headers[name] = await server.login(f"{name}@example.com", "secret-password")
    return headers


async def call(server, method: str, path: str, headers: dict, body=None) -> tuple[int, dict]:
    async with server.http.request(method, f"{server.url}{path}", headers=headers, json=body) as r:
        return r.status, await r.json()


async def push(server, headers, external_id: str, text: str) -> dict:
    status, body = await call(
        server,
        "POST",
        "/api/v1/inbound",
        headers["admin"],
        {"external_id": external_id, "sender": {"email": "reader@example.com"}, "text": text},
    )
    assert status == 201, body
    return body


async def unread(server, headers, conversation_id: str) -> tuple[int, int]:
    status, listed = await call(server, "GET", "/api/v1/conversations", headers)
    assert status == 200
    [found] = [c for c in listed["items"] if c["id"] == conversation_id]
    _, one = await call(server, "GET", f"/api/v1/conversations/{conversation_id}", headers)
    return found["unread"], one["unread"]


async def test_read_state_is_per_agent_over_rest_and_in_pushes(server, two_agents):
    h = two_agents
    anna, boris = AgentClient(), AgentClient()
    await anna.open(server.url, {"token": h["anna"]["Authorization"][7:]})
    await boris.open(server.url, {"token": h["boris"]["Authorization"][7:]})
    try:
        first = await push(server, h, "u1", "hello")
        cid = first["conversation_id"]
        await push(server, h, "u2", "anyone?")
        assert await unread(server, h["anna"], cid) == (2, 2)
        assert await unread(server, h["boris"], cid) == (2, 2)

        status, read = await call(server, "POST", f"/api/v1/conversations/{cid}/read", h["anna"])
        assert status == 200 and read["unread"] == 0
        assert await unread(server, h["anna"], cid) == (0, 0)
        assert await unread(server, h["boris"], cid) == (2, 2)  # Anna's read is hers alone
        # Anna's own sockets learn it; the read reaches nobody else (Boris's next push still says 2 + 1)
        await anna.wait_for("conversation:updated", lambda d: d["changes"] == ["unread"])

        third = await push(server, h, "u3", "hello again")
        pushed_anna = await anna.wait_for("timeline:new", lambda d: d["entry"]["id"] == third["entry_id"])
        pushed_boris = await boris.wait_for("timeline:new", lambda d: d["entry"]["id"] == third["entry_id"])
        assert pushed_anna["conversation"]["unread"] == 1
        assert pushed_boris["conversation"]["unread"] == 3
        assert not boris.got("conversation:updated", lambda d: d["changes"] == ["unread"])
        assert await unread(server, h["anna"], cid) == (1, 1)

        # replying reads it for the one who replied
        status, _ = await call(
            server, "POST", f"/api/v1/conversations/{cid}/replies", h["boris"], {"text": "hi"}
        )
        assert status == 201
        assert await unread(server, h["boris"], cid) == (0, 0)
        assert await unread(server, h["anna"], cid) == (1, 1)
    finally:
        await anna.close()
        await boris.close()


async def test_department_policy_and_capacity_over_rest(server, two_agents):
    h = two_agents
    _, departments = await call(server, "GET", "/api/v1/departments", h["admin"])
    service = departments["items"][0]
    status, changed = await call(
        server, "PATCH", f"/api/v1/departments/{service['id']}", h["admin"], {"assignment": "round_robin"}
    )
    assert status == 200 and changed["assignment"] == "round_robin" and changed["name"] == "Service"
    status, renamed = await call(
        server, "PATCH", f"/api/v1/departments/{service['id']}", h["admin"], {"name": "Care"}
    )
    assert status == 200 and renamed["name"] == "Care" and renamed["assignment"] == "round_robin"
    status, bad = await call(
        server, "PATCH", f"/api/v1/departments/{service['id']}", h["admin"], {"assignment": "lottery"}
    )
    assert status == 400
    _, users = await call(server, "GET", "/api/v1/users", h["admin"])
    anna = next(u for u in users["items"] if u["email"] == "anna@example.com")
    status, updated = await call(server, "PATCH", f"/api/v1/users/{anna['id']}", h["admin"], {"capacity": 2})
    assert status == 200 and updated["capacity"] == 2
    status, _ = await call(server, "PATCH", f"/api/v1/users/{anna['id']}", h["admin"], {"capacity": -1})
    assert status == 400
    status, _ = await call(
        server, "PATCH", f"/api/v1/departments/{service['id']}", h["anna"], {"assignment": "manual"}
    )
    assert status == 403


async def test_routing_rules_over_rest(server, two_agents):
    h = two_agents
    status, rules = await call(server, "GET", "/api/v1/routing-rules", h["admin"])
    assert status == 200 and rules["source"] == "file" and rules["rules"] == []
    body = {"rules": [{"name": "Refunds", "when": {"words": ["refund"]}, "then": {"department": "Service"}}]}
    status, saved = await call(server, "PUT", "/api/v1/routing-rules", h["admin"], body)
    assert status == 200 and saved["source"] == "store" and saved["rules"][0]["name"] == "Refunds"
    status, bad = await call(
        server, "PUT", "/api/v1/routing-rules", h["admin"], {"rules": [{"name": "X", "then": {}}]}
    )
    assert status == 400 and "at least one action" in bad["error"]["message"]
    status, _ = await call(server, "PUT", "/api/v1/routing-rules", h["anna"], body)
    assert status == 403
    pushed = await push(server, h, "r1", "I want a refund")
    _, conversation = await call(
        server, "GET", f"/api/v1/conversations/{pushed['conversation_id']}", h["admin"]
    )
    assert conversation["department_id"] is not None
    status, queues = await call(server, "GET", "/api/v1/assignment/queues", h["admin"])
    assert status == 200 and queues["items"][0]["department"]["name"] == "Service"
