"""Routing rules: the file format and its error report, evaluation with a fixed clock, and what a match does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support import make_settings

from hub.actions import staff
from hub.actions.ingest import ingest
from hub.actions.routing import Router
from hub.config import ConfigurationError
from hub.domain import Client, IdentityKind
from hub.identities import make_identity
from hub.inbound import InboundMessage
from hub.routing import Facts, evaluate, load_rules_file, load_rules_text

RULES = """
business_hours:
  timezone: Europe/Moscow
  weekly: {mon: "09:00-18:00", tue: "09:00-18:00", wed: "09:00-18:00", thu: "09:00-18:00", fri: "09:00-18:00"}
rules:
  - name: VIP
    when: {client_tags: [vip]}
    then: {department: Service, priority: high}
    continue: true
  - name: Refunds
    when: {words: [refund, возврат], channel: [telegram, api]}
    then: {department: Billing}
  - name: After hours
    when: {hours: closed}
    then: {department: Night, tags: [after-hours]}
  - name: Shop bot follow-ups
    when: {bot: [shop_bot], message: follow_up}
    then: {priority: urgent}
"""

# Wednesday 2024-05-01 12:00 Moscow (09:00 UTC) is open; 22:00 Moscow (19:00 UTC) is closed
OPEN = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
CLOSED = datetime(2024, 5, 1, 19, 0, tzinfo=UTC)


def facts(text: str = "hello", *, tags=(), channel="api", raw=None, first=True, now=OPEN) -> Facts:
    client = Client(name="C", tags=list(tags))
    return Facts(channel=channel, text=text, raw=raw or {}, client=client, first=first, now=now)


def names(found) -> list[str]:
    return [r.name for r in found]


def test_rules_with_a_fixed_clock():
    ruleset, problems = load_rules_text(RULES, "routing.yaml")
    assert problems == [] and ruleset is not None
    assert names(evaluate(ruleset, facts())) == []
    assert names(evaluate(ruleset, facts(now=CLOSED))) == ["After hours"]
    # words match whole words, any case; the first match wins
    assert names(evaluate(ruleset, facts("I want a REFUND now", now=CLOSED))) == ["Refunds"]
    assert names(evaluate(ruleset, facts("refunded?"))) == []
    assert names(evaluate(ruleset, facts("хочу возврат", channel="webchat"))) == []
    # continue: true lets the next matching rule apply too
    assert names(evaluate(ruleset, facts("refund", tags=["vip"]))) == ["VIP", "Refunds"]
    # follow-ups: only rules that ask for them; raw metadata one level down (Telegram: raw.telegram.bot)
    shop = {"telegram": {"bot": "shop_bot"}}
    assert names(evaluate(ruleset, facts(raw=shop, first=False))) == ["Shop bot follow-ups"]
    assert names(evaluate(ruleset, facts(raw=shop, first=True))) == []


def test_a_rule_file_with_errors_is_reported_with_lines(tmp_path):
    path = tmp_path / "routing.yaml"
    path.write_text(
        "rules:\n"
        "  - name: A\n"
        "    when: {hours: closed}\n"  # line 3: no business_hours
        "    then: {department: X}\n"
        "  - name: B\n"
        "    when:\n"
        "      colour: red\n"  # line 7: unknown key
        "    then: {priority: extreme}\n"  # line 8: not a priority
        "  - name: C\n"
        "    then: {}\n",  # line 10: no action
        encoding="utf-8",
    )
    ruleset, problems = load_rules_file(path)
    assert ruleset is None
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:7", f"{path}:8", f"{path}:10"]
    assert "unknown key 'colour'" in problems[0]
    path.write_text("rules:\n  - name: A\n    when: {hours: closed}\n    then: {department: X}\n")
    _, problems = load_rules_file(path)
    assert problems == [f"{path}:3: an hours condition needs business_hours at the top (rules.0.when.hours)"]
    path.write_text("rules: [\n  {name: A\n")
    _, problems = load_rules_file(path)
    assert problems[0].startswith(f"{path}:") and "YAML syntax error" in problems[0]


async def test_the_hub_refuses_to_start_with_a_broken_rule_file_and_hub_check_reports_it(tmp_path, store):
    from hub.app import check_extensions, create_app

    path = tmp_path / "routing.yaml"
    path.write_text("rules:\n  - name: A\n    then: {priority: extreme}\n", encoding="utf-8")
    settings = make_settings(tmp_path, routing_file=path)
    with pytest.raises(ConfigurationError) as raised:
        await create_app(settings, store=store)
    assert raised.value.problems[0].startswith(f"{path}:3: ")
    assert any(p.startswith(f"{path}:3: ") for p in check_extensions(settings))


def inbound(i: int, text: str = "hello", **raw) -> InboundMessage:
    return InboundMessage(
        channel="api",
        provider_message_id=f"m{i}",
        thread_key=f"t{i}",
        identities=(make_identity(IdentityKind.email, f"customer{i}@example.com"),),
        text=text,
        raw=raw,
    )


async def test_a_match_routes_prioritises_tags_and_leaves_system_entries(hub):
    ruleset, _ = load_rules_text(RULES, "routing.yaml")
    hub.router = Router(ruleset)
    hub.after_inbound = hub.router.after_inbound
    hub.clock = lambda: CLOSED
    night = await staff.create_department(hub, "Night")

    result = await ingest(hub, inbound(1, "anyone there?"))

    conversation = await hub.store.conversations.get(result.entry.conversation_id)
    assert conversation.department_id == night.id
    client = await hub.store.clients.get(conversation.client_id)
    assert client.tags == ["after-hours"]
    page = await hub.store.timeline.conversation_page(conversation.id)
    system = {e.meta["code"]: e for e in page if e.kind.value == "system"}
    assert set(system) == {"routed", "tagged"}
    assert system["routed"].text == "routed to Night by rule “After hours”"
    assert system["routed"].meta["params"] == {"department": "Night", "rule": "After hours"}
    from hub.actions.system_entries import render

    assert render("routed", system["routed"].meta["params"], "ru") == (
        "направлен в отдел «Night» по правилу «After hours»"
    )
