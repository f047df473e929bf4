"""The screen pop over real Socket.IO clients: a ringing call reaches the agents of the called number's department
and not another department's; answered, the banner goes. A missed call becomes a callback task for the department.

"Nothing arrived" is concluded only after a barrier: a later event the same socket does receive (events to one
socket keep their order)."""

from __future__ import annotations

import pytest
from support import AgentClient
from telephony_helpers import SALES_LINE, UNROUTED_LINE, call_entry, generic

from hub.actions import calls as call_actions
from hub.actions import staff
from hub.domain import Role

CLIENT = "+79161234567"


def event(event_id: str, status: str, *, call_id: str = "pop-1", line: str = SALES_LINE, **extra) -> dict:
    return {"event_id": event_id, "call_id": call_id, "direction": "in", "from": CLIENT, "to": line,
            "status": status, **extra}  # fmt: skip


@pytest.fixture
async def org(server):
    hub = server.hub
    sales = await staff.create_department(hub, "Sales")
    support = await staff.create_department(hub, "Support")
    users = {}
    for name, dep in (("sam", sales), ("sue", support)):
        users[name] = await staff.create_user(
            hub,
            email=f"{name}@example.com",
            name=name.title(),
            role=Role.agent,
            password="secret-password",
            department_ids=[dep.id],
        )
    return {"sales": sales, "support": support, "users": users}


@pytest.fixture
async def sockets(server):
    opened: list[AgentClient] = []

    async def _open(email: str) -> AgentClient:
        headers = await server.login(email, "secret-password")
        agent = AgentClient()
        await agent.open(server.url, {"token": headers["Authorization"][7:]})
        opened.append(agent)
        return agent

    yield _open
    for agent in opened:
        await agent.close()


async def test_a_ringing_call_pops_up_for_the_numbers_department_only(server, org, sockets):
    sam = await sockets("sam@example.com")
    sue = await sockets("sue@example.com")
    assert (await generic(server, event("r1", "ringing")))[0] == 200
    pop = await sam.wait_for("call:incoming", lambda d: d["call"]["number"] == CLIENT)
    entry = await call_entry(server, "generic", "pop-1")
    assert pop["entry_id"] == entry.id
    assert pop["known"] is False  # a number the hub did not know: "unknown caller"
    assert pop["client"]["id"] == entry.client_id
    assert pop["call"]["line"] == SALES_LINE

    # barrier: an unrouted call reaches every agent, so Sue has heard all that was meant for her before it
    other = {**event("b1", "ringing", call_id="pop-2", line=UNROUTED_LINE), "from": "+79035550000"}
    assert (await generic(server, other))[0] == 200
    await sue.wait_for("call:incoming", lambda d: d["call"]["number"] == "+79035550000")
    assert not sue.got("call:incoming", lambda d: d["entry_id"] == entry.id)

    # answered elsewhere: the banner goes
    assert (await generic(server, event("a1", "answered", answered_by="Sam")))[0] == 200
    ended = await sam.wait_for("call:ended", lambda d: d["entry_id"] == entry.id)
    assert ended["call"]["status"] == "answered"


async def test_a_known_client_pops_up_with_their_card(server, org, sockets):
    headers = await server.login()
    async with server.http.post(
        f"{server.url}/api/v1/inbound",
        headers=headers,
        json={"external_id": "m1", "sender": {"phone": CLIENT, "name": "Иван Петров"}, "text": "hi"},
    ) as r:
        assert r.status == 201
    sam = await sockets("sam@example.com")
    await generic(server, event("r1", "ringing"))
    pop = await sam.wait_for("call:incoming")
    assert pop["known"] is True and pop["client"]["name"] == "Иван Петров"


async def test_a_late_ringing_after_the_answer_pops_nothing(server, org, sockets):
    sam = await sockets("sam@example.com")
    await generic(server, event("a1", "answered"))
    await generic(server, event("r1", "ringing"))  # arrives late: the call is answered already
    await generic(server, {**event("b1", "ringing", call_id="pop-2"), "from": "+79035550000"})  # barrier
    await sam.wait_for("call:incoming", lambda d: d["call"]["number"] == "+79035550000")
    assert not sam.got("call:incoming", lambda d: d["call"]["number"] == CLIENT)


async def test_a_missed_call_becomes_a_callback_task_of_the_department(server, org):
    hub = server.hub
    if call_actions._tasks_module() is None or getattr(hub.store, "tasks", None) is None:
        pytest.skip("hub.actions.tasks is not in this tree: the fallback test covers it")
    from hub.store.port import TaskQuery

    await generic(server, event("r1", "ringing"))
    await generic(server, event("m1", "missed"))
    await generic(server, event("m1", "missed"))  # a replay makes no second task
    tasks = await hub.store.tasks.query(TaskQuery(department_id=org["sales"].id))
    assert len(tasks) == 1
    task = tasks[0]
    entry = await call_entry(server, "generic", "pop-1")
    assert task.kind == "callback" and task.status == "open"
    assert (task.client_id, task.entry_id, task.meta["number"]) == (entry.client_id, entry.id, CLIENT)
    assert CLIENT in task.title
    # an agent calls back and the client answers: the task is done
    back = {"event_id": "o1", "call_id": "back-1", "direction": "out", "from": SALES_LINE, "to": CLIENT,
            "status": "answered"}  # fmt: skip
    assert (await generic(server, back))[0] == 200
    assert (await hub.store.tasks.get(task.id)).status == "done"


async def test_without_tasks_a_missed_call_leaves_a_callback_note(server, org, monkeypatch):
    monkeypatch.setattr(call_actions, "_tasks_module", lambda: None)
    await generic(server, event("m1", "missed"))
    entry = await call_entry(server, "generic", "pop-1")
    page = await server.hub.store.timeline.conversation_page(entry.conversation_id)
    notes = [e for e in page if e.kind == "note"]
    assert [n.text for n in notes] == [f"Missed call from {CLIENT}: call the client back."]
    await generic(server, event("m1", "missed"))  # a replay: no second note
    page = await server.hub.store.timeline.conversation_page(entry.conversation_id)
    assert len([e for e in page if e.kind == "note"]) == 1
