"""SLA over REST: the policies for staff, the breach counts for supervisors and admins (403 for others), bad
input a clear 400, an unknown department 404; counts per department and kind within since/until."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_helpers import api_settings
from support import Clock, sla_policies_file

from hub.actions import staff
from hub.app import SLA_TIMERS_KEY
from hub.domain import Role

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def settings(tmp_path):
    return api_settings(tmp_path, sla_file=sla_policies_file(tmp_path))


@pytest.fixture
async def org(server):
    hub = server.hub
    hub.clock = Clock(T0)
    support = await staff.create_department(hub, "Support")
    sales = await staff.create_department(hub, "Sales")
    headers = {"admin": await server.login()}
    for name, role, deps in (
        ("ann", Role.agent, [support.id]),
        ("sam", Role.agent, [sales.id]),
        ("sue", Role.supervisor, []),
        ("pat", Role.partner, []),
    ):
        await staff.create_user(
            hub, email=f"{name}@example.com", name=name.title(), role=role, password="secret-password",
            department_ids=deps,
        )  # fmt: skip
        headers[name] = await server.login(f"{name}@example.com", "secret-password")
    return {"support": support, "sales": sales, "headers": headers}


async def call(server, method: str, path: str, headers: dict | None, body=None) -> tuple[int, dict]:
    async with server.http.request(method, f"{server.url}{path}", headers=headers or {}, json=body) as r:
        return r.status, (await r.json() if r.content_type == "application/json" else {})


async def test_policies_are_readable_by_staff(server, org):
    h = org["headers"]
    status, body = await call(server, "GET", "/api/v1/sla/policies", h["ann"])
    assert status == 200 and [p["name"] for p in body["policies"]] == ["Urgent", "Support"]
    assert body["business_hours"]["timezone"] == "UTC"
    assert (await call(server, "GET", "/api/v1/sla/policies", h["pat"]))[0] == 403
    assert (await call(server, "GET", "/api/v1/sla/policies", None))[0] == 401


async def test_breach_reports_need_a_supervisor_and_good_input(server, org):
    h = org["headers"]
    for who in ("ann", "pat"):
        status, body = await call(server, "GET", "/api/v1/sla/breaches", h[who])
        assert status == 403, body
    assert await call(server, "GET", "/api/v1/sla/breaches", h["sue"]) == (200, {"items": [], "total": 0})
    empty = await call(server, "GET", "/api/v1/sla/breaches?department=&since=&until=", h["sue"])
    assert empty == (200, {"items": [], "total": 0})  # a form's empty fields: no filter
    for query in (
        "since=yesterday",
        "since=1700000000",
        "until=2025-03-03T10:00:00",
        f"department={'x' * 65}",
    ):
        status, body = await call(server, "GET", f"/api/v1/sla/breaches?{query}", h["sue"])
        assert status == 400 and body["error"]["message"], query
    status, body = await call(
        server, "GET", "/api/v1/sla/breaches?since=2025-03-04T00:00:00Z&until=2025-03-03T00:00:00Z", h["sue"]
    )
    assert status == 400 and "until" in body["error"]["message"]
    status, body = await call(server, "GET", "/api/v1/sla/breaches?department=nope", h["admin"])
    assert status == 404


async def test_breaches_are_counted_per_department_and_kind(server, org):
    h, hub = org["headers"], server.hub
    for n, department in enumerate((org["support"], org["support"], org["sales"])):
        status, pushed = await call(
            server, "POST", "/api/v1/inbound", h["admin"],
            {"external_id": f"b{n}", "sender": {"email": f"c{n}@example.com"}, "text": "help"},
        )  # fmt: skip
        assert status == 201
        await call(
            server, "PATCH", f"/api/v1/conversations/{pushed['conversation_id']}", h["admin"],
            {"department_id": department.id, "priority": "urgent" if department is org["sales"] else "normal"},
        )  # fmt: skip
    hub.clock.now += timedelta(minutes=31)  # every first response is overdue, no resolution yet
    await server.app[SLA_TIMERS_KEY].run_due()
    status, body = await call(server, "GET", "/api/v1/sla/breaches", h["sue"])
    assert status == 200
    assert sorted((i["department"], i["kind"], i["count"]) for i in body["items"]) == [
        ("Sales", "first_response", 1),  # urgent: 10 minutes round the clock (resolution: 60, not yet)
        ("Support", "first_response", 2),  # 30 business minutes
    ]
    assert body["total"] == 3
    status, only = await call(server, "GET", f"/api/v1/sla/breaches?department={org['sales'].id}", h["sue"])
    assert [(i["department"], i["count"]) for i in only["items"]] == [("Sales", 1)]
    later = (hub.clock.now + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    status, none = await call(server, "GET", f"/api/v1/sla/breaches?since={later}", h["sue"])
    assert status == 200 and none == {"items": [], "total": 0}
    # an agent of another department: the Support conversations are hidden, as if missing
    status, listed = await call(server, "GET", "/api/v1/conversations", h["sam"])
    assert status == 200 and [c["sla"]["policy"] for c in listed["items"]] == ["Urgent"]
