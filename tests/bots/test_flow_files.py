"""Flow files: what is accepted, and every problem reported as file:line: reason (check() and start-up)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bot_helpers import FLOW, bot_settings, write_flow

import bots
from bots.flow import pick
from bots.loading import FlowConfigError, load_flow_file, load_flows

REPO = Path(__file__).resolve().parents[2]

GOOD = """
channels: [api]
start: menu
states:
  menu:
    say: Hello
    buttons:
      - {id: a, text: A, goto: menu}
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = write_flow(tmp_path / "bots", text, "x.yaml")
    flow, problems = load_flow_file(path)
    assert (flow is None) == bool(problems)
    return [p.removeprefix(f"{path}:") for p in problems]


def test_the_shipped_default_flow_is_valid_and_covers_telegram_and_webchat_only():
    flows, problems = load_flows(REPO / "config" / "bots")
    assert problems == []
    assert [f.name for f in flows] == ["default"]
    default = flows[0]
    assert default.channels == ["telegram", "webchat"]
    assert {b.id for b in default.states[default.start].all_buttons()} >= {"sales", "support", "human"}
    assert {"operator", "human", "agent", "оператор", "человек"} <= set(default.handoff.keywords)


def test_a_good_flow_loads(tmp_path):
    assert problems_of(tmp_path, GOOD) == []
    assert problems_of(tmp_path, FLOW) == []


def test_bad_yaml_syntax_is_reported_with_its_line(tmp_path):
    text = GOOD.replace("      - {id: a, text: A, goto: menu}", "      - {id: a, text: A, goto: menu")
    assert problems_of(tmp_path, text) == [
        "8: YAML syntax error: expected ',' or '}', but got '<stream end>' "
        "(while parsing a flow mapping that starts on line 7)"
    ]
    text = GOOD.replace("say: Hello", "say: Hello: world")
    assert problems_of(tmp_path, text) == ["5: YAML syntax error: mapping values are not allowed here"]


def test_an_unknown_goto_state_is_reported_with_its_line(tmp_path):
    assert problems_of(tmp_path, GOOD.replace("goto: menu", "goto: foo")) == [
        "7: unknown state 'foo' in goto (states.menu.buttons.0.0.goto)"
    ]


def test_a_missing_start_state_is_reported(tmp_path):
    assert problems_of(tmp_path, GOOD.replace("start: menu", "start: welcome")) == [
        "2: unknown start state 'welcome' (not under states) (start)"
    ]
    assert problems_of(tmp_path, GOOD.replace("start: menu\n", "")) == ["1: 'start' is required (start)"]


def test_a_bad_validator_name_is_reported_with_its_line(tmp_path):
    text = GOOD + "  ask:\n    say: Email?\n    capture:\n      validate: emial\n      goto: menu\n"
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("11: unknown validator 'emial' (use one of: name, email, phone, contact, text)")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("    say: Hello\n", "    say: Hello\n    sya: typo\n"), "6: unknown key 'sya' (states.menu.sya)"),
        (
            ("say: Hello", "say: {en: Hi, de: Hallo}"),
            "5: unknown language 'de' (use en or ru) (states.menu.say)",
        ),
        (("id: a,", "id: 'Not An Id',"), "7: String should match pattern"),
        (("goto: menu}", "goto: menu, handoff: Sales}"), "7: hand off or goto, not both"),
        (("channels: [api]", "channels: [api, Tele Gram]"), "1: String should match pattern"),
        (("    buttons:\n", "    next: menu\n    buttons:\n"), "states loop through next without waiting"),
        (
            ("    say: Hello\n", "    say: Hello\n    do: [{handoff: Sales}, {tag: x}]\n"),
            "6: handoff must be the last action",
        ),
        (
            ("    say: Hello\n", "    say: Hello\n    do: [{tag: x, note: y}]\n"),
            "6: an action has exactly one of: tag, untag, field, note, task, handoff (got note, tag)",
        ),
        (
            ("states:\n", "business_hours: {timezone: Mars/Base, weekly: {}}\nstates:\n"),
            "3: unknown timezone 'Mars/Base'",
        ),
        (
            ("states:\n", "business_hours: {timezone: UTC, weekly: {mon: 9-18}}\nstates:\n"),
            "3: '9-18': write hours as \"09:00-18:00\"",
        ),
        (
            ("states:\n", "faq:\n  - answer: hi\nstates:\n"),
            "4: a FAQ entry needs keywords or questions (faq.0)",
        ),
    ],
)
def test_other_mistakes_are_reported_with_their_line(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    problems = problems_of(tmp_path, GOOD.replace(old, new))
    assert any(p.startswith(expected) or expected in p for p in problems), problems


def test_a_duplicate_state_is_reported(tmp_path):
    [problem] = problems_of(tmp_path, GOOD + "  menu:\n    say: again\n")
    assert problem == "8: duplicate key 'menu' (states.menu)"


def test_yes_and_no_are_plain_words_not_booleans(tmp_path):
    text = GOOD.replace("{id: a, text: A, goto: menu}", "{id: no, text: No, goto: menu}")
    path = write_flow(tmp_path / "bots", text)
    flow, problems = load_flow_file(path)
    assert problems == []
    assert flow.states["menu"].all_buttons()[0].id == "no"
    assert pick(flow.states["menu"].all_buttons()[0].text, "ru", "en") == "No"


def test_empty_and_non_mapping_files_are_reported(tmp_path):
    assert problems_of(tmp_path, "") == ["1: the file is empty (a flow needs channels, start and states)"]
    assert problems_of(tmp_path, "- a\n- b\n") == [
        "1: a flow file is a mapping (channels:, start:, states: ...)"
    ]


def test_check_lists_the_problems_of_every_file(tmp_path):
    directory = tmp_path / "bots"
    write_flow(directory, GOOD, "a.yaml")
    write_flow(directory, GOOD.replace("goto: menu", "goto: foo").replace("[api]", "[webchat]"), "b.yaml")
    write_flow(directory, "channels: [api\n", "c.yml")
    write_flow(directory, GOOD, "d.yaml")  # covers api, like a.yaml
    (directory / "notes.txt").write_text("not a flow")

    problems = bots.check(bot_settings(tmp_path))

    assert problems == [
        f"{directory / 'b.yaml'}:7: unknown state 'foo' in goto (states.menu.buttons.0.0.goto)",
        f"{directory / 'c.yml'}:2: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence that starts on line 1)",
        f"{directory / 'd.yaml'}:1: channel 'api' is covered by {directory / 'a.yaml'} already",
    ]


def test_check_is_empty_without_a_flow_directory(tmp_path):
    assert bots.check(bot_settings(tmp_path, bots_dir=tmp_path / "missing")) == []
    assert bots.check(bot_settings(tmp_path)) == []  # bots_dir not created


def test_check_names_a_broken_start_state(tmp_path):
    write_flow(tmp_path / "bots", GOOD.replace("start: menu", "start: nowhere"))
    assert bots.check(bot_settings(tmp_path)) == [
        f"{tmp_path / 'bots' / 'test.yaml'}:2: unknown start state 'nowhere' (not under states) (start)"
    ]


async def test_install_refuses_a_broken_flow_and_does_nothing_without_flows(tmp_path, hub):
    # (hub.app.create_app calls bots.install: the hub does not start with a broken flow)
    from aiohttp import web

    from hub.api.http import ApiRoutes

    write_flow(tmp_path / "bots", GOOD.replace("goto: menu", "goto: foo"))
    hub.settings = bot_settings(tmp_path)
    with pytest.raises(FlowConfigError) as raised:
        bots.install(web.Application(), hub, ApiRoutes())
    assert f"{tmp_path / 'bots' / 'test.yaml'}:7: unknown state 'foo' in goto" in str(raised.value)

    hub.settings = bot_settings(tmp_path, bots_dir=tmp_path / "missing")
    app = web.Application()
    bots.install(app, hub, ApiRoutes())
    assert bots.ENGINE_KEY not in app
    assert hub.initial_handler("telegram").value == "human"

    write_flow(tmp_path / "good", GOOD)
    hub.settings = bot_settings(tmp_path, bots_dir=tmp_path / "good")
    bots.install(app, hub, ApiRoutes())
    assert bots.ENGINE_KEY in app
    assert (hub.initial_handler("api").value, hub.initial_handler("telegram").value) == ("bot", "human")
