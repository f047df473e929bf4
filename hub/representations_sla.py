"""The JSON of SLA: a conversation's `sla` key (REST and pushes alike), breach counts, policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain_sla import BreachCount, SlaClock, SlaTarget


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def sla_json(clock: SlaClock | None, now: datetime) -> dict[str, Any] | None:
    """None when no policy applies; else the policy, the due times still running (null once met, all null once
    resolved), the targets breached (a notice went out, or the due time has passed), and the warning lead time;
    `paused_at` only while the clock is paused (snoozed or pending: no due times then)."""
    if clock is None or clock.policy is None:
        return None
    breached = set(clock.breached)
    # resolved: nothing runs (a clock stored before due times stopped on resolving may still hold some)
    first, resolution = (
        (None, None)
        if clock.resolved_at is not None
        else (clock.first_response_due_at, clock.resolution_due_at)
    )
    for target, due in ((SlaTarget.first_response, first), (SlaTarget.resolution, resolution)):
        if due is not None and due <= now:
            breached.add(target)
    data = {
        "policy": clock.policy,
        "first_response_due_at": _iso(first),
        "resolution_due_at": _iso(resolution),
        "breached": [t.value for t in SlaTarget if t in breached],
        "warning_minutes": clock.warning_minutes,
    }
    if clock.paused_at is not None:
        data["paused_at"] = _iso(clock.paused_at)
    return data


def breach_count_json(count: BreachCount, department_name: str | None) -> dict[str, Any]:
    return {
        "department_id": count.department_id,
        "department": department_name,
        "kind": count.target.value,
        "count": count.count,
    }
