"""Tasks and the notification centre over REST, on both store adapters: who sees a task (hidden = 404 exactly like
missing, absent from lists), the timeline entries its changes write, bad input as 400, the bell's mentions in
their old shape plus the new kinds with server-side read state."""

from __future__ import annotations

import pytest
from api_helpers import new_department, new_user, push

MISSING = "0" * 24


@pytest.fixture
async def org(admin):
    sales = await new_department(admin, "Sales")
    support = await new_department(admin, "Support")
    anna = await new_user(admin, "agent", [support["id"]], name="Anna")
    bob = await new_user(admin, "agent", [support["id"]], name="Bob")
    sam = await new_user(admin, "agent", [sales["id"]], name="Sam")
    partner = await new_user(admin, "partner", name="Pat")
    routed = await push(admin, text="my parcel is lost", name="Olga")
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{routed['conversation_id']}", {"department_id": sales["id"]}
    )
    return {"sales": sales, "support": support, "anna": anna, "bob": bob, "sam": sam, "partner": partner,
            "routed": routed}  # fmt: skip


async def test_a_task_is_seen_by_exactly_who_the_policy_says(admin, org):
    anna, bob, sam, partner = org["anna"], org["bob"], org["sam"], org["partner"]
    routed = org["routed"]
    # Sam (Sales) may work on the Sales conversation and creates a task on it for Anna
    task = await sam.ok(
        "POST",
        "/api/v1/tasks",
        {"title": "Call back", "client_id": routed["client_id"], "conversation_id": routed["conversation_id"],
         "assignee_id": anna.user["id"], "due_at": "2030-01-02T12:00:00Z", "priority": "high"},
        status=201,
    )  # fmt: skip
    assert task["status"] == "open" and task["priority"] == "high" and task["created_by"] == sam.user["id"]
    assert task["due_at"].startswith("2030-01-02T12:00:00")
    path = f"/api/v1/tasks/{task['id']}"
    for caller in (
        admin,
        anna,
        sam,
    ):  # admin sees all; Anna is the assignee; Sam created it (and sees its chat)
        assert (await caller.ok("GET", path))["id"] == task["id"]
        assert task["id"] in [t["id"] for t in (await caller.ok("GET", "/api/v1/tasks"))["items"]]
    for caller in (bob, partner):  # Bob: same department as Anna but not the task's; partners never
        hidden = (await caller.get(path)).error(404, "not_found")
        missing = (await caller.get(f"/api/v1/tasks/{MISSING}")).error(404, "not_found")
        assert hidden == missing
        # a task they may not see is missing for PATCH too (partners move only their organisation's tasks)
        hidden = (await caller.patch(path, {"status": "done"})).error(404)
        assert hidden == (await caller.patch(f"/api/v1/tasks/{MISSING}", {"status": "done"})).error(404)
        assert (await caller.ok("GET", "/api/v1/tasks"))["items"] == []
    # re-assigned to the Support department: Bob sees it now, by his department
    await sam.ok("PATCH", path, {"assignee_id": None, "department_id": org["support"]["id"]})
    assert (await bob.ok("GET", path))["department_id"] == org["support"]["id"]
    listed = await bob.ok(
        "GET", "/api/v1/tasks", params={"department": org["support"]["id"], "status": "open"}
    )
    assert [t["id"] for t in listed["items"]] == [task["id"]]
    # a watcher sees it too
    await admin.ok("PATCH", path, {"department_id": None, "watchers": [bob.user["id"]]})
    assert (await bob.ok("GET", path))["watchers"] == [bob.user["id"]]
    assert (await anna.get(path)).status == 404  # no longer assigned, not a watcher, not her department


async def test_lists_filter_and_page(admin, org):
    anna = org["anna"]
    client_id = org["routed"]["client_id"]
    made = []
    for i, due in enumerate(("2030-01-01T10:00:00Z", "2030-01-01T12:00:00Z", None)):
        body = {"title": f"t{i}", "client_id": client_id, "assignee_id": anna.user["id"]}
        if due:
            body["due_at"] = due
        made.append(await admin.ok("POST", "/api/v1/tasks", body, status=201))
    await anna.ok("PATCH", f"/api/v1/tasks/{made[0]['id']}", {"status": "done"})
    mine = await anna.ok("GET", "/api/v1/tasks", params={"assignee": "me"})
    assert [t["id"] for t in mine["items"]] == [t["id"] for t in reversed(made)]
    due = await anna.ok("GET", "/api/v1/tasks", params={"due_before": "2030-01-01T11:00:00Z"})
    assert [t["id"] for t in due["items"]] == [made[0]["id"]]
    still_open = await anna.ok("GET", "/api/v1/tasks", params={"assignee": "me", "open": "true"})
    assert [t["id"] for t in still_open["items"]] == [made[2]["id"], made[1]["id"]]
    first = await anna.ok("GET", "/api/v1/tasks", params={"limit": "2"})
    rest = await anna.ok("GET", "/api/v1/tasks", params={"limit": "2", "cursor": first["next_cursor"]})
    assert [t["id"] for t in first["items"] + rest["items"]] == [t["id"] for t in reversed(made)]
    by_client = await anna.ok("GET", "/api/v1/tasks", params={"client_id": client_id, "status": "done"})
    assert [t["id"] for t in by_client["items"]] == [made[0]["id"]]


async def test_each_change_is_written_to_the_timeline(admin, org):
    anna = org["anna"]
    conversation = await push(admin, text="please call me")
    task = await anna.ok(
        "POST",
        "/api/v1/tasks",
        {"title": "Call back", "client_id": conversation["client_id"], "entry_id": conversation["entry_id"],
         "department_id": org["support"]["id"], "due_at": "2030-01-02T12:00:00Z"},
        status=201,
    )  # fmt: skip
    assert task["conversation_id"] == conversation["conversation_id"]  # the entry's conversation
    await anna.ok("PATCH", f"/api/v1/tasks/{task['id']}", {"status": "done"})
    entries = await anna.ok("GET", f"/api/v1/conversations/{conversation['conversation_id']}/timeline")
    texts = [e["text"] for e in entries["items"] if e["meta"].get("task_id") == task["id"]]
    assert texts == [
        "Anna marked task “Call back” done",
        "Anna created task “Call back” for Support, due 2030-01-02 12:00 UTC",
    ]
    created = next(e for e in entries["items"] if e["meta"].get("code") == "task.created")
    assert created["meta"]["params"]["target"] == "Support" and created["kind"] == "note"
    # the due time is ISO in the params: the inbox shows it in the reader's zone and language
    assert created["meta"]["params"]["due_at"] == "2030-01-02T12:00:00Z"
    assert created["author"]["name"] == "Anna"


async def test_bad_input_is_a_clear_400(admin, org):
    anna = org["anna"]
    client_id = org["routed"]["client_id"]
    post = "/api/v1/tasks"
    (await anna.post(post, {"title": "  ", "client_id": client_id})).error(400)
    (await anna.post(post, {"title": "x", "client_id": client_id, "priority": "asap"})).error(400)
    (await anna.post(post, {"title": "x", "client_id": client_id, "due_at": "tomorrow"})).error(400)
    (await anna.post(post, {"title": "x", "client_id": client_id, "due_at": "2030-01-02T12:00:00"})).error(
        400
    )
    (await anna.post(post, {"title": "x", "client_id": client_id, "assignee_id": MISSING})).error(400)
    (await anna.post(post, {"title": "x", "client_id": client_id, "department_id": MISSING})).error(400)
    (await anna.post(post, {"title": "x", "client_id": MISSING})).error(404)
    (await anna.post(post, {"title": "x", "client_id": client_id, "surprise": 1})).error(400)
    # Anna (Support) may not put a task on the Sales conversation: it is hidden from her, so 404
    other = {"title": "x", "client_id": client_id, "conversation_id": org["routed"]["conversation_id"]}
    (await anna.post(post, other)).error(404)
    (await org["partner"].post(post, {"title": "x", "client_id": client_id})).error(403)
    task = await anna.ok("POST", post, {"title": "x", "client_id": client_id}, status=201)
    path = f"/api/v1/tasks/{task['id']}"
    (await anna.patch(path, {"status": "finished"})).error(400)
    (await anna.patch(path, {"title": None})).error(400)
    (await anna.patch(path, {"checklist": [{"text": ""}]})).error(400)
    (await anna.patch(path, {"watchers": [MISSING]})).error(400)
    done = await anna.ok("PATCH", path, {"checklist": [{"text": "find the order", "done": True}]})
    assert done["checklist"] == [{"text": "find the order", "done": True}]
    (await anna.get("/api/v1/tasks", params={"status": "nope"})).error(400)
    (await anna.get("/api/v1/tasks", params={"due_before": "soon"})).error(400)
    for number in (
        "1700000000",
        "1.298037686878178e+16",
        "1e5",
        "inf",
    ):  # a time is a date and a time, not a guess
        (await anna.get("/api/v1/tasks", params={"due_before": number})).error(400)


async def test_the_bell_keeps_mentions_and_adds_tasks_with_read_state(admin, org):
    anna, bob = org["anna"], org["bob"]
    conversation = await push(admin, text="where is my refund")
    note = await bob.ok(
        "POST", f"/api/v1/conversations/{conversation['conversation_id']}/notes", {"text": "@anna can you?"},
        status=201,
    )  # fmt: skip
    task = await bob.ok(
        "POST",
        "/api/v1/tasks",
        {"title": "Refund", "client_id": conversation["client_id"], "assignee_id": anna.user["id"]},
        status=201,
    )
    bell = await anna.ok("GET", "/api/v1/notifications")
    assert bell["unread_count"] == 2
    assigned, mention = bell["items"]
    assert mention["kind"] == "mention" and mention["entry_id"] == note["id"] and mention["from"] == "Bob"
    assert (
        mention["text"] == "@anna can you?" and mention["conversation_id"] == conversation["conversation_id"]
    )
    assert assigned["kind"] == "task_assigned" and assigned["task_id"] == task["id"]
    assert assigned["params"]["title"] == "Refund" and assigned["read"] is False
    read = await anna.ok("POST", "/api/v1/notifications/read", {"ids": [mention["id"]]})
    assert read == {"changed": 1, "unread_count": 1}
    assert (await bob.ok("POST", "/api/v1/notifications/read", {"ids": [assigned["id"]]}))["changed"] == 0
    assert (await anna.ok("GET", "/api/v1/notifications"))["unread_count"] == 1  # Bob cannot read Anna's
    assert (await anna.ok("POST", "/api/v1/notifications/read", {"all": True}))["unread_count"] == 0
    bell = await anna.ok("GET", "/api/v1/notifications")
    assert [n["read"] for n in bell["items"]] == [True, True] and bell["unread_count"] == 0
    (await anna.post("/api/v1/notifications/read", {})).error(400)
    (await anna.post("/api/v1/notifications/read", {"all": False})).error(400)
    (await anna.post("/api/v1/notifications/read", {"ids": ["x"], "all": True})).error(400)
    # a notification about a task she may no longer see is left out
    await bob.ok("PATCH", f"/api/v1/tasks/{task['id']}", {"assignee_id": bob.user["id"]})
    assert [n["kind"] for n in (await anna.ok("GET", "/api/v1/notifications"))["items"]] == ["mention"]


async def test_the_bell_does_not_count_what_its_user_may_no_longer_see(admin, org):
    anna, bob = org["anna"], org["bob"]
    conversation = await push(admin, text="two things, please")
    body = {"client_id": conversation["client_id"], "assignee_id": anna.user["id"]}
    kept = await bob.ok("POST", "/api/v1/tasks", {**body, "title": "Keep"}, status=201)
    taken = await bob.ok("POST", "/api/v1/tasks", {**body, "title": "Taken away"}, status=201)
    bell = await anna.ok("GET", "/api/v1/notifications")
    assert bell["unread_count"] == 2 and len(bell["items"]) == 2
    # the second task goes to Bob, unread: Anna may no longer see it, so the bell neither lists nor counts it
    await bob.ok("PATCH", f"/api/v1/tasks/{taken['id']}", {"assignee_id": bob.user["id"]})
    bell = await anna.ok("GET", "/api/v1/notifications")
    assert [n["task_id"] for n in bell["items"]] == [kept["id"]]
    assert bell["unread_count"] == 1
    # reading the one she sees leaves nothing to count (the hidden one does not linger in the number)
    read = await anna.ok("POST", "/api/v1/notifications/read", {"ids": [bell["items"][0]["id"]]})
    assert read == {"changed": 1, "unread_count": 0}
