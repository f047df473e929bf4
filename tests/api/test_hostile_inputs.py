"""What a probe with hostile input found on the new endpoints, over real HTTP on both stores: a time that is valid
ISO but outside years 1-9999 once in UTC (0001-01-01T00:00:00+14:00) is a 400 naming the field (it was a 500 on the
list, and a view shared with everyone holding it broke every staff member's counts); an admin's YAML whose aliases
explode or loop is a 400 on line 1 (it took gigabytes, or never returned, and stalled the hub), one with thousands
of problems names the first MAX_PROBLEMS; a user keeps at most MAX_VIEWS_PER_OWNER saved views (409 beyond: each
view costs a count query on every counts request), however many creates run at once."""

from __future__ import annotations

import asyncio

from api_helpers import new_user, push

from hub.domain_views import MAX_VIEWS_PER_OWNER
from hub.yamllines import MAX_PROBLEMS

VIEWS = "/api/v1/views"
LIST = "/api/v1/conversations"
EARLY = "0001-01-01T00:00:00+14:00"  # before year 1 in UTC
LATE = "9999-12-31T23:59:59-14:00"  # after year 9999 in UTC


async def test_times_beyond_utc_range_are_400_naming_the_field(admin):
    await push(admin, name="Someone")
    for params, field in (
        ({"created_from": EARLY}, "created_from"),
        ({"created_to": LATE}, "created_to"),
        ({"last_message_from": EARLY}, "last_message_from"),
        ({"last_message_to": LATE}, "last_message_to"),
    ):
        error = (await admin.get(LIST, params=params)).error(400, "invalid")
        assert field in error["message"] and "out of range" in error["message"], error
    # the same time zone inside the range is fine
    assert (await admin.get(LIST, params={"created_from": "0001-01-02T00:00:00+14:00"})).status == 200

    bad = {"name": "Edge", "shared": "everyone", "filters": {"created_from": EARLY}}
    error = (await admin.post(VIEWS, bad)).error(400, "invalid")
    assert "filters.created_from" in error["message"], error
    view = await admin.ok("POST", VIEWS, {"name": "Edge", "shared": "everyone"}, status=201)
    (await admin.patch(f"{VIEWS}/{view['id']}", {"filters": {"last_message_to": LATE}})).error(400, "invalid")
    agent = await new_user(admin, "agent")
    assert view["id"] in await agent.ok("GET", f"{VIEWS}/counts")

    for path, params in (
        ("/api/v1/tasks", {"due_before": EARLY}),
        ("/api/v1/sla/breaches", {"since": EARLY}),
        ("/api/v1/sla/breaches", {"until": LATE}),
    ):
        (await admin.get(path, params=params)).error(400, "invalid")
    body = {"title": "Call back", "client_id": (await push(admin))["client_id"], "due_at": LATE}
    (await admin.post("/api/v1/tasks", body)).error(400, "invalid")


def _laughs(key: str) -> str:
    text = 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for n in range(1, 9):
        text += f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n"
    return text + f"{key}: *l8\n"


async def test_yaml_whose_aliases_explode_or_loop_is_a_400_on_line_one(admin):
    for path, key in (("/api/v1/routing-rules", "rules"), ("/api/v1/sla/policies", "policies")):
        for text in (_laughs(key), f"a: &a [*a, *a]\n{key}: []\n"):
            error = (await admin.call("PUT", path, json={"yaml": text})).error(400, "invalid")
            assert error["details"][0]["line"] == 1 and "the YAML" in error["message"], error
    assert (await admin.get("/healthz", auth=False)).status == 200
    # thousands of problems: the first MAX_PROBLEMS and how many more (it was an error of megabytes)
    many = "rules:\n" + "".join(f"  - {{name: r{i}, when: {{channel: 5}}, bogus: 1}}\n" for i in range(1000))
    error = (await admin.call("PUT", "/api/v1/routing-rules", json={"yaml": many})).error(400, "invalid")
    assert len(error["details"]) == MAX_PROBLEMS + 1, len(error["details"])
    assert error["details"][-1]["message"].endswith("more problems") and error["details"][-1]["line"] > 1
    # nothing was saved: the rules are still the (empty) default
    assert (await admin.ok("GET", "/api/v1/routing-rules"))["rules"] == []


async def test_a_user_keeps_a_bounded_number_of_saved_views(admin):
    agent = await new_user(admin, "agent")
    other = await new_user(admin, "agent")
    made = [
        await agent.ok("POST", VIEWS, {"name": f"View {i}"}, status=201) for i in range(MAX_VIEWS_PER_OWNER)
    ]
    error = (await agent.post(VIEWS, {"name": "One too many"})).error(409, "conflict")
    assert str(MAX_VIEWS_PER_OWNER) in error["message"], error
    # others are not held back by them; deleting one makes room again
    await other.ok("POST", VIEWS, {"name": "Mine"}, status=201)
    await agent.ok("DELETE", f"{VIEWS}/{made[0]['id']}")
    await agent.ok("POST", VIEWS, {"name": "Now it fits"}, status=201)
    assert len(await agent.ok("GET", f"{VIEWS}/counts")) == MAX_VIEWS_PER_OWNER


async def test_concurrent_creates_never_pass_the_bound(admin):
    agent = await new_user(admin, "agent")
    for i in range(MAX_VIEWS_PER_OWNER - 3):
        await agent.ok("POST", VIEWS, {"name": f"View {i}"}, status=201)
    replies = await asyncio.gather(*(agent.post(VIEWS, {"name": "Same"}) for _ in range(20)))
    assert {r.status for r in replies} <= {201, 409}, [r.text for r in replies]
    mine = [v for v in (await agent.ok("GET", VIEWS))["items"] if v["owner_id"] == agent.user["id"]]
    assert len(mine) <= MAX_VIEWS_PER_OWNER
    assert len(mine) == MAX_VIEWS_PER_OWNER - 3 + sum(r.status == 201 for r in replies)
