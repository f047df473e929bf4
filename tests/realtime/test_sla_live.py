"""SLA live, with real Socket.IO clients against a running hub (a settable clock): the conversation pushes carry
`sla`; the warning and the breach notice reach the assignee and the department's supervisor as `notification`
from the running timer, and an agent of another department gets neither (a barrier first: a later notification
that same socket does receive)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import AgentClient, Clock, make_settings, sla_policies_file

from hub.actions import staff
from hub.app import SLA_TIMERS_KEY
from hub.domain import Role

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday, within the policies' business hours


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path, sla_file=sla_policies_file(tmp_path))


@pytest.fixture
async def org(server):
    hub = server.hub
    hub.clock = Clock(T0)
    support = await staff.create_department(hub, "Support")
    sales = await staff.create_department(hub, "Sales")
    people = {}
    for name, role, deps in (
        ("ann", Role.agent, [support.id]),
        ("sam", Role.agent, [sales.id]),
        ("sue", Role.supervisor, [support.id]),
    ):
        people[name] = await staff.create_user(
            hub, email=f"{name}@example.com", name=name.title(), role=role, password="secret-password",
            department_ids=deps,
        )  # fmt: skip
    headers = {"admin": await server.login()}
    for name in people:
        headers[name] = await server.login(f"{name}@example.com", "secret-password")
    return {"support": support, "sales": sales, "people": people, "headers": headers}


@pytest.fixture
async def sockets(server, org):
    opened: dict[str, AgentClient] = {}
    for who in ("ann", "sam", "sue"):
        agent = AgentClient()
        await agent.open(server.url, {"token": org["headers"][who]["Authorization"][7:]})
        opened[who] = agent
    yield opened
    for agent in opened.values():
        await agent.close()


async def call(server, method: str, path: str, headers: dict, body=None) -> tuple[int, dict]:
    async with server.http.request(method, f"{server.url}{path}", headers=headers, json=body) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else {})


def move_clock(server, minutes: float) -> None:
    server.hub.clock.now += timedelta(minutes=minutes)
    server.app[SLA_TIMERS_KEY].wake()  # the running timer sleeps on the real clock: look again now


async def test_warning_and_breach_reach_the_assignee_and_supervisor_live(server, org, sockets):
    h, p = org["headers"], org["people"]
    status, pushed = await call(
        server, "POST", "/api/v1/inbound", h["admin"],
        {"external_id": "s1", "sender": {"email": "olga@example.com"}, "text": "my order is late"},
    )  # fmt: skip
    assert status == 201
    cid = pushed["conversation_id"]
    status, patched = await call(
        server, "PATCH", f"/api/v1/conversations/{cid}", h["admin"],
        {"department_id": org["support"].id, "assignee_id": p["ann"].id},
    )  # fmt: skip
    assert status == 200 and patched["sla"]["policy"] == "Support"
    due = (T0 + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    update = await sockets["ann"].wait_for(
        "conversation:updated",
        lambda d: d["conversation"]["id"] == cid and d["conversation"]["sla"] is not None,
    )
    assert update["conversation"]["sla"]["first_response_due_at"] == due
    assert update["conversation"]["sla"]["breached"] == []

    move_clock(server, 20)  # the warning's time
    for who in ("ann", "sue"):
        note = await sockets[who].wait_for(
            "notification", lambda d: d["kind"] == "sla_warning" and d["conversation_id"] == cid
        )
        assert note["params"]["target"] == "first_response" and note["params"]["due_at"] == due
    move_clock(server, 10)  # due: breached
    for who in ("ann", "sue"):
        note = await sockets[who].wait_for(
            "notification", lambda d: d["kind"] == "sla_breach" and d["conversation_id"] == cid
        )
        assert note["params"]["policy"] == "Support"
    breached = await sockets["ann"].wait_for(
        "conversation:updated",
        lambda d: d["conversation"]["id"] == cid and (d["conversation"]["sla"] or {}).get("breached"),
    )
    assert breached["conversation"]["sla"]["breached"] == ["first_response"]
    status, inbox = await call(server, "GET", "/api/v1/conversations", h["ann"])
    assert status == 200
    [listed] = [c for c in inbox["items"] if c["id"] == cid]
    assert listed["sla"]["breached"] == ["first_response"] and listed["sla"]["first_response_due_at"] == due

    # barrier: a Sales conversation breaches for Sam; he never heard of the Support one
    status, other = await call(
        server, "POST", "/api/v1/inbound", h["admin"],
        {"external_id": "s2", "sender": {"email": "ivan@example.com"}, "text": "hello"},
    )  # fmt: skip
    status, _ = await call(
        server, "PATCH", f"/api/v1/conversations/{other['conversation_id']}", h["admin"],
        {"department_id": org["sales"].id, "priority": "urgent"},
    )  # fmt: skip
    assert status == 200
    move_clock(server, 10)  # Urgent: first response due 10 minutes after the message
    await sockets["sam"].wait_for(
        "notification",
        lambda d: d["kind"] == "sla_breach" and d["conversation_id"] == other["conversation_id"],
    )
    assert not sockets["sam"].got("notification", lambda d: d["conversation_id"] == cid)
    # (he saw it while it was unrouted, before any policy applied; never its clock)
    assert not sockets["sam"].got(
        "conversation:updated",
        lambda d: d["conversation"]["id"] == cid and d["conversation"]["sla"] is not None,
    )
    # the Support supervisor is not told about the Sales conversation either (barrier: her own later breach)
    move_clock(server, 240)
    await sockets["sue"].wait_for(
        "notification",
        lambda d: (
            d["kind"] == "sla_breach"
            and d["conversation_id"] == cid
            and d["params"]["target"] == "resolution"
        ),
    )
    assert not sockets["sue"].got("notification", lambda d: d["conversation_id"] == other["conversation_id"])
