"""The admin area's endpoints (issue #12): GET /api/v1/bots lists the loaded flows to admins and supervisors (403
to agents and partners); the routing rules round-trip as YAML text (comments kept), a broken text is a 400 whose
`details` give each problem's line; GET /api/v1/channels/health covers every channel, not only mailboxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import PASSWORD, Api, admin_api, api_settings

from hub.actions import staff
from hub.domain import Role

ROOT = Path(__file__).resolve().parents[2]
RULES = """# routing for the tests
rules:
  - name: Complaints   # a comment the next edit must still see
    when: {words: [complaint]}
    then: {department: Support, priority: high}
"""


@pytest.fixture
def settings(tmp_path):
    rules = tmp_path / "routing.yaml"
    rules.write_text(RULES, encoding="utf-8")
    return api_settings(tmp_path, bots_dir=ROOT / "config" / "bots", routing_file=rules)


async def _callers(server) -> dict[str, Api]:
    hub = server.hub
    admin = await admin_api(server.url, server.http)
    callers = {"admin": admin}
    for name, role in (("sue", Role.supervisor), ("ann", Role.agent), ("pat", Role.partner)):
        await staff.create_user(
            hub, email=f"{name}@example.com", name=name.title(), role=role, password=PASSWORD
        )
        callers[name] = await admin.login(f"{name}@example.com", PASSWORD)
    return callers


async def test_the_bot_flows_are_listed_to_admins_and_supervisors_only(server):
    callers = await _callers(server)
    listed = await callers["admin"].ok("GET", "/api/v1/bots")
    flows = {flow["name"]: flow for flow in listed["items"]}
    assert set(flows) == {"default"}  # config/bots/default.yaml, the shipped flow
    default = flows["default"]
    assert set(default["channels"]) == {"telegram", "webchat"}
    assert default["handoff_department"] == "Support"
    assert default["states"] >= 3 and default["start"] in ("menu", "start")
    assert "Support" in default["departments"]
    assert await callers["sue"].ok("GET", "/api/v1/bots") == listed
    for name in ("ann", "pat"):
        (await callers[name].get("/api/v1/bots")).error(403, "forbidden")
    (await Api(server.url, server.http).get("/api/v1/bots")).error(401)


async def test_routing_rules_round_trip_as_yaml_and_a_problem_names_its_line(server):
    callers = await _callers(server)
    admin = callers["admin"]
    shown = await admin.ok("GET", "/api/v1/routing-rules")
    assert shown["source"] == "file" and shown["yaml"] == RULES
    assert (await callers["sue"].ok("GET", "/api/v1/routing-rules"))["yaml"] == RULES

    broken = RULES.replace("priority: high", "priority: highest")
    error = (await admin.call("PUT", "/api/v1/routing-rules", json={"yaml": broken})).error(400, "invalid")
    assert error["details"][0]["line"] == 5, error
    assert "priority" in error["details"][0]["message"], error
    assert error["message"].startswith("routing.yaml:5: "), error
    (await admin.call("PUT", "/api/v1/routing-rules", json={"yaml": "rules: [\n"})).error(400, "invalid")
    mixed = {"yaml": RULES, "rules": [{"name": "X", "then": {"priority": "low"}}]}
    (await admin.call("PUT", "/api/v1/routing-rules", json=mixed)).error(400, "invalid")
    (await callers["sue"].call("PUT", "/api/v1/routing-rules", json={"yaml": RULES})).error(403)
    (await callers["ann"].get("/api/v1/routing-rules")).error(403)
    assert (await admin.ok("GET", "/api/v1/routing-rules"))["source"] == "file"  # nothing was saved

    edited = RULES + "  - name: Refunds\n    when: {words: [refund]}\n    then: {department: Billing}\n"
    saved = await admin.ok("PUT", "/api/v1/routing-rules", json={"yaml": edited})
    assert saved["source"] == "store" and saved["yaml"] == edited  # the comments are still there
    assert [r["name"] for r in saved["rules"]] == ["Complaints", "Refunds"]
    # rules saved as JSON come back as YAML written out from them
    plain = await admin.ok(
        "PUT", "/api/v1/routing-rules", json={"rules": [{"name": "Only", "then": {"priority": "low"}}]}
    )
    assert "name: Only" in plain["yaml"] and "#" not in plain["yaml"]


async def test_channels_health_covers_every_channel(server):
    callers = await _callers(server)
    health = await callers["admin"].ok("GET", "/api/v1/channels/health")
    assert set(health) >= {"email", "telegram", "telephony", "webchat", "api"}
    assert health["telegram"]["configured"] is False
    assert "HUB_TELEGRAM_BOTS" in health["telegram"]["message"]
    assert health["telephony"]["configured"] is False
    assert health["webchat"]["connected"] is True and health["api"]["connected"] is True
    (await callers["sue"].get("/api/v1/channels/health")).error(403)


async def test_saved_rules_with_business_hours_still_apply_once_the_cache_runs_out(server):
    """The stored set is read back from its JSON (every process, every few seconds): business hours included."""
    admin = (await _callers(server))["admin"]
    text = (
        'business_hours:\n  timezone: Europe/Moscow\n  weekly: {mon: "09:00-18:00", sat: closed}\n'
        "rules:\n  - name: Nights\n    when: {hours: closed}\n    then: {priority: low}\n"
    )
    await admin.ok("PUT", "/api/v1/routing-rules", json={"yaml": text})
    server.hub.router._cached = None  # as another process, or this one 5 s later
    shown = await admin.ok("GET", "/api/v1/routing-rules")
    assert shown["source"] == "store" and shown["yaml"] == text
    assert shown["business_hours"]["weekly"]["mon"] == ["09:00-18:00"]


SLA = """# the test's SLA
business_hours:
  timezone: Europe/Moscow
  weekly: {mon: "09:00-18:00", tue: "09:00-18:00"}
policies:
  - name: Standard
    first_response_minutes: 60
    warning_minutes: 10
"""


async def test_sla_policies_are_edited_as_yaml_by_admins(server):
    from hub.actions.sla_policies import SlaPolicies
    from hub.sla import SlaConfig

    callers = await _callers(server)
    admin = callers["admin"]
    before = await callers["sue"].ok("GET", "/api/v1/sla/policies")
    assert before["source"] == "file" and before["policies"] == []
    assert "yaml" not in await callers["ann"].ok(
        "GET", "/api/v1/sla/policies"
    )  # agents read the policies only

    broken = SLA.replace("warning_minutes: 10", "warning_minutes: 90")
    error = (await admin.call("PUT", "/api/v1/sla/policies", json={"yaml": broken})).error(400, "invalid")
    assert error["details"] == [
        {
            "line": 8,
            "message": "the warning must come before the shortest target (policies.0.warning_minutes)",
        }
    ]
    (await admin.call("PUT", "/api/v1/sla/policies", json={"yaml": "policies: {"})).error(400, "invalid")
    # a control character (schemathesis found it: the YAML reader refused it before parsing, a 500)
    control = (await admin.call("PUT", "/api/v1/sla/policies", json={"yaml": "policies:\n  - \x01"})).error(
        400
    )
    assert control["details"] == [{"line": 2, "message": "not valid YAML text: the control character U+0001"}]
    (await admin.call("PUT", "/api/v1/routing-rules", json={"yaml": "rules: \x7f"})).error(400, "invalid")
    (await admin.call("PUT", "/api/v1/sla/policies", json={"text": SLA})).error(400, "invalid")
    for name in ("sue", "ann", "pat"):
        (await callers[name].call("PUT", "/api/v1/sla/policies", json={"yaml": SLA})).error(403, "forbidden")
    assert not server.hub.sla.policies

    saved = await admin.ok("PUT", "/api/v1/sla/policies", json={"yaml": SLA})
    assert saved["source"] == "store" and saved["yaml"] == SLA
    assert [p["name"] for p in saved["policies"]] == ["Standard"]
    assert server.hub.sla.policy("Standard").first_response_minutes == 60
    # another process (its own hub.sla still the file's) takes the saved set on its next look
    server.hub.sla = SlaConfig()
    await SlaPolicies(server.hub).refresh()
    assert server.hub.sla.policy("Standard") is not None
    assert (await callers["ann"].ok("GET", "/api/v1/sla/policies"))["policies"] == saved["policies"]
