"""Tasks on the /partner namespace (a running hub, real Socket.IO clients): `task:created` / `task:updated` reach
the sockets of the organisation the task is assigned to, only on clients it is granted; another organisation's
sockets never get them; a revoked grant stops them at the next change. Every "did not arrive" is read after a
barrier event that the same socket does receive (events to one socket keep their order)."""

from __future__ import annotations

from test_partner_live import call, push

GRANTS = "/api/v1/partners/{}/grants"


def titles(client, event: str) -> list[str]:
    return [d["task"]["title"] for d in client.events[event]]


async def task(server, admin, title: str, client_id: str, partner) -> dict:
    body = {"title": title, "client_id": client_id, "partner_id": partner.id}
    return await call(server, "POST", "/api/v1/tasks", admin, body)


async def test_task_pushes_reach_the_organisation_on_granted_clients_and_stop_with_a_revoke(
    server,
    dealers,
    sockets,
):
    admin, north, south = dealers["admin"], dealers["north"], dealers["south"]
    granted = (await push(server, dealers, "t1", "granted@example.com", "hi"))["client_id"]
    second = (await push(server, dealers, "t2", "second@example.com", "hi"))["client_id"]
    southern = (await push(server, dealers, "t3", "southern@example.com", "hi"))["client_id"]
    hidden = (await push(server, dealers, "t4", "hidden@example.com", "hi"))["client_id"]
    grant = await call(server, "POST", GRANTS.format(north.id), admin, {"client_id": granted})
    await call(server, "POST", GRANTS.format(north.id), admin, {"client_id": second})
    await call(server, "POST", GRANTS.format(south.id), admin, {"client_id": southern})
    nina = await sockets(dealers["nina"])
    sam = await sockets(dealers["sam"])

    await task(server, admin, "on a client North is not granted", hidden, north)
    mine = await task(server, admin, "deliver to Acme", granted, north)
    got = await nina.wait_for("task:created", lambda d: d["task"]["title"] == "deliver to Acme")
    assert got["task"]["partner_id"] == north.id
    assert titles(nina, "task:created") == [
        "deliver to Acme"
    ]  # the hidden client's came first and never arrived

    await task(server, admin, "south's own", southern, south)
    await sam.wait_for("task:created", lambda d: d["task"]["title"] == "south's own")
    assert titles(sam, "task:created") == ["south's own"]  # North's tasks never reach South

    # a partner moves it on; the organisation's sockets hear it
    path = f"/api/v1/tasks/{mine['id']}"
    await call(server, "PATCH", path, dealers["nina"], {"status": "in_progress"})
    updated = await nina.wait_for("task:updated", lambda d: d["task"]["status"] == "in_progress")
    assert "status" in updated["changes"]

    # the grant is revoked: the next change of that task is not pushed to North
    await call(server, "DELETE", f"{GRANTS.format(north.id)}/{grant['id']}", admin)
    await call(server, "PATCH", path, admin, {"status": "done"})
    await task(server, admin, "barrier on a client still granted", second, north)
    await nina.wait_for("task:created", lambda d: d["task"]["title"].startswith("barrier"))
    assert [d["task"]["status"] for d in nina.events["task:updated"]] == ["in_progress"]

    # a task taken away from the organisation leaves its screens
    barrier = await nina.wait_for("task:created", lambda d: d["task"]["title"].startswith("barrier"))
    await call(server, "PATCH", f"/api/v1/tasks/{barrier['task']['id']}", admin, {"partner_id": south.id})
    removed = await nina.wait_for("task:removed")
    assert removed == {"task_id": barrier["task"]["id"]}
    await task(server, admin, "south again", southern, south)
    await sam.wait_for("task:created", lambda d: d["task"]["title"] == "south again")
    assert titles(sam, "task:created") == ["south's own", "south again"]  # South is not granted `second`
