"""Task events and notifications on /agent reach exactly the users who may see them, with real Socket.IO clients
against a running hub. A "nothing arrived" check always waits first for a later event that the same socket does
receive (a barrier), and events to one socket keep their order."""

from __future__ import annotations

import pytest
from support import AgentClient

from hub.actions import staff
from hub.domain import Role


@pytest.fixture
async def org(server):
    hub = server.hub
    sales = await staff.create_department(hub, "Sales")
    support = await staff.create_department(hub, "Support")
    people = {}
    for email, role, deps in (
        ("ann@example.com", Role.agent, [support.id]),
        ("bob@example.com", Role.agent, [support.id]),
        ("sam@example.com", Role.agent, [sales.id]),
        ("sup@example.com", Role.supervisor, []),
        ("pat@example.com", Role.partner, []),
    ):
        people[email.split("@")[0]] = await staff.create_user(
            hub,
            email=email,
            name=email[:3].title(),
            role=role,
            password="secret-password",
            department_ids=deps,
        )
    headers = {"admin": await server.login()}
    for who in people:
        headers[who] = await server.login(f"{who}@example.com", "secret-password")
    return {"sales": sales, "support": support, "people": people, "headers": headers}


@pytest.fixture
async def sockets(server, org):
    opened: dict[str, AgentClient] = {}
    for who in ("ann", "bob", "sam", "sup"):  # partners have no /agent socket (their portal is REST)
        agent = AgentClient()
        await agent.open(server.url, {"token": org["headers"][who]["Authorization"][7:]})
        opened[who] = agent
    yield opened
    for agent in opened.values():
        await agent.close()


async def call(server, method: str, path: str, headers: dict, body=None) -> tuple[int, dict]:
    async with server.http.request(method, f"{server.url}{path}", headers=headers, json=body) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else {})


async def test_task_events_reach_exactly_who_may_see_the_task(server, org, sockets):
    h, p = org["headers"], org["people"]
    status, pushed = await call(
        server, "POST", "/api/v1/inbound", h["admin"],
        {"external_id": "m1", "sender": {"email": "olga@example.com"}, "text": "call me back"},
    )  # fmt: skip
    assert status == 201
    status, _ = await call(
        server, "PATCH", f"/api/v1/conversations/{pushed['conversation_id']}", h["admin"],
        {"department_id": org["sales"].id},
    )  # fmt: skip
    # Sam (Sales) creates a task on the Sales conversation for Ann (Support)
    status, task = await call(
        server, "POST", "/api/v1/tasks", h["sam"],
        {"title": "Call back", "client_id": pushed["client_id"], "conversation_id": pushed["conversation_id"],
         "assignee_id": p["ann"].id},
    )  # fmt: skip
    assert status == 201, task
    for who in ("ann", "sam", "sup"):  # the assignee, the creator (who sees the conversation), a supervisor
        got = await sockets[who].wait_for("task:created", lambda d: d["task"]["id"] == task["id"])
        assert got["task"]["title"] == "Call back" and got["actor_id"] == p["sam"].id
    note = await sockets["ann"].wait_for("notification", lambda d: d.get("task_id") == task["id"])
    assert note["kind"] == "task_assigned" and note["params"]["from"] == "Sam" and note["unread_count"] == 1
    # Ann marks it done: the creator and the supervisor see that live
    status, _ = await call(server, "PATCH", f"/api/v1/tasks/{task['id']}", h["ann"], {"status": "done"})
    assert status == 200
    for who in ("ann", "sam", "sup"):
        got = await sockets[who].wait_for("task:updated", lambda d: d["task"]["id"] == task["id"])
        assert got["task"]["status"] == "done" and got["changes"] == ["done_at", "status"]

    # barrier: a task for Bob's department, which Bob receives; he never saw the first task
    status, barrier = await call(
        server, "POST", "/api/v1/tasks", h["admin"],
        {"title": "Barrier", "client_id": pushed["client_id"], "department_id": org["support"].id},
    )  # fmt: skip
    assert status == 201
    await sockets["bob"].wait_for("task:created", lambda d: d["task"]["id"] == barrier["id"])
    assert not sockets["bob"].got("task:created", lambda d: d["task"]["id"] == task["id"])
    assert not sockets["bob"].got("task:updated", lambda d: d["task"]["id"] == task["id"])
    assert not sockets["bob"].got("notification", lambda d: d.get("task_id") == task["id"])
    # the department's members are notified of a department task (not the admin who made it)
    bell = await sockets["bob"].wait_for("notification", lambda d: d.get("task_id") == barrier["id"])
    assert bell["kind"] == "task_assigned"
    # Sam (Sales) is told of the Support department's task only once it is his
    status, third = await call(
        server, "PATCH", f"/api/v1/tasks/{barrier['id']}", h["admin"], {"assignee_id": p["sam"].id}
    )
    assert status == 200
    await sockets["sam"].wait_for("task:updated", lambda d: d["task"]["id"] == barrier["id"])
    assert not sockets["sam"].got("task:created", lambda d: d["task"]["id"] == barrier["id"])


async def test_the_bell_follows_reads_in_every_tab(server, org, sockets):
    h, p = org["headers"], org["people"]
    second_tab = AgentClient()
    await second_tab.open(server.url, {"token": h["ann"]["Authorization"][7:]})
    try:
        status, pushed = await call(
            server, "POST", "/api/v1/inbound", h["admin"],
            {"external_id": "m2", "sender": {"email": "ivan@example.com"}, "text": "hello"},
        )  # fmt: skip
        status, task = await call(
            server, "POST", "/api/v1/tasks", h["bob"],
            {"title": "Refund", "client_id": pushed["client_id"], "assignee_id": p["ann"].id},
        )  # fmt: skip
        assert status == 201
        note = await second_tab.wait_for("notification", lambda d: d.get("task_id") == task["id"])
        status, body = await call(
            server, "POST", "/api/v1/notifications/read", h["ann"], {"ids": [note["id"]]}
        )
        assert body == {"changed": 1, "unread_count": 0}
        for tab in (sockets["ann"], second_tab):
            read = await tab.wait_for("notification:read", lambda d: d["ids"] == [note["id"]])
            assert read["unread_count"] == 0
    finally:
        await second_tab.close()
