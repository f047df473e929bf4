"""Saved views and the inbox filters over real HTTP on both stores: GET /api/v1/conversations narrows by channel,
priority, tag, status, SLA state and dates with clear 400s; views are personal or shared (admins and supervisors
only), hidden views are 404 and foreign shared ones 403 to change; counts are built from the reader's access scope."""

from __future__ import annotations

from api_helpers import Api, new_department, new_user, push

VIEWS = "/api/v1/views"
LIST = "/api/v1/conversations"


async def ids(api: Api, **params: str) -> set[str]:
    body = await api.ok("GET", LIST, params={"limit": "200", **params})
    return {c["id"] for c in body["items"]}


async def counts(api: Api) -> dict[str, int]:
    return await api.ok("GET", f"{VIEWS}/counts")  # {view_id: count}


async def test_the_list_filters_narrow_and_refuse_bad_values(admin):
    hot = await push(admin, name="Hot")
    calm = await push(admin, name="Calm")
    await admin.ok("PATCH", f"{LIST}/{hot['conversation_id']}", {"priority": "urgent"})
    await admin.ok("PATCH", f"/api/v1/clients/{hot['client_id']}", {"tags": ["vip"]})
    await admin.ok("PATCH", f"{LIST}/{calm['conversation_id']}", {"status": "pending"})
    both = {hot["conversation_id"], calm["conversation_id"]}

    assert await ids(admin, priority="urgent") == {hot["conversation_id"]}
    assert await ids(admin, priority="high,urgent", tag="vip") == {hot["conversation_id"]}
    assert await ids(admin, status="open,pending") >= both
    assert calm["conversation_id"] not in await ids(admin, status="open")
    assert await ids(admin, channel="api") >= both
    assert await ids(admin, channel="telegram,email") & both == set()
    assert await ids(admin, tag="vip", created_from="2000-01-01T00:00:00Z") == {hot["conversation_id"]}
    assert await ids(admin, tag="vip", created_to="2000-01-01T00:00:00Z") == set()
    assert await ids(admin, sla="breached") & both == set()  # no SLA policy: no clock is in any state

    for params, field in (
        ({"channel": "Tele gram"}, "channel"),
        ({"priority": "hot"}, "priority"),
        ({"sla": "late"}, "sla"),
        ({"status": "open,gone"}, "status"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_from": "1700000000"}, "created_from"),
        (
            {"last_message_from": "2026-01-02T00:00:00Z", "last_message_to": "2026-01-01T00:00:00Z"},
            "last_message_to",
        ),
    ):
        error = (await admin.get(LIST, params=params)).error(400, "invalid")
        assert field in error["message"], (params, error)


async def test_personal_and_shared_views_and_who_may_change_them(admin):
    support = await new_department(admin)
    agent = await new_user(admin, "agent", [support["id"]])
    other = await new_user(admin, "agent", [support["id"]])
    lead = await new_user(admin, "supervisor", [support["id"]])

    mine = await agent.ok(
        "POST",
        VIEWS,
        {"name": "My urgent", "filters": {"priority": ["urgent"], "assignee": "me"}},
        status=201,
    )
    assert mine["owner_id"] == agent.user["id"] and mine["shared"] == "none" and mine["can_edit"] is True
    assert mine["filters"] == {"priority": ["urgent"], "assignee": "me"}
    # an agent shares nothing
    (await agent.post(VIEWS, {"name": "For all", "shared": "everyone"})).error(403)
    (await agent.patch(f"{VIEWS}/{mine['id']}", {"shared": "everyone"})).error(403)
    team = await lead.ok(
        "POST",
        VIEWS,
        {
            "name": "Support breached",
            "filters": {"sla": ["breached"]},
            "shared": "department",
            "department_id": support["id"],
        },
        status=201,
    )
    everyone = await admin.ok(
        "POST", VIEWS, {"name": "All VIP", "filters": {"tag": "vip"}, "shared": "everyone"}, status=201
    )

    def names(body: dict) -> list[str]:
        return [v["name"] for v in body["items"]]

    assert names(await agent.ok("GET", VIEWS)) == ["All VIP", "My urgent", "Support breached"]
    assert names(await other.ok("GET", VIEWS)) == ["All VIP", "Support breached"]
    assert names(await admin.ok("GET", VIEWS)) == ["All VIP", "Support breached"]
    # another agent's personal view does not exist for them (nor for the admin); a shared one is 403 to change
    for caller in (other, admin):
        (await caller.patch(f"{VIEWS}/{mine['id']}", {"name": "taken"})).error(404, "not_found")
        (await caller.call("DELETE", f"{VIEWS}/{mine['id']}")).error(404, "not_found")
    (await agent.patch(f"{VIEWS}/{team['id']}", {"name": "ours"})).error(403)
    (await agent.call("DELETE", f"{VIEWS}/{everyone['id']}")).error(403)
    assert (await admin.ok("PATCH", f"{VIEWS}/{team['id']}", {"name": "Support late"}))[
        "name"
    ] == "Support late"
    renamed = await agent.ok(
        "PATCH", f"{VIEWS}/{mine['id']}", {"name": "Mine, urgent", "filters": {"channel": "api"}}
    )
    assert renamed["filters"] == {"channel": ["api"]}
    await lead.ok("DELETE", f"{VIEWS}/{team['id']}")
    assert names(await agent.ok("GET", VIEWS)) == ["All VIP", "Mine, urgent"]

    # bad input is a 400 naming what is wrong
    for body in (
        {"name": ""},
        {"name": "x", "filters": {"priority": ["hot"]}},
        {"name": "x", "filters": {"colour": "red"}},
        {
            "name": "x",
            "filters": {"created_from": "2026-01-02T00:00:00Z", "created_to": "2026-01-01T00:00:00Z"},
        },
        {"name": "x", "shared": "department"},
    ):
        (await admin.post(VIEWS, body)).error(400, "invalid")


async def test_counts_only_count_what_the_reader_may_open(admin):
    sales, support = await new_department(admin), await new_department(admin)
    agent = await new_user(admin, "agent", [support["id"]])
    theirs = await push(admin, name="Sales VIP")
    ours = await push(admin, name="Support VIP")
    for sent, department in ((theirs, sales), (ours, support)):
        await admin.ok("PATCH", f"/api/v1/clients/{sent['client_id']}", {"tags": ["vip-count"]})
        await admin.ok(
            "PATCH",
            f"{LIST}/{sent['conversation_id']}",
            {"department_id": department["id"], "priority": "high"},
        )
    view = await admin.ok(
        "POST",
        VIEWS,
        {"name": "VIP high", "filters": {"tag": "vip-count", "priority": ["high"]}, "shared": "everyone"},
        status=201,
    )
    mine = await agent.ok(
        "POST", VIEWS, {"name": "Sales, mine to see?", "filters": {"department": sales["id"]}}, status=201
    )
    assert (await counts(admin))[view["id"]] == 2
    agent_counts = await counts(agent)
    assert agent_counts[view["id"]] == 1 and agent_counts[mine["id"]] == 0
    assert await ids(agent, tag="vip-count") == {ours["conversation_id"]}
    # assigned to the agent, Sales' conversation becomes theirs to open, and counts
    await admin.ok("PATCH", f"{LIST}/{theirs['conversation_id']}", {"assignee_id": agent.user["id"]})
    agent_counts = await counts(agent)
    assert agent_counts[view["id"]] == 2 and agent_counts[mine["id"]] == 1


async def test_a_partner_gets_no_views(admin):
    partner = await admin.ok(
        "POST", "/api/v1/partners", {"name": "Dealer", "redacted_fields": []}, status=201
    )
    body = {
        "email": "dealer-views@example.com",
        "name": "Dealer",
        "role": "partner",
        "password": "partner-pass-1",
        "partner_id": partner["id"],
    }
    await admin.ok("POST", "/api/v1/users", body, status=201)
    dealer = await admin.login(body["email"], body["password"])
    await admin.ok("POST", VIEWS, {"name": "Everything", "shared": "everyone"}, status=201)
    (await dealer.get(VIEWS)).error(403)
    (await dealer.get(f"{VIEWS}/counts")).error(403)
    (await dealer.post(VIEWS, {"name": "Mine"})).error(403)
