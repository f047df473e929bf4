"""A configuration YAML text is refused, with a problem on line 1, before it is built when its aliases would make it
huge (a "billion laughs" of a few lines), when an alias sits inside its own anchor (the walk never ended), or when
it nests too deeply (a RecursionError: a 500); ordinary anchors and merge keys still work. Both the routing rules
and the SLA policies (the admins' PUT of either: hub.yamllines.read_yaml)."""

from __future__ import annotations

import pytest

from hub.routing import load_rules_text
from hub.sla import load_sla_text
from hub.yamllines import MAX_DEPTH


def _laughs(levels: int, key: str) -> str:
    text = 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for n in range(1, levels):
        text += f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n"
    return text + f"{key}: *l{levels - 1}\n"


HOSTILE = {
    "billion laughs": (lambda key: _laughs(9, key), "more than"),
    "an alias inside its anchor": (lambda key: f"a: &a [*a, *a]\n{key}: []\n", "alias inside"),
    "deep flow nesting": (lambda key: f"{key}:\n  - " + "[" * 3000 + "]" * 3000 + "\n", "nested deeper"),
    "deep mappings": (
        lambda key: f"{key}: " + "{a: " * (MAX_DEPTH + 5) + "1" + "}" * (MAX_DEPTH + 5),
        "nested",
    ),
}
LOADERS = {"routing": (load_rules_text, "rules"), "sla": (load_sla_text, "policies")}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("which", sorted(LOADERS))
def test_hostile_yaml_is_one_problem_on_line_one(kind, which):
    load, key = LOADERS[which]
    make, says = HOSTILE[kind]
    loaded, problems = load(make(key), "admin.yaml")
    assert loaded is None
    assert len(problems) == 1 and problems[0].startswith("admin.yaml:1: the YAML "), problems
    assert says in problems[0], problems


def test_anchors_and_aliases_within_the_limits_still_load():
    text = """
rules:
  - name: Complaints
    when: &complaint {words: [complaint]}
    then: &urgent {priority: urgent}
  - {name: Refunds, when: *complaint, then: *urgent}
"""
    rules, problems = load_rules_text(text, "routing.yaml")
    assert problems == [] and rules is not None
    assert [r.name for r in rules.rules] == ["Complaints", "Refunds"]
    assert rules.rules[1].when == rules.rules[0].when
