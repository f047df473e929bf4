"""Business hours: a time zone and the open intervals of each weekday. One definition shared by the bot flows
(their `business_hours`), the routing rules (a `hours: open | closed` condition) and anything else that asks
"are we open now?") and the SLA clocks (`add_business_minutes`: a target counted in open time only)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_serializer, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _minutes(hours: str, minutes: str, raw: str) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m):
        raise ValueError(f"{raw!r}: not a time of day")
    return h * 60 + m


def _intervals(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "closed")):
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, str) or not (found := _INTERVAL.match(item)):
            raise ValueError(f'{item!r}: write hours as "09:00-18:00" (a list for several, or closed)')
        start = _minutes(found[1], found[2], item)
        end = _minutes(found[3], found[4], item)
        if start >= end:
            raise ValueError(
                f"{item!r}: the end must be after the start (split hours past midnight in two days)"
            )
        out.append((start, end))
    return out


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class BusinessHours(BaseModel):
    """`weekly`: {mon: "09:00-18:00", sat: ["10:00-12:00", "13:00-15:00"], sun: closed}; a day not given is
    closed."""

    model_config = ConfigDict(extra="forbid")

    timezone: str
    weekly: dict[
        Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        Annotated[list[tuple[int, int]], BeforeValidator(_intervals)],
    ]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (use a name like Europe/Moscow or UTC)") from None
        return value

    @field_serializer("weekly", when_used="json")
    def _weekly_as_written(self, weekly: dict[str, list[tuple[int, int]]]) -> dict[str, list[str]]:
        """JSON as the files write it ({"mon": ["09:00-18:00"]}), so a stored rule set or policy set reads back."""
        return {
            day: [f"{_hhmm(start)}-{_hhmm(end)}" for start, end in spans] for day, spans in weekly.items()
        }

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.weekly.get(DAYS[local.weekday()], []))

    def describe(self) -> str:
        """'mon-fri 09:00-18:00, sat 10:00-14:00' (days with the same hours grouped)."""
        groups: list[tuple[list[str], list[tuple[int, int]]]] = []
        for day in DAYS:
            hours = self.weekly.get(day, [])
            if groups and groups[-1][1] == hours:
                groups[-1][0].append(day)
            else:
                groups.append(([day], hours))
        parts = []
        for days, hours in groups:
            if not hours:
                continue
            span = days[0] if len(days) == 1 else f"{days[0]}-{days[-1]}"
            parts.append(f"{span} " + ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in hours))
        return "; ".join(parts) + f" ({self.timezone})"

    def open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of a local calendar day, as UTC instants (a day's wall times in its own offset, so
        a change to or from summer time is followed)."""
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return [
            (
                (midnight + timedelta(minutes=a)).astimezone(UTC),
                (midnight + timedelta(minutes=b)).astimezone(UTC),
            )
            for a, b in self.weekly.get(DAYS[day.weekday()], [])
        ]

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` of open time after `start` (time while closed does not count: a target of 60
        minutes asked at 17:30 on a Friday with hours until 18:00 falls 30 minutes after Monday's opening).
        Zero minutes is `start` itself. ValueError when the hours are open less than that within ten years."""
        if minutes <= 0:
            return start
        left = timedelta(minutes=minutes)
        first = start.astimezone(self.zone).date()
        for offset in range(_MAX_DAYS):
            for opens, closes in self.open_spans(first + timedelta(days=offset)):
                if closes <= start:
                    continue
                begin = max(opens, start)
                if left <= closes - begin:
                    return begin + left
                left -= closes - begin
        raise ValueError("the business hours are not open long enough for this target")


_MAX_DAYS = 3660
