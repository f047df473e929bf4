"""The SLA filter of the inbox and of saved views over REST, on both stores, with real SLA policies and the hub's
clock moved: ok → warning (within the policy's warning minutes) → breached, the same states the conversation's `sla`
badge shows; an agent's count leaves out what they may not open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_helpers import api_settings
from support import Clock, sla_policies_file

from hub.actions import staff
from hub.domain import Role

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday, within business hours


@pytest.fixture
def settings(tmp_path):
    return api_settings(tmp_path, sla_file=sla_policies_file(tmp_path))


async def call(server, method: str, path: str, headers: dict, body=None) -> tuple[int, dict]:
    async with server.http.request(method, f"{server.url}{path}", headers=headers, json=body) as r:
        return r.status, await r.json()


async def test_sla_states_move_with_time_in_the_list_and_the_counts(server):
    hub = server.hub
    hub.clock = Clock(T0)
    support = await staff.create_department(hub, "Support")
    sales = await staff.create_department(hub, "Sales")
    await staff.create_user(
        hub, email="ann@example.com", name="Ann", role=Role.agent, password="secret-password",
        department_ids=[support.id],
    )  # fmt: skip
    admin, ann = await server.login(), await server.login("ann@example.com", "secret-password")
    ids = {}
    for name, department, priority in (("support", support, "normal"), ("urgent", sales, "urgent")):
        status, pushed = await call(
            server, "POST", "/api/v1/inbound", admin,
            {"external_id": name, "sender": {"email": f"{name}@example.com"}, "text": "help"},
        )  # fmt: skip
        assert status == 201
        ids[name] = pushed["conversation_id"]
        status, _ = await call(
            server, "PATCH", f"/api/v1/conversations/{ids[name]}", admin,
            {"department_id": department.id, "priority": priority},
        )  # fmt: skip
        assert status == 200
    back = {v: k for k, v in ids.items()}
    views = {}
    for state in ("ok", "warning", "breached"):
        status, view = await call(
            server,
            "POST",
            "/api/v1/views",
            admin,
            {"name": state, "filters": {"sla": [state]}, "shared": "everyone"},
        )
        assert status == 201
        views[state] = view["id"]

    async def listed(headers: dict, state: str) -> set[str]:
        status, body = await call(server, "GET", f"/api/v1/conversations?sla={state}", headers)
        assert status == 200
        return {back[c["id"]] for c in body["items"] if c["id"] in back}

    async def counts(headers: dict) -> dict[str, int]:
        status, body = await call(server, "GET", "/api/v1/views/counts", headers)
        assert status == 200
        return {state: body[view_id] for state, view_id in views.items()}

    # Urgent: first response in 10 minutes (warning 5 before); Support: 30 business minutes (warning 10 before)
    for minutes, expected in (
        (1, {"ok": {"support", "urgent"}, "warning": set(), "breached": set()}),
        (6, {"ok": {"support"}, "warning": {"urgent"}, "breached": set()}),
        (11, {"ok": {"support"}, "warning": set(), "breached": {"urgent"}}),
        (21, {"ok": set(), "warning": {"support"}, "breached": {"urgent"}}),
    ):
        hub.clock.now = T0 + timedelta(minutes=minutes)
        for state, names in expected.items():
            assert await listed(admin, state) == names, (minutes, state)
        assert await counts(admin) == {state: len(names) for state, names in expected.items()}
        # Ann (Support) never counts Sales' urgent conversation
        assert await counts(ann) == {state: len(names - {"urgent"}) for state, names in expected.items()}
    status, body = await call(server, "GET", f"/api/v1/conversations/{ids['urgent']}", admin)
    assert body["sla"]["breached"] == ["first_response"]  # what the badge shows agrees
