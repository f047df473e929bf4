"""Who sees and does what, over HTTP: agents by department, admin-only endpoints, partners by shared client.
Each store (the conversation scope is a store query)."""

from __future__ import annotations

from api_helpers import new_department, new_user, push, timeline


async def test_an_agent_sees_unrouted_and_own_department_conversations_only(admin):
    sales = await new_department(admin, "Sales")
    support = await new_department(admin, "Support")
    agent = await new_user(admin, "agent", [sales["id"]])
    unrouted = await push(admin)
    in_sales = await push(admin)
    in_support = await push(admin)
    assigned_elsewhere = await push(admin)
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{in_sales['conversation_id']}", {"department_id": sales["id"]}
    )
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{in_support['conversation_id']}", {"department_id": support["id"]}
    )
    await admin.ok(
        "PATCH",
        f"/api/v1/conversations/{assigned_elsewhere['conversation_id']}",
        {"department_id": support["id"], "assignee_id": agent.user["id"]},
    )

    listed = await agent.ok("GET", "/api/v1/conversations", params={"limit": "200"})
    assert {c["id"] for c in listed["items"]} == {
        unrouted["conversation_id"],
        in_sales["conversation_id"],
        assigned_elsewhere["conversation_id"],
    }
    filtered = await agent.ok("GET", "/api/v1/conversations", params={"department": support["id"]})
    assert [c["id"] for c in filtered["items"]] == [assigned_elsewhere["conversation_id"]]

    for visible in (unrouted, in_sales, assigned_elsewhere):
        path = f"/api/v1/conversations/{visible['conversation_id']}"
        assert (await agent.get(path)).status == 200
        assert len([e for e in await timeline(agent, path) if e["kind"] != "system"]) == 1
    await agent.ok(
        "POST", f"/api/v1/conversations/{in_sales['conversation_id']}/replies", {"text": "hi"}, status=201
    )

    hidden = f"/api/v1/conversations/{in_support['conversation_id']}"
    (await agent.get(hidden)).error(404, "not_found")
    (await agent.get(f"{hidden}/timeline")).error(404, "not_found")
    for method, path, body in (
        ("PATCH", hidden, {"department_id": sales["id"]}),
        ("PATCH", hidden, {"assignee_id": agent.user["id"]}),
        ("POST", f"{hidden}/replies", {"text": "let me in"}),
        ("POST", f"{hidden}/notes", {"text": "let me in"}),
        ("POST", f"{hidden}/read", None),
    ):
        reply = await agent.call(method, path, **({"json": body} if body is not None else {}))
        assert reply.status in (403, 404), (method, path, reply.text)
        reply.error(reply.status)
    # nothing changed
    seen_by_admin = await admin.ok("GET", hidden)
    assert seen_by_admin["department_id"] == support["id"] and seen_by_admin["assignee_id"] is None
    assert seen_by_admin["unread"] == 1
    assert len([e for e in await timeline(admin, hidden) if e["kind"] != "system"]) == 1

    # routing the conversation to Sales lets the agent in; away from Sales shuts them out again
    await admin.ok("PATCH", hidden, {"department_id": sales["id"]})
    assert (await agent.get(hidden)).status == 200
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{in_sales['conversation_id']}", {"department_id": support["id"]}
    )
    (await agent.get(f"/api/v1/conversations/{in_sales['conversation_id']}")).error(404)


async def test_an_agent_cannot_retry_an_entry_of_a_conversation_they_do_not_see(admin):
    sales = await new_department(admin)
    support = await new_department(admin)
    agent = await new_user(admin, "agent", [sales["id"]])
    pushed = await push(admin)
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{pushed['conversation_id']}", {"department_id": support["id"]}
    )
    (await agent.post(f"/api/v1/entries/{pushed['entry_id']}/retry")).error(404, "not_found")
    # an entry that is not a failed outgoing message cannot be retried, even by the admin
    (await admin.post(f"/api/v1/entries/{pushed['entry_id']}/retry")).error(409)


async def test_admin_only_endpoints_are_403_for_agents_and_supervisors(admin):
    sales = await new_department(admin)
    agent = await new_user(admin, "agent", [sales["id"]])
    supervisor = await new_user(admin, "supervisor")
    partner = await new_user(admin, "partner")
    user = {"email": "sneaky@example.com", "name": "Sneaky", "password": "password-123", "role": "admin"}
    for caller in (agent, supervisor, partner):
        for method, path, body in (
            ("POST", "/api/v1/users", user),
            ("PATCH", f"/api/v1/users/{caller.user['id']}", {"role": "admin"}),
            ("PATCH", f"/api/v1/users/{admin.user['id']}", {"active": False}),
            ("POST", "/api/v1/departments", {"name": "Shadow"}),
            ("PATCH", f"/api/v1/departments/{sales['id']}", {"name": "Renamed"}),
        ):
            reply = await caller.call(method, path, json=body)
            assert reply.status == 403, (caller.user["role"], method, path, reply.text)
            reply.error(403, "forbidden")
    # a body that would be invalid still gets 403, not 400: permissions come first
    (await agent.post("/api/v1/users", {"nonsense": True})).error(403, "forbidden")

    assert (await agent.ok("GET", "/api/v1/me"))["user"]["role"] == "agent"
    assert {u["email"] for u in (await admin.ok("GET", "/api/v1/users"))["items"]} >= {agent.user["email"]}
    assert "sneaky@example.com" not in {u["email"] for u in (await admin.ok("GET", "/api/v1/users"))["items"]}
    departments = (await admin.ok("GET", "/api/v1/departments"))["items"]
    assert [d["name"] for d in departments] == [sales["name"]]
    # staff list users and departments; partners do not
    assert (await agent.get("/api/v1/users")).status == 200
    assert (await supervisor.get("/api/v1/departments")).status == 200
    (await partner.get("/api/v1/users")).error(403, "forbidden")
    (await partner.get("/api/v1/departments")).error(403, "forbidden")
    # only admins and supervisors share clients with partners
    client_id = (await push(admin))["client_id"]
    (await agent.patch(f"/api/v1/clients/{client_id}", {"partner_ids": [partner.user["id"]]})).error(403)
    shared = await supervisor.ok(
        "PATCH", f"/api/v1/clients/{client_id}", {"partner_ids": [partner.user["id"]]}
    )
    assert shared["partner_ids"] == [partner.user["id"]]


async def test_a_partner_sees_only_shared_clients_and_no_internal_notes(admin):
    partner = await new_user(admin, "partner")
    other_partner = await new_user(admin, "partner")
    agent = await new_user(admin, "agent")
    shared = await push(admin, name="Shared Customer", text="customer message")
    private = await push(admin, name="Private Customer")
    shared_path = f"/api/v1/clients/{shared['client_id']}"
    private_path = f"/api/v1/clients/{private['client_id']}"
    conversation = f"/api/v1/conversations/{shared['conversation_id']}"

    internal = await admin.ok("POST", f"{conversation}/notes", {"text": "internal only"}, status=201)
    for_partners = await admin.ok(
        "POST",
        f"{conversation}/notes",
        {"text": "partners may read this", "shared_with_partners": True},
        status=201,
    )
    client_note = await admin.ok(
        "POST", f"{shared_path}/notes", {"text": "client-level internal"}, status=201
    )
    reply = await admin.ok("POST", f"{conversation}/replies", {"text": "our answer"}, status=201)

    # before sharing, the partner sees nothing
    (await partner.get(shared_path)).error(404, "not_found")
    assert (await partner.ok("GET", "/api/v1/clients"))["items"] == []

    (await admin.patch(shared_path, {"partner_ids": [agent.user["id"]]})).error(400, "invalid")
    await admin.ok("PATCH", shared_path, {"partner_ids": [partner.user["id"]]})

    card = await partner.ok("GET", shared_path)
    assert card["name"] == "Shared Customer"
    assert [c["id"] for c in (await partner.ok("GET", "/api/v1/clients"))["items"]] == [shared["client_id"]]
    found = await partner.ok("GET", "/api/v1/clients", params={"q": "customer"})
    assert [c["id"] for c in found["items"]] == [shared["client_id"]]
    for path in (
        private_path,
        f"{private_path}/timeline",
        f"{private_path}/conversations",
        f"/api/v1/conversations/{private['conversation_id']}",
    ):
        (await partner.get(path)).error(404, "not_found")
    (await other_partner.get(shared_path)).error(404, "not_found")

    visible = {e["id"] for e in await timeline(partner, shared_path)}
    assert visible == {shared["entry_id"], for_partners["id"], reply["id"]}
    assert internal["id"] not in visible and client_note["id"] not in visible
    in_conversation = {e["id"] for e in await timeline(partner, conversation)}
    assert in_conversation == {shared["entry_id"], for_partners["id"], reply["id"]}
    staff_view = {e["id"] for e in await timeline(admin, shared_path)}
    assert staff_view == visible | {internal["id"], client_note["id"]}

    conversations = await partner.ok("GET", f"{shared_path}/conversations")
    assert [c["id"] for c in conversations["items"]] == [shared["conversation_id"]]
    listed = await partner.ok("GET", "/api/v1/conversations")
    assert private["conversation_id"] not in {c["id"] for c in listed["items"]}

    # a partner reads but does not work the conversation, and cannot edit the client
    (await partner.post(f"{conversation}/replies", {"text": "hi from the partner"})).error(403, "forbidden")
    (await partner.patch(conversation, {"status": "resolved"})).error(403, "forbidden")
    (await partner.patch(shared_path, {"name": "Renamed"})).error(403, "forbidden")
    assert (await admin.ok("GET", conversation))["status"] == "open"

    # unsharing takes it away again
    await admin.ok("PATCH", shared_path, {"partner_ids": []})
    (await partner.get(shared_path)).error(404, "not_found")
    (await partner.get(conversation)).error(404, "not_found")
