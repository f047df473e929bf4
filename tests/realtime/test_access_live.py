"""Permissions that change while sockets are open, and the leaks found when the hub was probed (issue findings
1, 2 and 7), against a running hub with real Socket.IO clients.

"Nothing arrived" is never concluded from waiting: each such check first waits for a later event (a barrier)
that the same socket does receive, and events to one socket keep their order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import AgentClient

from hub.actions import staff
from hub.actions.ingest import ingest
from hub.domain import Attachment, IdentityKind, Role
from hub.identities import make_identity
from hub.inbound import InboundMessage


@pytest.fixture
async def org(server):
    hub = server.hub
    sales = await staff.create_department(hub, "Sales")
    support = await staff.create_department(hub, "Support")
    people = {}
    for email, role, deps in (
        ("sam@example.com", Role.agent, [sales.id]),
        ("sue@example.com", Role.agent, [support.id]),
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
async def sockets(server):
    opened: list[AgentClient] = []

    async def _open(headers: dict[str, str]) -> AgentClient:
        agent = AgentClient()
        await agent.open(server.url, {"token": headers["Authorization"][7:]})
        opened.append(agent)
        return agent

    yield _open
    for agent in opened:
        await agent.close()


async def call(server, method: str, path: str, headers: dict, body=None) -> tuple[int, dict]:
    async with server.http.request(method, f"{server.url}{path}", headers=headers, json=body) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else {})


async def push(server, org, external_id: str, email: str, text: str, **extra) -> dict:
    status, body = await call(
        server,
        "POST",
        "/api/v1/inbound",
        org["headers"]["admin"],
        {"external_id": external_id, "sender": {"email": email}, "text": text, **extra},
    )
    assert status == 201, body
    return body


async def route(server, org, conversation_id: str, department_id: str | None) -> None:
    status, body = await call(
        server,
        "PATCH",
        f"/api/v1/conversations/{conversation_id}",
        org["headers"]["admin"],
        {"department_id": department_id},
    )
    assert status == 200, body


async def test_finding_1_an_agent_reads_no_other_departments_conversation_through_the_client_timeline(
    server, org
):
    sale = await push(server, org, "s1", "buyer@example.com", "my card number is 4111")
    await route(server, org, sale["conversation_id"], org["sales"].id)
    status, _ = await call(
        server,
        "POST",
        f"/api/v1/conversations/{sale['conversation_id']}/notes",
        org["headers"]["admin"],
        {"text": "internal: margin 40%"},
    )
    assert status == 201

    status, page = await call(
        server, "GET", f"/api/v1/clients/{sale['client_id']}/timeline", org["headers"]["sue"]
    )
    assert status == 200  # with HUB_CLIENT_VISIBILITY=all the card is visible to all staff ...
    assert page["items"] == []  # ... but none of the Sales conversation's entries
    status, _ = await call(
        server, "GET", f"/api/v1/conversations/{sale['conversation_id']}", org["headers"]["sue"]
    )
    assert status == 404
    status, page = await call(
        server, "GET", f"/api/v1/clients/{sale['client_id']}/timeline", org["headers"]["sam"]
    )
    texts = {e["text"] for e in page["items"] if e["kind"] != "system"}  # (and the "moved to Sales" entry)
    assert texts == {"my card number is 4111", "internal: margin 40%"}


async def test_finding_2_a_rerouted_conversation_stops_reaching_the_old_department(server, org, sockets):
    sam = await sockets(org["headers"]["sam"])
    first = await push(server, org, "r1", "mover@example.com", "first")
    await route(server, org, first["conversation_id"], org["sales"].id)
    await sam.wait_for("timeline:new", lambda d: d["entry"]["id"] == first["entry_id"])
    assert (await sam.call("join", {"conversation_id": first["conversation_id"]}))["ok"]

    await route(server, org, first["conversation_id"], org["support"].id)
    removed = await sam.wait_for("conversation:removed")
    assert removed == {"conversation_id": first["conversation_id"]}
    secret = await push(server, org, "r2", "mover@example.com", "after the move")
    barrier = await push(server, org, "r3", "someone-new@example.com", "barrier")  # unrouted: every agent
    await sam.wait_for("timeline:new", lambda d: d["entry"]["id"] == barrier["entry_id"])
    assert not sam.got("timeline:new", lambda d: d["entry"]["id"] == secret["entry_id"])
    assert not sam.got("typing")
    assert (await sam.call("join", {"conversation_id": first["conversation_id"]}))["ok"] is False
    sync = await sam.call("sync", {"conversation_id": first["conversation_id"]})
    assert sync == {"ok": False, "error": "no such conversation"}


@pytest.mark.parametrize("how", ["deactivated", "password"])
async def test_finding_2_a_socket_whose_session_ended_is_disconnected_and_hears_nothing(
    server, org, sockets, how
):
    sam = await sockets(org["headers"]["sam"])
    admin = await sockets(org["headers"]["admin"])
    change = {"active": False} if how == "deactivated" else {"password": "a-brand-new-password"}
    status, _ = await call(
        server, "PATCH", f"/api/v1/users/{org['people']['sam'].id}", org["headers"]["admin"], change
    )
    assert status == 200
    await sam.wait_disconnected()
    after = await push(server, org, f"d-{how}", "late@example.com", "customer text after the change")
    await admin.wait_for("timeline:new", lambda d: d["entry"]["id"] == after["entry_id"])
    assert not sam.got("timeline:new", lambda d: d["entry"]["id"] == after["entry_id"])
    status, _ = await call(server, "GET", "/api/v1/me", org["headers"]["sam"])
    assert status == 401


async def test_finding_2_no_mention_of_a_note_the_agent_may_not_open(server, org, sockets):
    sue = await sockets(org["headers"]["sue"])
    sale = await push(server, org, "m1", "quiet@example.com", "hello")
    await route(server, org, sale["conversation_id"], org["sales"].id)
    status, _ = await call(
        server,
        "POST",
        f"/api/v1/conversations/{sale['conversation_id']}/notes",
        org["headers"]["admin"],
        {"text": "@sue the secret price is 990"},
    )
    assert status == 201
    status, _ = await call(
        server,
        "POST",
        f"/api/v1/clients/{sale['client_id']}/notes",
        org["headers"]["admin"],
        {"text": "@sue you may read this one"},
    )
    assert status == 201
    visible = await sue.wait_for("notification", lambda d: d["kind"] == "mention")
    assert visible["text"] == "@sue you may read this one"
    assert not sue.got("notification", lambda d: "990" in d.get("text", ""))
    status, page = await call(server, "GET", "/api/v1/notifications", org["headers"]["sue"])
    assert [n["text"] for n in page["items"]] == ["@sue you may read this one"]


async def test_finding_2_a_partner_downloads_only_attachments_of_entries_shared_with_them(
    server, org, tmp_path
):
    hub = server.hub
    key = await hub.files.put(b"%PDF contract", name="contract.pdf")
    attached = (Attachment(name="contract.pdf", url=hub.files.url(key)),)

    async def receive(pid: str, user: int) -> dict:
        result = await ingest(
            hub,
            InboundMessage(
                channel="telegram",
                provider_message_id=pid,
                thread_key=f"chat-{user}",
                identities=(make_identity(IdentityKind.telegram, user),),
                text="see attached",
                attachments=attached,
            ),
        )
        return {"client_id": result.entry.client_id, "entry_id": result.entry.id}

    shared = await receive("f1", 501)
    other = await receive("f2", 502)
    status, _ = await call(
        server,
        "PATCH",
        f"/api/v1/clients/{shared['client_id']}",
        org["headers"]["admin"],
        {"partner_ids": [org["people"]["pat"].id]},
    )
    assert status == 200
    pat = org["headers"]["pat"]
    async with server.http.get(f"{server.url}/api/v1/files/{key}", headers=pat) as r:
        assert r.status == 404  # no key-only download any more
    async with server.http.get(
        f"{server.url}/api/v1/entries/{other['entry_id']}/files/{key}", headers=pat
    ) as r:
        assert r.status == 404
    status, page = await call(server, "GET", f"/api/v1/clients/{shared['client_id']}/timeline", pat)
    [entry] = page["items"]
    async with server.http.get(f"{server.url}{entry['attachments'][0]['url']}", headers=pat) as r:
        assert r.status == 200
        assert await r.read() == b"%PDF contract"


async def test_finding_7_sync_returns_a_message_delivered_late_with_an_older_time(server, org, sockets):
    admin = await sockets(org["headers"]["admin"])
    first = await push(server, org, "late-1", "slow@example.com", "first")
    older = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    late = await push(
        server, org, "late-0", "slow@example.com", "sent earlier, delivered later", occurred_at=older
    )
    await admin.wait_for("timeline:new", lambda d: d["entry"]["id"] == late["entry_id"])
    sync = await admin.call("sync", {"conversation_id": first["conversation_id"], "after": first["entry_id"]})
    assert sync["ok"]
    assert [e["id"] for e in sync["items"]] == [late["entry_id"]]
