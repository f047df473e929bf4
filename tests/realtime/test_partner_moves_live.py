"""`timeline:moved` on the /partner namespace, with real Socket.IO clients against a running hub: a partner whose
organisation sees the client gets the moved entries it may see (customer messages and shared notes, never an
internal note, the card redacted as on `timeline:new`); a partner without a grant gets nothing (checked after a
barrier: a later event the same socket does receive); a partner granted only the source conversation learns that
the entries left it, without their content."""

from __future__ import annotations

from test_partner_live import call, push


async def grant(server, dealers, org: str, body: dict) -> dict:
    return await call(server, "POST", f"/api/v1/partners/{dealers[org].id}/grants", dealers["admin"], body)


async def test_a_split_reaches_the_granted_partner_as_the_policy_allows_and_nobody_else(
    server, dealers, sockets
):
    admin = dealers["admin"]
    first = await push(server, dealers, "mv1", "moved@example.com", "order one")
    second = await push(server, dealers, "mv2", "moved@example.com", "about another order")
    conversation = f"/api/v1/conversations/{first['conversation_id']}"
    await call(server, "POST", f"{conversation}/notes", admin, {"text": "internal only"})
    await call(
        server, "POST", f"{conversation}/notes", admin, {"text": "for partners", "shared_with_partners": True}
    )
    await grant(server, dealers, "north", {"client_id": first["client_id"]})
    other = await push(server, dealers, "mv3", "west@example.com", "west first")
    await grant(server, dealers, "south", {"client_id": other["client_id"]})
    erin = await sockets(dealers["nina"])
    walt = await sockets(dealers["sam"])

    split = await call(
        server, "POST", f"/api/v1/entries/{second['entry_id']}/split", admin, {"following": True}
    )
    new_id = split["conversation"]["id"]
    assert {e["text"] for e in split["entries"]} == {"about another order", "internal only", "for partners"}

    got = await erin.wait_for("timeline:moved")
    assert got["conversation_id"] == new_id and got["from_conversation_id"] == first["conversation_id"]
    assert sorted(e["text"] for e in got["entries"]) == ["about another order", "for partners"]
    assert all(e["conversation_id"] == new_id for e in got["entries"])
    assert sorted(got["entry_ids"]) == sorted(e["id"] for e in got["entries"])
    # the card travels redacted, as with timeline:new
    assert got["client"]["identities"] == []
    await erin.wait_for("conversation:updated", lambda d: d["conversation"]["id"] == new_id)

    # South sees another client only: its barrier is that client's next message, sent after the split
    await push(server, dealers, "mv4", "west@example.com", "west second")
    await walt.wait_for("timeline:new", lambda d: d["entry"]["text"] == "west second")
    assert walt.events["timeline:moved"] == []
    assert not walt.got("conversation:updated", lambda d: d["conversation"]["id"] == new_id)


async def test_a_partner_granted_only_the_source_learns_the_entries_left_it(server, dealers, sockets):
    admin = dealers["admin"]
    first = await push(server, dealers, "mv5", "source@example.com", "stays here")
    second = await push(server, dealers, "mv6", "source@example.com", "moves away")
    await grant(server, dealers, "north", {"conversation_id": first["conversation_id"]})
    erin = await sockets(dealers["nina"])

    split = await call(server, "POST", f"/api/v1/entries/{second['entry_id']}/split", admin)
    got = await erin.wait_for("timeline:moved")
    assert got["entry_ids"] == [second["entry_id"]] and got["entries"] == []
    assert "conversation" not in got and "client" not in got
    # the new conversation is not granted: its row never reaches the partner (barrier: the source's next message)
    await push(server, dealers, "mv7", "source@example.com", "stays too")
    await erin.wait_for("timeline:new", lambda d: d["entry"]["text"] == "stays too")
    assert not erin.got(
        "conversation:updated", lambda d: d["conversation"]["id"] == split["conversation"]["id"]
    )
