"""SLA policies: the file format (`config/sla.yaml`, `HUB_SLA_FILE`), its `file:line: reason` loader and the
pure parts of a clock (which policy applies, when each target falls due). A missing file is no SLA.

    business_hours:                      # hub.hours.BusinessHours: the open time targets are counted in
      timezone: Europe/Moscow
      weekly: {mon: "09:00-18:00", tue: "09:00-18:00", sat: closed}
    policies:                            # the first policy that matches a conversation applies
      - name: Urgent
        priority: [urgent, high]         # any of these (omitted: any priority)
        department: [Support]            # by name, any of these (omitted: any department, also none)
        first_response_minutes: 30       # until the first agent reply (omitted: no such target)
        resolution_minutes: 240          # until resolved (omitted: no such target)
        warning_minutes: 10              # the warning this long before a target is breached (0: none)
        hours: business                  # business (default with business_hours) | always (round the clock)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from hub.domain import Priority
from hub.domain_sla import SlaClock, SlaTarget
from hub.hours import BusinessHours
from hub.yamllines import Lines, read_text_file, read_yaml, reason, where

# the store document with the policies an admin saved: {"text": their YAML, "policies": SlaConfig.dump()}
SLA_KEY = "sla_policies"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# at most 30 days of target time (counting a month of business minutes takes about 2 ms)
Minutes = Annotated[int, Field(ge=1, le=60 * 24 * 30)]


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    department: list[Name] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    first_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    warning_minutes: int = Field(15, ge=0, le=60 * 24 * 30)
    hours: Literal["business", "always"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("department", "priority"):
                if isinstance(data.get(key), str):
                    data[key] = [data[key]]
        return data

    @model_validator(mode="after")
    def _a_target(self) -> Policy:
        if self.first_response_minutes is None and self.resolution_minutes is None:
            raise ValueError("a policy needs first_response_minutes or resolution_minutes (or both)")
        return self

    def target_minutes(self, target: SlaTarget) -> int | None:
        if target is SlaTarget.first_response:
            return self.first_response_minutes
        return self.resolution_minutes

    def applies(self, department_name: str | None, priority: Priority) -> bool:
        if self.priority and priority not in self.priority:
            return False
        if self.department:
            names = {d.casefold() for d in self.department}
            return department_name is not None and department_name.casefold() in names
        return True


class SlaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    business_hours: BusinessHours | None = None
    policies: list[Policy] = Field(default_factory=list)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def policy(self, name: str) -> Policy | None:
        return next((p for p in self.policies if p.name == name), None)

    def choose(self, department_name: str | None, priority: Priority) -> Policy | None:
        return next((p for p in self.policies if p.applies(department_name, priority)), None)

    def hours_of(self, policy: Policy) -> BusinessHours | None:
        """The hours a policy counts in; None: round the clock."""
        if policy.hours == "always":
            return None
        return self.business_hours


class SlaConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("SLA policies are not valid:\n  " + "\n  ".join(self.problems))


def _problems(config: SlaConfig) -> list[tuple[tuple[Any, ...], str]]:
    found: list[tuple[tuple[Any, ...], str]] = []
    seen: dict[str, int] = {}
    hours = config.business_hours
    if hours is not None and not any(hours.weekly.values()):
        found.append((("business_hours", "weekly"), "the business hours are never open"))
    for i, policy in enumerate(config.policies):
        key = policy.name.casefold()
        if key in seen:
            found.append(
                (("policies", i, "name"), f"policy name {policy.name!r} is used by policy {seen[key] + 1}")
            )
        seen.setdefault(key, i)
        if policy.hours == "business" and hours is None:
            found.append((("policies", i, "hours"), "hours: business needs business_hours at the top"))
        targets = [m for m in (policy.first_response_minutes, policy.resolution_minutes) if m is not None]
        if policy.warning_minutes and policy.warning_minutes >= min(targets):
            found.append(
                (("policies", i, "warning_minutes"), "the warning must come before the shortest target")
            )
    return found


def load_sla_text(text: str, name: str) -> tuple[SlaConfig | None, list[str]]:
    data, node, problems = read_yaml(text, name)
    if problems:
        return None, problems
    lines = Lines()
    if node is not None:
        lines.walk(node)
    problems = [
        f"{name}:{line}: duplicate key {here[-1]!r} ({where(here)})" for here, line in lines.duplicates
    ]
    if data is None:
        return (None, problems) if problems else (SlaConfig(), [])
    if not isinstance(data, dict):
        return None, [f"{name}:1: an SLA file is a mapping (business_hours:, policies: ...)"]
    try:
        config = SlaConfig.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            problems.append(f"{name}:{lines.line(loc)}: {reason(error)} ({where(loc) or 'top level'})")
        return None, problems
    problems += [f"{name}:{lines.line(loc)}: {why} ({where(loc)})" for loc, why in _problems(config)]
    return (None, problems) if problems else (config, [])


def load_sla_file(path: Path) -> tuple[SlaConfig | None, list[str]]:
    """The policies of a file; a missing file is no policies (no SLA)."""
    if not path.exists():
        return SlaConfig(), []
    text, problems = read_text_file(path)
    if text is None:
        return None, problems
    return load_sla_text(text, str(path))


# --- the pure part of a clock ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a clock's targets fall due under a policy (None: met, stopped, or the policy has no such target)."""

    first_response_due_at: datetime | None
    resolution_due_at: datetime | None


def due_times(config: SlaConfig, policy: Policy, clock: SlaClock) -> Schedule:
    """A paused clock (the conversation is snoozed or pending) and a resolved one have no due times (nothing runs
    while the conversation is closed, a first response not given included); each target is extended by the open
    time its clock was paused (`*_paused_minutes`)."""
    hours = config.hours_of(policy)
    if clock.paused_at is not None or clock.resolved_at is not None:
        return Schedule(None, None)

    def due(start: datetime | None, minutes: int | None, paused: float) -> datetime | None:
        if start is None or minutes is None:
            return None
        total = minutes + paused
        at = hours.add_business_minutes(start, total) if hours else start + timedelta(minutes=total)
        return at.replace(microsecond=at.microsecond // 1000 * 1000)

    first = None
    if not clock.first_response_at:
        first = due(clock.started_at, policy.first_response_minutes, clock.first_response_paused_minutes)
    resolution = due(clock.resolution_started_at, policy.resolution_minutes, clock.resolution_paused_minutes)
    return Schedule(first, resolution)


def open_minutes(config: SlaConfig, policy: Policy, since: datetime, until: datetime) -> float:
    """The minutes of the policy's counted time (business hours, or round the clock) between two instants: how
    long a pause held a clock."""
    if until <= since:
        return 0.0
    hours = config.hours_of(policy)
    if hours is None:
        return (until - since).total_seconds() / 60
    total = timedelta()
    day = since.astimezone(hours.zone).date()
    last = until.astimezone(hours.zone).date()
    while day <= last:
        for opens, closes in hours.open_spans(day):
            overlap = min(closes, until) - max(opens, since)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 60


def notice_key(target: SlaTarget, kind: str, due_at: datetime) -> str:
    """What `SlaClock.notices_sent` records: "first_response:warning@<due time>" (a new due time: new notices)."""
    return f"{target.value}:{kind}@{due_at.isoformat()}"


def next_notice(clock: SlaClock, now: datetime) -> tuple[str | None, datetime | None]:
    """The clock's next pending notice (a key as `notice_key` makes it) and its time: each target's warning
    `warning_minutes` before due (skipped once due has passed), then the breach notice at due. A resolved or
    paused clock has none, whatever due times it still holds."""
    if clock.resolved_at is not None or clock.paused_at is not None:
        return None, None
    pending: list[tuple[datetime, str]] = []
    for target, due in (
        (SlaTarget.first_response, clock.first_response_due_at),
        (SlaTarget.resolution, clock.resolution_due_at),
    ):
        if due is None:
            continue
        warning = notice_key(target, "warning", due)
        if clock.warning_minutes and now < due and warning not in clock.notices_sent:
            pending.append((due - timedelta(minutes=clock.warning_minutes), warning))
        breach = notice_key(target, "breach", due)
        if breach not in clock.notices_sent:
            pending.append((due, breach))
    if not pending:
        return None, None
    at, key = min(pending)
    return key, at
