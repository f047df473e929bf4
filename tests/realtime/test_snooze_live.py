"""A snooze ending is live (real Socket.IO clients, a running hub with a settable clock): when the running timer
wakes a snoozed conversation, an open /agent socket of the assignee and of a colleague who sees it get
`conversation:updated` with status open, and the assignee the "snooze ended" notification; an agent of another
department gets neither (a barrier: a later push to all of them arrives at that socket first)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from support import AgentClient, Clock

from hub.actions import staff
from hub.app import SNOOZE_TIMERS_KEY
from hub.domain import Role


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def call(server, method: str, path: str, headers: dict, body=None) -> tuple[int, dict]:
    async with server.http.request(method, f"{server.url}{path}", headers=headers, json=body) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else {})


@pytest.fixture
async def org(server):
    hub = server.hub
    hub.clock = Clock()
    sales = await staff.create_department(hub, "Sales")
    support = await staff.create_department(hub, "Support")
    people = {}
    for name, deps in (("ann", [sales.id]), ("bob", [sales.id]), ("sam", [support.id])):
        people[name] = await staff.create_user(
            hub, email=f"{name}@example.com", name=name.title(), role=Role.agent, password="secret-password",
            department_ids=deps,
        )  # fmt: skip
    headers = {"admin": await server.login()}
    for name in people:
        headers[name] = await server.login(f"{name}@example.com", "secret-password")
    return {"sales": sales, "people": people, "headers": headers}


@pytest.fixture
async def sockets(server, org):
    opened: dict[str, AgentClient] = {}
    for who in ("ann", "bob", "sam"):
        agent = AgentClient()
        await agent.open(server.url, {"token": org["headers"][who]["Authorization"][7:]})
        opened[who] = agent
    yield opened
    for agent in opened.values():
        await agent.close()


async def test_the_wake_reaches_open_sockets_live(server, org, sockets):
    h, p = org["headers"], org["people"]
    status, pushed = await call(
        server, "POST", "/api/v1/inbound", h["admin"],
        {"external_id": "z1", "sender": {"email": "olga@example.com"}, "text": "call me tomorrow"},
    )  # fmt: skip
    assert status == 201
    cid = pushed["conversation_id"]
    path = f"/api/v1/conversations/{cid}"
    status, _ = await call(
        server, "PATCH", path, h["admin"], {"department_id": org["sales"].id, "assignee_id": p["ann"].id}
    )
    assert status == 200
    until = server.hub.clock.now + timedelta(hours=2)
    status, snoozed = await call(
        server, "PATCH", path, h["ann"], {"status": "snoozed", "snoozed_until": iso(until)}
    )
    assert status == 200 and snoozed["status"] == "snoozed"
    await sockets["bob"].wait_for(
        "conversation:updated",
        lambda d: d["conversation"]["id"] == cid and d["conversation"]["snoozed_until"] == iso(until),
    )

    server.hub.clock.now = until
    server.app[SNOOZE_TIMERS_KEY].wake()  # the running timer sleeps on the real clock: look again now
    for who in ("ann", "bob"):
        update = await sockets[who].wait_for(
            "conversation:updated",
            lambda d: d["conversation"]["id"] == cid and d["conversation"]["status"] == "open",
        )
        assert update["conversation"]["snoozed_until"] is None
    note = await sockets["ann"].wait_for(
        "notification", lambda d: d["kind"] == "snooze_ended" and d["conversation_id"] == cid
    )
    assert note["params"]["until"] == iso(until)

    # barrier: a new conversation everyone's list gets (unrouted) reaches Sam after the wake would have
    status, _ = await call(
        server, "POST", "/api/v1/inbound", h["admin"],
        {"external_id": "z2", "sender": {"email": "ivan@example.com"}, "text": "hello"},
    )  # fmt: skip
    for who in ("sam", "bob"):
        await sockets[who].wait_for("timeline:new", lambda d: d["entry"]["text"] == "hello")
    assert not sockets["sam"].got("conversation:updated", lambda d: d["conversation"]["id"] == cid)
    assert not sockets["sam"].got("notification", lambda d: d["kind"] == "snooze_ended")
    assert not sockets["bob"].got("notification", lambda d: d["kind"] == "snooze_ended")
