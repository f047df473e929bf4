"""Editing a note: only its author may, the earlier text is kept, newly @mentioned colleagues hear of it once,
and a note the user may not see is missing (404) exactly like one that does not exist."""

from __future__ import annotations

from api_helpers import new_department, new_user, push

MISSING = "0" * 24


async def test_a_note_is_edited_by_its_author_and_keeps_its_history(admin):
    support = await new_department(admin, "Support")
    sales = await new_department(admin, "Sales")
    anna = await new_user(admin, "agent", [support["id"]], name="Anna")
    bob = await new_user(admin, "agent", [support["id"]], name="Bob")
    sam = await new_user(admin, "agent", [sales["id"]], name="Sam")
    conversation = await push(admin, text="my order is late")
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{conversation['conversation_id']}", {"department_id": support["id"]}
    )
    note = await anna.ok(
        "POST",
        f"/api/v1/conversations/{conversation['conversation_id']}/notes",
        {"text": "checking"},
        status=201,
    )
    path = f"/api/v1/entries/{note['id']}"

    edited = await anna.ok("PATCH", path, {"text": "checked: it ships today, @bob please confirm"})
    assert edited["text"] == "checked: it ships today, @bob please confirm"
    assert [e["text"] for e in edited["meta"]["edits"]] == ["checking"]
    assert edited["meta"]["edits"][0]["by"] == anna.user["id"]
    timeline = await admin.ok("GET", f"/api/v1/clients/{conversation['client_id']}/timeline")
    assert [e["text"] for e in timeline["items"] if e["id"] == note["id"]] == [edited["text"]]
    # Bob, mentioned by the edit, hears of it once, also when the text changes again
    await anna.ok("PATCH", path, {"text": "checked: ships today, @bob please confirm (tracking 42)"})
    mentions = [n for n in (await bob.ok("GET", "/api/v1/notifications"))["items"] if n["kind"] == "mention"]
    assert [n["entry_id"] for n in mentions] == [note["id"]]

    # another agent who sees the note may not change it; one who cannot see it gets the 404 of a missing entry
    assert (await bob.patch(path, {"text": "mine now"})).error(403)
    hidden = (await sam.patch(path, {"text": "x"})).error(404)
    assert hidden == (await sam.patch(f"/api/v1/entries/{MISSING}", {"text": "x"})).error(404)
    # a customer's message is not a note
    assert (await anna.patch(f"/api/v1/entries/{conversation['entry_id']}", {"text": "rewritten"})).error(403)
    # bad input is a clear 400
    (await anna.patch(path, {"text": ""})).error(400)
    (await anna.patch(path, {"text": 5})).error(400)
    (await anna.patch(path, {})).error(400)
