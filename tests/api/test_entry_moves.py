"""Correcting threads over HTTP: move an entry to another conversation of its client, split one off into a new
conversation; the system entries left on both timelines; who may; the live `timeline:moved` push. Each store."""

from __future__ import annotations

from api_helpers import new_department, new_user, push, timeline, unique_phone
from support import AgentClient

from hub.actions.system_entries import render


async def _two_threads(admin, phone=None):
    phone = phone or unique_phone()
    first = await push(admin, phone=phone, thread_key="order-1", text="order one")
    second = await push(admin, phone=phone, thread_key="order-2", text="order two")
    third = await push(admin, phone=phone, thread_key="order-1", text="about order two, really")
    assert first["conversation_id"] == third["conversation_id"] != second["conversation_id"]
    return first, second, third


def _texts(entries, kind="message"):
    return sorted(e["text"] for e in entries if e["kind"] == kind)


def _codes(entries):
    return sorted(e["meta"]["code"] for e in entries if e["kind"] == "system")


async def test_an_entry_moves_to_another_conversation_of_its_client(admin):
    first, second, third = await _two_threads(admin)
    source, target = first["conversation_id"], second["conversation_id"]
    body = await admin.ok("POST", f"/api/v1/entries/{third['entry_id']}/move", {"conversation_id": target})
    assert body["conversation"]["id"] == target and body["source"]["id"] == source
    assert [e["id"] for e in body["entries"]] == [third["entry_id"]]
    assert body["conversation"]["last_message_preview"] == "about order two, really"
    target_entries = await timeline(admin, f"/api/v1/conversations/{target}")
    source_entries = await timeline(admin, f"/api/v1/conversations/{source}")
    assert _texts(target_entries) == ["about order two, really", "order two"]
    assert _texts(source_entries) == ["order one"]
    assert _codes(target_entries) == ["moved_in"] and _codes(source_entries) == ["moved_out"]
    moved_in = next(e for e in target_entries if e["kind"] == "system")
    params = moved_in["meta"]["params"]
    assert params["count"] == 1 and params["actor"] == admin.user["name"]
    assert "перенёс(ла) сюда записи (1)" in render("moved_in", params, "ru")
    # the entry's own door answers it in its new conversation
    entry = await admin.ok("GET", f"/api/v1/conversations/{target}/timeline")
    assert third["entry_id"] in {e["id"] for e in entry["items"]}
    # moving it again into the same conversation is refused
    again = await admin.post(f"/api/v1/entries/{third['entry_id']}/move", {"conversation_id": target})
    again.error(400, "invalid")


async def test_a_split_takes_the_entry_and_the_later_ones_into_a_new_conversation(admin):
    phone = unique_phone()
    sent = [await push(admin, phone=phone, thread_key="t", text=f"mail {n}") for n in range(4)]
    source = sent[0]["conversation_id"]
    reply = await admin.post(f"/api/v1/entries/{sent[2]['entry_id']}/split", {"following": True})
    assert reply.status == 201, reply.text
    new = reply.body["conversation"]
    assert new["id"] != source and new["client_id"] == sent[0]["client_id"] and new["status"] == "open"
    assert [e["id"] for e in reply.body["entries"]] == [sent[2]["entry_id"], sent[3]["entry_id"]]
    assert _texts(await timeline(admin, f"/api/v1/conversations/{new['id']}")) == ["mail 2", "mail 3"]
    assert _texts(await timeline(admin, f"/api/v1/conversations/{source}")) == ["mail 0", "mail 1"]
    assert _codes(await timeline(admin, f"/api/v1/conversations/{source}")) == ["split_out"]
    # without a body only the entry itself moves
    single = await admin.post(f"/api/v1/entries/{sent[0]['entry_id']}/split")
    assert single.status == 201 and len(single.body["entries"]) == 1
    assert _texts(await timeline(admin, f"/api/v1/conversations/{source}")) == ["mail 1"]
    listed = await admin.ok("GET", "/api/v1/conversations", params={"limit": "200"})
    assert {new["id"], single.body["conversation"]["id"], source} <= {c["id"] for c in listed["items"]}


async def test_moves_are_refused_across_clients_and_to_hidden_conversations(admin):
    first, _second, _third = await _two_threads(admin)
    other = await push(admin, thread_key="order-1", text="someone else")
    across = await admin.post(
        f"/api/v1/entries/{first['entry_id']}/move", {"conversation_id": other["conversation_id"]}
    )
    across.error(400, "invalid")
    missing = await admin.post(
        f"/api/v1/entries/{'0' * 24}/move", {"conversation_id": other["conversation_id"]}
    )
    missing.error(404, "not_found")
    (await admin.post(f"/api/v1/entries/{first['entry_id']}/move", {})).error(400, "invalid")
    (await admin.post(f"/api/v1/entries/{first['entry_id']}/split", {"following": "yes"})).error(400)

    # an agent of Support sees the unrouted source but not the Sales conversation: hidden == missing
    sales = await new_department(admin)
    support = await new_department(admin)
    agent = await new_user(admin, "agent", [support["id"]])
    first, second, third = await _two_threads(admin)
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{second['conversation_id']}", {"department_id": sales["id"]}
    )
    hidden = await agent.post(
        f"/api/v1/entries/{third['entry_id']}/move", {"conversation_id": second["conversation_id"]}
    )
    hidden.error(404, "not_found")
    (await agent.post(f"/api/v1/entries/{second['entry_id']}/split")).error(404, "not_found")
    assert _texts(await timeline(admin, f"/api/v1/conversations/{first['conversation_id']}")) == [
        "about order two, really",
        "order one",
    ]


async def test_the_inbox_hears_of_a_move_live(admin, server):
    sales = await new_department(admin)
    support = await new_department(admin)
    seller = await new_user(admin, "agent", [sales["id"]])
    helper = await new_user(admin, "agent", [support["id"]])
    first, second, third = await _two_threads(admin)
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{second['conversation_id']}", {"department_id": sales["id"]}
    )
    sockets = []
    try:
        for caller in (seller, helper):
            socket = AgentClient()
            await socket.open(server.url, {"token": caller.headers["Authorization"][7:]})
            sockets.append(socket)
        seller_socket, helper_socket = sockets
        await admin.ok(
            "POST",
            f"/api/v1/entries/{third['entry_id']}/move",
            {"conversation_id": second["conversation_id"]},
        )
        got = await seller_socket.wait_for("timeline:moved")
        assert got["conversation_id"] == second["conversation_id"]
        assert got["from_conversation_id"] == first["conversation_id"]
        assert [e["text"] for e in got["entries"]] == ["about order two, really"]
        # Support saw the entry in the unrouted source only: it learns that it left, without its content
        lost = await helper_socket.wait_for("timeline:moved")
        assert lost["entry_ids"] == [third["entry_id"]] and lost["entries"] == []
        await seller_socket.wait_for(
            "conversation:updated", lambda d: d["conversation"]["id"] == second["conversation_id"]
        )
    finally:
        for socket in sockets:
            await socket.close()
