"""Tasks for partner organisations over REST (both adapters): staff assign a task to an organisation or to one of
its users; that organisation's users list and read it only while its client is granted to them, change its status
(open, in progress, done) and nothing else; everyone else's tasks answer 404 like a missing one."""

from __future__ import annotations

from api_helpers import Api, new_user, push
from test_partners import grants_path, ids, new_partner, partner_user


async def new_task(admin: Api, client_id: str, **fields) -> dict:
    return await admin.ok(
        "POST", "/api/v1/tasks", {"title": "Deliver", "client_id": client_id, **fields}, status=201
    )


async def test_a_partner_sees_and_moves_the_tasks_of_their_organisation_on_granted_clients(admin):
    north, south = await new_partner(admin, "North"), await new_partner(admin, "South")
    dealer, colleague = await partner_user(admin, north), await partner_user(admin, north)
    rival = await partner_user(admin, south)
    granted = (await push(admin, text="granted"))["client_id"]
    other = (await push(admin, text="not granted"))["client_id"]
    grant = await admin.ok("POST", grants_path(north), {"client_id": granted}, status=201)

    to_north = await new_task(admin, granted, partner_id=north["id"])
    to_dealer = await new_task(admin, granted, assignee_id=dealer.user["id"])
    assert to_dealer["partner_id"] == north["id"]  # a partner user's task is their organisation's
    on_other_client = await new_task(admin, other, partner_id=north["id"])
    to_south = await new_task(admin, granted, partner_id=south["id"])
    staff_only = await new_task(admin, granted)

    mine = {to_north["id"], to_dealer["id"]}
    assert await ids(dealer, "/api/v1/tasks") == mine
    assert await ids(colleague, "/api/v1/tasks") == mine  # assigned to one of them: the organisation sees it
    assert await ids(dealer, "/api/v1/tasks", open="true", client_id=granted) == mine
    assert await ids(rival, "/api/v1/tasks") == set()  # South's task is on a client South is not granted
    for hidden in (on_other_client, to_south, staff_only):
        (await dealer.get(f"/api/v1/tasks/{hidden['id']}")).error(404, "not_found")
        (await dealer.patch(f"/api/v1/tasks/{hidden['id']}", {"status": "done"})).error(404, "not_found")
    seen = await dealer.ok("GET", f"/api/v1/tasks/{to_north['id']}")
    assert seen["title"] == "Deliver" and seen["partner_id"] == north["id"]
    # connectors' data (a missed call's number in `meta`) and the staff's bookkeeping stay with the staff
    assert not {"meta", "watchers", "created_by", "entry_id"} & set(seen)
    assert {"meta", "watchers", "created_by"} <= set(await admin.ok("GET", f"/api/v1/tasks/{to_north['id']}"))

    # the status, and only the status, to open / in progress / done
    path = f"/api/v1/tasks/{to_north['id']}"
    assert (await dealer.ok("PATCH", path, {"status": "in_progress"}))["status"] == "in_progress"
    done = await colleague.ok("PATCH", path, {"status": "done"})
    assert done["status"] == "done" and done["done_at"]
    for change in ({"title": "Mine now"}, {"status": "cancelled"}, {"partner_id": None}, {"due_at": None}):
        (await dealer.patch(path, change)).error(403, "forbidden")
    (await dealer.post("/api/v1/tasks", {"title": "x", "client_id": granted})).error(403, "forbidden")
    assert (await admin.ok("GET", path))["status"] == "done"

    # a revoke takes the tasks away at once; staff may take a task away from the organisation too
    await admin.ok("DELETE", f"{grants_path(north)}/{grant['id']}")
    assert await ids(dealer, "/api/v1/tasks") == set()
    (await dealer.get(path)).error(404, "not_found")
    await admin.ok("POST", grants_path(north), {"client_id": granted}, status=201)
    assert await ids(dealer, "/api/v1/tasks") == mine
    await admin.ok("PATCH", f"/api/v1/tasks/{to_north['id']}", {"partner_id": None})
    assert await ids(dealer, "/api/v1/tasks") == {to_dealer["id"]}


async def test_partner_ids_are_checked_and_only_staff_set_them(admin):
    north, south = await new_partner(admin), await new_partner(admin)
    dealer = await partner_user(admin, north)
    agent = await new_user(admin, "agent")
    client_id = (await push(admin))["client_id"]
    (await admin.post("/api/v1/tasks", {"title": "x", "client_id": client_id, "partner_id": "nope"})).error(
        400, "invalid"
    )
    body = {"title": "x", "client_id": client_id, "assignee_id": dealer.user["id"], "partner_id": south["id"]}
    (await admin.post("/api/v1/tasks", body)).error(400, "invalid")  # the assignee is North's
    (await admin.post("/api/v1/tasks", {"title": "x", "client_id": client_id, "partner_id": 5})).error(400)
    task = await new_task(agent, client_id, partner_id=south["id"])
    path = f"/api/v1/tasks/{task['id']}"
    (await agent.patch(path, {"partner_id": "nope"})).error(400, "invalid")
    assert (await agent.ok("PATCH", path, {"partner_id": north["id"]}))["partner_id"] == north["id"]
    # handing it to a partner user moves it to their organisation
    moved = await agent.ok("PATCH", path, {"assignee_id": dealer.user["id"]})
    assert moved["assignee_id"] == dealer.user["id"] and moved["partner_id"] == north["id"]
    (await agent.patch(path, {"partner_id": south["id"]})).error(400, "invalid")
