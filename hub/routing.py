"""Routing rules: what happens to an inbound conversation before a person sees it (config/routing.yaml, or the
rule set an admin saved over REST). The format, as pydantic models, the file loader ("file:line: reason") and the
evaluation (pure: a message, its conversation and client, and the time in; the rules that match out).

    business_hours:                      # optional; needed by `hours:` conditions (the bot flows' model)
      timezone: Europe/Moscow
      weekly: {mon: "09:00-18:00", tue: "09:00-18:00", sat: closed}
    rules:
      - name: VIP                        # shown in the timeline: "routed to Service by rule “VIP”"
        when:                            # every condition given must hold (a list: any of its values)
          channel: [telegram, webchat]
          mailbox: [support@example.com] # the InboundMessage's raw metadata: mailbox / bot / line (number)
          bot: [shop_bot]
          number: ["+74951234567"]
          words: [refund, возврат]       # any of these words in the text (case-insensitive)
          client_tags: [vip]             # any of these tags
          client_fields: {plan: gold}    # every field equal
          language: [ru]                 # raw language / language_code, else the client's `language` field
          hours: open                    # open | closed (business hours above)
          message: first                 # first (default) | follow_up | any
        then:                            # at least one
          department: Service            # by name
          priority: high                 # low | normal | high | urgent
          tags: [vip]                    # added to the client
          assignee: anna@example.com     # by email
          task: {title: "Call back", due_in_minutes: 60, priority: high}
        continue: false                  # true: the next matching rules apply too (else the first match wins)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from hub.domain import Client, FieldValue, Priority
from hub.hours import BusinessHours
from hub.yamllines import Lines, read_text_file, read_yaml, reason, where

# the store document with the YAML an admin saved (comments and all) beside the rules it gave: {"text", "rules"}
RULES_TEXT_KEY = "routing_rules_text"

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class When(Strict):
    channel: list[Word] = Field(default_factory=list)
    mailbox: list[Word] = Field(default_factory=list)
    bot: list[Word] = Field(default_factory=list)
    number: list[Word] = Field(default_factory=list)
    words: list[Word] = Field(default_factory=list)
    client_tags: list[Word] = Field(default_factory=list)
    client_fields: dict[Word, FieldValue] = Field(default_factory=dict)
    language: list[Word] = Field(default_factory=list)
    hours: Literal["open", "closed"] | None = None
    message: Literal["first", "follow_up", "any"] = "first"


class TaskSpec(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    description: str = ""
    due_in_minutes: int | None = Field(None, ge=0, le=60 * 24 * 365)
    priority: Literal["low", "normal", "high", "urgent"] = "normal"


class Then(Strict):
    department: Name | None = None
    priority: Priority | None = None
    tags: list[Word] = Field(default_factory=list)
    assignee: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)] | None
    ) = None
    task: TaskSpec | None = None

    @model_validator(mode="after")
    def _something(self) -> Then:
        if not (self.department or self.priority or self.tags or self.assignee or self.task):
            raise ValueError("a rule needs at least one action (department, priority, tags, assignee, task)")
        return self


class Rule(Strict):
    name: Name
    when: When = Field(default_factory=When)
    then: Then
    continue_: bool = Field(False, alias="continue")


class RuleSet(Strict):
    business_hours: BusinessHours | None = None
    rules: list[Rule] = Field(default_factory=list)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RulesConfigError(Exception):
    """A routing rule file with problems: the hub refuses to start with it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("routing rules are not valid:\n  " + "\n  ".join(self.problems))


def ruleset_problems(ruleset: RuleSet) -> list[tuple[tuple[Any, ...], str]]:
    """What the models alone cannot see: (location, reason)."""
    found: list[tuple[tuple[Any, ...], str]] = []
    names: dict[str, int] = {}
    for i, rule in enumerate(ruleset.rules):
        if rule.name.casefold() in names:
            found.append(
                (
                    ("rules", i, "name"),
                    f"rule name {rule.name!r} is used by rule {names[rule.name.casefold()] + 1} too",
                )
            )
        names.setdefault(rule.name.casefold(), i)
        if rule.when.hours is not None and ruleset.business_hours is None:
            found.append(
                (("rules", i, "when", "hours"), "an hours condition needs business_hours at the top")
            )
    return found


def parse_rules(data: Any, name: str, lines: Lines | None = None) -> tuple[RuleSet | None, list[str]]:
    """Validate a rule set (parsed YAML or JSON): the rules, or None and "name:line: reason" problems (line 1
    without a line map, as for a REST body)."""
    lines = lines or Lines()
    if data is None:
        return RuleSet(), []
    if not isinstance(data, dict):
        return None, [f"{name}:1: a rule file is a mapping (business_hours:, rules: ...)"]
    try:
        ruleset = RuleSet.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            problems.append(f"{name}:{lines.line(loc)}: {reason(error)} ({where(loc) or 'top level'})")
        return None, problems
    problems = [f"{name}:{lines.line(loc)}: {why} ({where(loc)})" for loc, why in ruleset_problems(ruleset)]
    return (None, problems) if problems else (ruleset, [])


def load_rules_text(text: str, name: str) -> tuple[RuleSet | None, list[str]]:
    data, node, problems = read_yaml(text, name)
    if problems:
        return None, problems
    lines = Lines()
    if node is not None:
        lines.walk(node)
    duplicates = [
        f"{name}:{line}: duplicate key {here[-1]!r} ({where(here)})" for here, line in lines.duplicates
    ]
    ruleset, problems = parse_rules(data, name, lines)
    if duplicates:
        return None, duplicates + problems
    return ruleset, problems


def load_rules_file(path: Path) -> tuple[RuleSet | None, list[str]]:
    """The rules of a file; a missing file is no rules (nothing is routed)."""
    if not path.exists():
        return RuleSet(), []
    text, problems = read_text_file(path)
    if text is None:
        return None, problems
    return load_rules_text(text, str(path))


# --- evaluation ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Facts:
    """What the conditions look at."""

    channel: str
    text: str
    raw: Mapping[str, Any]
    client: Client | None
    first: bool
    now: datetime


_RAW_KEYS = {"mailbox": ("mailbox",), "bot": ("bot",), "number": ("line", "number_called", "to")}


def _raw_values(raw: Mapping[str, Any], keys: tuple[str, ...]) -> set[str]:
    """The values of `keys` at the top of the raw metadata or one level down (raw = {"telegram": {"bot": ...}})."""
    found: set[str] = set()
    levels = [raw, *(v for v in raw.values() if isinstance(v, Mapping))]
    for level in levels:
        for key in keys:
            value = level.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                found.add(str(value).casefold())
    return found


def _language(facts: Facts) -> str | None:
    found = _raw_values(facts.raw, ("language", "language_code"))
    if found:
        return sorted(found)[0][:2]
    if facts.client is not None:
        value = facts.client.fields.get("language")
        if isinstance(value, str) and value:
            return value.casefold()[:2]
    return None


_WORD_CACHE: dict[str, re.Pattern[str]] = {}


def _has_word(text: str, word: str) -> bool:
    pattern = _WORD_CACHE.get(word)
    if pattern is None:
        pattern = re.compile(r"(?<!\w)" + re.escape(word.casefold()) + r"(?!\w)")
        if len(_WORD_CACHE) < 10_000:
            _WORD_CACHE[word] = pattern
    return pattern.search(text) is not None


def matches(rule: Rule, facts: Facts, hours: BusinessHours | None) -> bool:
    when = rule.when
    if when.message == "first" and not facts.first:
        return False
    if when.message == "follow_up" and facts.first:
        return False
    if when.channel and facts.channel.casefold() not in {c.casefold() for c in when.channel}:
        return False
    for key in ("mailbox", "bot", "number"):
        wanted = getattr(when, key)
        if wanted and not ({w.casefold() for w in wanted} & _raw_values(facts.raw, _RAW_KEYS[key])):
            return False
    if when.words:
        text = facts.text[:5000].casefold()
        if not any(_has_word(text, w) for w in when.words):
            return False
    client = facts.client
    if when.client_tags:
        tags = {t.casefold() for t in (client.tags if client else [])}
        if not tags & {t.casefold() for t in when.client_tags}:
            return False
    if when.client_fields:
        fields = client.fields if client else {}
        if any(fields.get(k) != v for k, v in when.client_fields.items()):
            return False
    if when.language:
        language = _language(facts)
        if language is None or language not in {lang.casefold()[:2] for lang in when.language}:
            return False
    if when.hours is not None:
        if hours is None:
            return False
        if hours.is_open(facts.now) != (when.hours == "open"):
            return False
    return True


def evaluate(ruleset: RuleSet, facts: Facts) -> list[Rule]:
    """The rules that apply, in order: the first match, and the ones after it while a match says `continue`."""
    chosen: list[Rule] = []
    for rule in ruleset.rules:
        if matches(rule, facts, ruleset.business_hours):
            chosen.append(rule)
            if not rule.continue_:
                break
    return chosen


def wants_follow_ups(ruleset: RuleSet) -> bool:
    return any(rule.when.message != "first" for rule in ruleset.rules)
