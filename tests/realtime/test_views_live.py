"""Saved-view events on /agent reach exactly the users who see the view, with real Socket.IO clients: a personal
view only its owner (every tab), a department's view its members and supervisors, a narrowed or deleted one sends
`view:removed` to who lost it. "Nothing arrived" checks wait first for a later event the same socket receives."""

from __future__ import annotations

import pytest
from support import AgentClient

from hub.actions import staff
from hub.domain import Role


@pytest.fixture
async def org(server):
    hub = server.hub
    support = await staff.create_department(hub, "Support")
    sales = await staff.create_department(hub, "Sales")
    people = {}
    for who, role, deps in (
        ("ann", Role.agent, [support.id]),
        ("bob", Role.agent, [support.id]),
        ("sam", Role.agent, [sales.id]),
        ("sup", Role.supervisor, [support.id]),
    ):
        people[who] = await staff.create_user(
            hub, email=f"{who}@example.com", name=who.title(), role=role, password="secret-password",
            department_ids=deps,
        )  # fmt: skip
    headers = {who: await server.login(f"{who}@example.com", "secret-password") for who in people}
    return {"support": support, "sales": sales, "people": people, "headers": headers}


@pytest.fixture
async def sockets(server, org):
    opened: dict[str, AgentClient] = {}
    for who in ("ann", "bob", "sam", "sup"):
        agent = AgentClient()
        await agent.open(server.url, {"token": org["headers"][who]["Authorization"][7:]})
        opened[who] = agent
    yield opened
    for agent in opened.values():
        await agent.close()


async def call(server, method: str, path: str, headers: dict, body=None) -> tuple[int, dict]:
    async with server.http.request(method, f"{server.url}{path}", headers=headers, json=body) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else {})


def about(view_id: str):
    return lambda d: d.get("view", {}).get("id", d.get("view_id")) == view_id


async def test_view_events_reach_exactly_who_sees_the_view(server, org, sockets):
    h = org["headers"]
    status, mine = await call(
        server, "POST", "/api/v1/views", h["ann"], {"name": "Mine", "filters": {"assignee": "me"}}
    )
    assert status == 201
    got = await sockets["ann"].wait_for("view:changed", about(mine["id"]))
    assert (
        got["change"] == "created"
        and got["view"]["can_edit"] is True
        and got["view"]["filters"] == {"assignee": "me"}
    )

    status, team = await call(
        server, "POST", "/api/v1/views", h["sup"],
        {"name": "Support urgent", "filters": {"priority": ["urgent"]}, "shared": "department",
         "department_id": org["support"].id},
    )  # fmt: skip
    assert status == 201
    for who in ("ann", "bob", "sup"):
        got = await sockets[who].wait_for("view:changed", about(team["id"]))
        assert got["view"]["name"] == "Support urgent" and got["view"]["can_edit"] is (who == "sup")
    # Sam (Sales) and Bob never heard of Ann's personal view; barrier: a view shared with everyone
    status, everyone = await call(
        server, "POST", "/api/v1/views", h["sup"], {"name": "All", "shared": "everyone"}
    )
    for who in ("bob", "sam"):
        await sockets[who].wait_for("view:changed", about(everyone["id"]))
    assert not sockets["sam"].got("view:changed", about(team["id"]))
    assert not sockets["bob"].got("view:changed", about(mine["id"]))

    # narrowed from everyone to Sales: Ann and Bob lose it, Sam keeps it updated
    status, _ = await call(
        server, "PATCH", f"/api/v1/views/{everyone['id']}", h["sup"],
        {"shared": "department", "department_id": org["sales"].id},
    )  # fmt: skip
    assert status == 200, _
    got = await sockets["sam"].wait_for(
        "view:changed", lambda d: about(everyone["id"])(d) and d["change"] == "updated"
    )
    assert got["view"]["shared"] == "department"
    for who in ("ann", "bob"):
        await sockets[who].wait_for("view:removed", about(everyone["id"]))
    # deleted: whoever saw it is told
    status, _ = await call(server, "DELETE", f"/api/v1/views/{team['id']}", h["sup"])
    assert status == 200
    for who in ("ann", "bob", "sup"):
        await sockets[who].wait_for("view:removed", about(team["id"]))
