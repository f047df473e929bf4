"""The /partner namespace against a running hub with real Socket.IO clients: a partner's socket gets the new
messages and shared notes of what its organisation is granted — never an internal note, never another
organisation's records, never a redacted field — and a revoke stops the pushes at once.

"Nothing arrived" is never concluded from waiting: each such check first waits for a later event (a barrier) that
the same socket does receive; events to one socket keep their order."""

from __future__ import annotations

import pytest
import socketio
from support import PartnerClient


async def call(server, method: str, path: str, headers: dict, body=None) -> dict:
    async with server.http.request(method, f"{server.url}{path}", headers=headers, json=body) as r:
        assert r.status < 300, await r.text()
        return await r.json()


async def push(server, dealers, external_id: str, email: str, text: str) -> dict:
    body = {"external_id": external_id, "sender": {"email": email, "name": email[:5]}, "text": text}
    return await call(server, "POST", "/api/v1/inbound", dealers["admin"], body)


def texts(client: PartnerClient) -> list[str]:
    return [d["entry"]["text"] for d in client.events["timeline:new"]]


async def test_staff_cannot_open_the_partner_namespace_nor_partners_the_agent_one(server, dealers):
    staff_socket = PartnerClient()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await staff_socket.open(server.url, {"token": dealers["admin"]["Authorization"][7:]})
    from support import AgentClient

    agent_socket = AgentClient()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await agent_socket.open(server.url, {"token": dealers["nina"]["Authorization"][7:]})


async def test_a_partner_socket_gets_exactly_its_grants_and_a_revoke_stops_it(server, dealers, sockets):
    admin = dealers["admin"]
    shared = await push(server, dealers, "m1", "shared@example.com", "first")
    hidden = await push(server, dealers, "m2", "hidden@example.com", "hidden first")
    barrier = await push(server, dealers, "m3", "barrier@example.com", "barrier first")
    grant = await call(
        server,
        "POST",
        f"/api/v1/partners/{dealers['north'].id}/grants",
        admin,
        {"client_id": shared["client_id"]},
    )
    await call(
        server,
        "POST",
        f"/api/v1/partners/{dealers['north'].id}/grants",
        admin,
        {"conversation_id": barrier["conversation_id"]},
    )
    nina = await sockets(dealers["nina"])
    sam = await sockets(dealers["sam"])
    conversation = f"/api/v1/conversations/{shared['conversation_id']}"

    # a hidden client's message, then a shared one: the shared one arrives, the hidden one never did before it
    await push(server, dealers, "m4", "hidden@example.com", "hidden second")
    await push(server, dealers, "m5", "shared@example.com", "shared second")
    got = await nina.wait_for("timeline:new", lambda d: d["entry"]["text"] == "shared second")
    assert "hidden second" not in texts(nina)
    # the card travels redacted: no email identity, no other organisation
    assert got["client"]["identities"] == [] and got["client"]["partner_ids"] == []

    # an internal note, then a shared one: only the shared one reaches the partner
    await call(server, "POST", f"{conversation}/notes", admin, {"text": "internal only"})
    await call(
        server, "POST", f"{conversation}/notes", admin, {"text": "for partners", "shared_with_partners": True}
    )
    await nina.wait_for("timeline:new", lambda d: d["entry"]["text"] == "for partners")
    assert "internal only" not in texts(nina)

    # the other organisation got none of it: its barrier is its own grant's message
    await call(
        server,
        "POST",
        f"/api/v1/partners/{dealers['south'].id}/grants",
        admin,
        {"client_id": hidden["client_id"]},
    )
    await push(server, dealers, "m6", "hidden@example.com", "hidden third")
    await sam.wait_for("timeline:new", lambda d: d["entry"]["text"] == "hidden third")
    assert not any(t.startswith("shared") or t == "for partners" for t in texts(sam))

    # revoke: the socket is told, and the next message of that client is not pushed (barrier: the conversation
    # grant's message, sent after it)
    await call(server, "DELETE", f"/api/v1/partners/{dealers['north'].id}/grants/{grant['id']}", admin)
    await nina.wait_for("access:changed", lambda d: d["revoked"] and d["client_id"] == shared["client_id"])
    await push(server, dealers, "m7", "shared@example.com", "after revoke")
    await push(server, dealers, "m8", "barrier@example.com", "barrier second")
    await nina.wait_for("timeline:new", lambda d: d["entry"]["text"] == "barrier second")
    assert "after revoke" not in texts(nina)
    assert "hidden third" not in texts(nina)
