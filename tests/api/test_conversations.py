"""The inbox over HTTP: list filters, PATCH, replies and their delivery, notes, read. Each store."""

from __future__ import annotations

from api_helpers import new_department, new_user, push, timeline, unique_phone, wait_for_delivery

from hub.actions.conversations import update_conversation
from hub.domain import Handler


async def ids(api, **params) -> set[str]:
    body = await api.ok("GET", "/api/v1/conversations", params={"limit": "200", **params})
    return {c["id"] for c in body["items"]}


async def test_list_filters(admin):
    sales = await new_department(admin, "Sales")
    support = await new_department(admin, "Support")
    agent = await new_user(admin, "agent", [sales["id"]])
    a = (await push(admin))["conversation_id"]
    b = (await push(admin))["conversation_id"]
    c = (await push(admin))["conversation_id"]
    d = (await push(admin))["conversation_id"]

    await admin.ok("PATCH", f"/api/v1/conversations/{a}", {"status": "pending"})
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{b}", {"assignee_id": agent.user["id"], "department_id": sales["id"]}
    )
    await admin.ok(
        "PATCH",
        f"/api/v1/conversations/{c}",
        {"assignee_id": admin.user["id"], "department_id": support["id"]},
    )
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{d}", {"status": "resolved", "department_id": support["id"]}
    )

    assert await ids(admin) == {a, b, c, d}
    assert await ids(admin, status="pending") == {a}
    assert await ids(admin, status="open") == {b, c}
    assert await ids(admin, status="resolved") == {d}
    assert await ids(admin, status="snoozed") == set()
    assert await ids(admin, assignee="none") == {a, d}
    assert await ids(admin, assignee="me") == {c}
    assert await ids(admin, assignee=agent.user["id"]) == {b}
    assert await ids(agent, assignee="me") == {b}
    assert await ids(admin, department=sales["id"]) == {b}
    assert await ids(admin, department=support["id"]) == {c, d}
    assert await ids(admin, department=support["id"], status="open") == {c}
    assert await ids(admin, department=support["id"], assignee="none") == {d}
    assert await ids(admin, assignee="0" * 24) == set()

    # newest first, and paged with next_cursor
    first = await admin.ok("GET", "/api/v1/conversations", params={"limit": "3"})
    assert [x["id"] for x in first["items"]] == [d, c, b]
    rest = await admin.ok(
        "GET", "/api/v1/conversations", params={"limit": "3", "cursor": first["next_cursor"]}
    )
    assert [x["id"] for x in rest["items"]] == [a] and rest["next_cursor"] is None


async def test_patch_status_assignee_and_department(admin):
    sales = await new_department(admin)
    agent = await new_user(admin, "agent", [sales["id"]])
    partner = await new_user(admin, "partner")
    conversation = (await push(admin))["conversation_id"]
    path = f"/api/v1/conversations/{conversation}"

    changed = await admin.ok(
        "PATCH",
        path,
        {
            "status": "pending",
            "assignee_id": agent.user["id"],
            "department_id": sales["id"],
            "handler": "human",
        },
    )
    assert (changed["status"], changed["assignee_id"], changed["department_id"], changed["handler"]) == (
        "pending",
        agent.user["id"],
        sales["id"],
        "human",
    )
    # no bot flow answers on the api channel: handing it "back to the bot" would be silence
    refused = await admin.patch(path, {"handler": "bot"})
    refused.error(400, "invalid")
    assert (await admin.ok("GET", path)) == changed

    # only what is given changes
    assert (await admin.ok("PATCH", path, {"status": "open"}))["assignee_id"] == agent.user["id"]
    for bad in ({"assignee_id": "0" * 24}, {"assignee_id": partner.user["id"]}, {"department_id": "0" * 24}):
        (await admin.patch(path, bad)).error(400, "invalid")
    unchanged = await admin.ok("GET", path)
    assert (unchanged["assignee_id"], unchanged["department_id"]) == (agent.user["id"], sales["id"])

    # null unassigns and unroutes
    cleared = await admin.ok("PATCH", path, {"assignee_id": None, "department_id": None})
    assert cleared["assignee_id"] is None and cleared["department_id"] is None
    assert (await admin.ok("GET", path))["assignee_id"] is None

    # an agent can take the conversation themselves
    taken = await agent.ok("PATCH", path, {"assignee_id": agent.user["id"], "status": "pending"})
    assert taken["assignee_id"] == agent.user["id"] and taken["status"] == "pending"

    # a deactivated user cannot be assigned
    await admin.ok("PATCH", f"/api/v1/users/{agent.user['id']}", {"active": False})
    await admin.ok("PATCH", path, {"assignee_id": None})
    (await admin.patch(path, {"assignee_id": agent.user["id"]})).error(400, "invalid")


async def test_a_reply_is_queued_then_sent_and_a_note_is_never_delivered(admin):
    pushed = await push(admin, text="where is my order?")
    conversation = f"/api/v1/conversations/{pushed['conversation_id']}"

    reply = await admin.ok("POST", f"{conversation}/replies", {"text": "  on its way  "}, status=201)
    assert reply["direction"] == "out" and reply["kind"] == "message" and reply["channel"] == "api"
    assert reply["text"] == "on its way"
    assert reply["delivery"]["status"] == "queued"
    assert reply["author"] == {"type": "user", "id": admin.user["id"], "name": admin.user["name"]}

    note = await admin.ok("POST", f"{conversation}/notes", {"text": "VIP, be quick"}, status=201)
    assert note["kind"] == "note" and note["direction"] == "internal" and note["delivery"] is None

    sent = await wait_for_delivery(admin, pushed["conversation_id"], reply["id"], "sent")
    assert sent["delivery"]["attempts"] == 1 and sent["delivery"]["error"] is None

    entries = await timeline(admin, conversation)
    assert [e["id"] for e in entries] == [note["id"], reply["id"], pushed["entry_id"]]
    assert next(e for e in entries if e["id"] == note["id"])["delivery"] is None
    assert (await timeline(admin, f"/api/v1/clients/{pushed['client_id']}")) == entries
    after = await admin.ok("GET", conversation)
    assert after["last_message_preview"] == "on its way"


async def test_read_resets_unread(admin):
    phone = unique_phone()
    pushed = [await push(admin, phone=phone) for _ in range(3)]
    path = f"/api/v1/conversations/{pushed[0]['conversation_id']}"
    assert (await admin.ok("GET", path))["unread"] == 3

    assert (await admin.ok("POST", f"{path}/read"))["unread"] == 0
    assert (await admin.ok("GET", path))["unread"] == 0
    assert (await admin.ok("POST", f"{path}/read"))["unread"] == 0  # idempotent

    await push(admin, phone=phone)
    assert (await admin.ok("GET", path))["unread"] == 1
    # answering counts as reading; a resolved conversation reopens on a new message
    await admin.ok("POST", f"{path}/replies", {"text": "hello"}, status=201)
    assert (await admin.ok("GET", path))["unread"] == 0
    await admin.ok("PATCH", path, {"status": "resolved"})
    await push(admin, phone=phone)
    again = await admin.ok("GET", path)
    assert again["status"] == "open" and again["unread"] == 1


async def test_the_list_carries_the_clients_of_its_conversations(admin):
    first = await push(admin, name="Olga Sokolova", email="olga.s@example.com")
    second = await push(admin, name="Pavel", phone=unique_phone())
    body = await admin.ok("GET", "/api/v1/conversations", params={"limit": "50"})
    assert set(body["clients"]) == {first["client_id"], second["client_id"]}
    assert body["clients"][first["client_id"]]["name"] == "Olga Sokolova"
    assert body["clients"][second["client_id"]] == await admin.ok(
        "GET", f"/api/v1/clients/{second['client_id']}"
    )


async def test_mentions_are_kept_for_the_bell(admin):
    writer = await new_user(admin, "agent")
    reader = await new_user(admin, "agent")
    handle = reader.user["email"].split("@")[0]
    conversation = (await push(admin, text="my order is late"))["conversation_id"]
    notes = []
    for text in (f"@{handle} can you look?", "no mention here", f"@{handle} again, please"):
        notes.append(await writer.ok("POST", f"/api/v1/conversations/{conversation}/notes", {"text": text},
                                     status=201))  # fmt: skip

    body = await reader.ok("GET", "/api/v1/notifications")
    assert [n["entry_id"] for n in body["items"]] == [notes[2]["id"], notes[0]["id"]]
    assert body["items"][0]["from"] == writer.user["name"]
    assert body["items"][0]["conversation_id"] == conversation and body["items"][0]["kind"] == "mention"
    assert (await writer.ok("GET", "/api/v1/notifications"))["items"] == []
    page = await reader.ok("GET", "/api/v1/notifications", params={"limit": "1"})
    rest = await reader.ok(
        "GET", "/api/v1/notifications", params={"limit": "1", "cursor": page["next_cursor"]}
    )
    assert [n["entry_id"] for n in page["items"] + rest["items"]] == [notes[2]["id"], notes[0]["id"]]


async def test_an_assignment_and_a_bots_hand_off_reach_the_notification_centre(admin, server):
    sales = await new_department(admin, "Sales")
    anna = await new_user(admin, "agent", [sales["id"]])
    boris = await new_user(admin, "agent", [sales["id"]])
    other = await new_user(admin, "agent")  # not in Sales: may not see its conversations
    pushed = await push(admin, text="where is my parcel?")
    conversation = pushed["conversation_id"]

    def kinds(body):
        return [(n["kind"], n["conversation_id"]) for n in body["items"]]

    # the admin gives it to Anna: Anna is told, by whom
    await admin.ok("PATCH", f"/api/v1/conversations/{conversation}", {"assignee_id": anna.user["id"]})
    body = await anna.ok("GET", "/api/v1/notifications")
    assert kinds(body) == [("assignment", conversation)]
    assert body["items"][0]["params"]["from"] == admin.user["name"]
    # Boris takes it himself: nobody is told
    await boris.ok("PATCH", f"/api/v1/conversations/{conversation}", {"assignee_id": boris.user["id"]})
    assert kinds(await boris.ok("GET", "/api/v1/notifications")) == []

    # the bot hands a conversation of Sales over to people: Sales is told, nobody outside it
    hub = server.hub
    hub.initial_handler = lambda channel: Handler.bot  # as if a flow answered this channel
    bot_conv = (await push(admin, text="I want a person"))["conversation_id"]
    await update_conversation(hub, None, bot_conv, department_id=sales["id"])
    assert kinds(await anna.ok("GET", "/api/v1/notifications"))[0] == ("assignment", conversation)
    await update_conversation(hub, None, bot_conv, handler=Handler.human)
    for agent in (anna, boris):
        assert ("handoff", bot_conv) in kinds(await agent.ok("GET", "/api/v1/notifications"))
    assert kinds(await other.ok("GET", "/api/v1/notifications")) == []
