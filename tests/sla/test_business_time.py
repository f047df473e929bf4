"""Business-time arithmetic (hub.hours.BusinessHours.add_business_minutes): closed time does not count, across
nights, weekends, lunch breaks, time zones and a change to summer time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.hours import BusinessHours

WEEKDAYS = {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}
MOSCOW = BusinessHours(timezone="Europe/Moscow", weekly=WEEKDAYS)  # UTC+3 all year


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 in Moscow as UTC (1 Dec 2026 is a Tuesday)."""
    return datetime(2026, 12, day, hour - 3, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (msk(1, 10), 60, msk(1, 11)),  # within the day
        (msk(1, 17, 30), 60, msk(2, 9, 30)),  # the night does not count
        (msk(4, 17, 30), 60, msk(7, 9, 30)),  # Friday evening: Monday morning
        (msk(5, 12), 30, msk(7, 9, 30)),  # asked on a Saturday
        (msk(2, 4), 30, msk(2, 9, 30)),  # asked at night
        (msk(1, 17), 60, msk(1, 18)),  # ends exactly at closing time
        (msk(1, 10), 9 * 60 * 5, msk(8, 10)),  # a whole working week later
        (msk(1, 10), 0, msk(1, 10)),  # no target time: the start itself
    ],
)
def test_add_business_minutes_skips_closed_time(start, minutes, expected):
    assert MOSCOW.add_business_minutes(start, minutes) == expected


def test_a_lunch_break_does_not_count():
    hours = BusinessHours(timezone="Europe/Moscow", weekly={"tue": ["09:00-13:00", "14:00-18:00"]})
    assert hours.add_business_minutes(msk(1, 12, 30), 60) == msk(1, 14, 30)


def test_the_same_instant_counts_in_each_zone_s_own_hours():
    new_york = BusinessHours(timezone="America/New_York", weekly=WEEKDAYS)  # UTC-5 in December
    start = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 16:00 in Moscow, 08:00 in New York
    assert MOSCOW.add_business_minutes(start, 180) == msk(2, 10)  # 2 h today, 1 h tomorrow
    assert new_york.add_business_minutes(start, 180) == datetime(
        2026, 12, 1, 17, 0, tzinfo=UTC
    )  # 12:00 local


def test_a_change_to_summer_time_is_followed():
    berlin = BusinessHours(timezone="Europe/Berlin", weekly={"sat": "09:00-17:00", "sun": "09:00-17:00"})
    # Saturday 29 March 2025 16:00 CET (UTC+1); Sunday's 09:00 is CEST (UTC+2)
    start = datetime(2025, 3, 29, 15, 0, tzinfo=UTC)
    assert berlin.add_business_minutes(start, 120) == datetime(2025, 3, 30, 8, 0, tzinfo=UTC)


def test_open_until_midnight_and_round_the_clock_days():
    hours = BusinessHours(timezone="UTC", weekly={"tue": "20:00-24:00", "wed": "00:00-24:00"})
    start = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert hours.add_business_minutes(start, 120) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_hours_never_open_are_refused():
    never = BusinessHours(timezone="UTC", weekly={})
    with pytest.raises(ValueError, match="not open long enough"):
        never.add_business_minutes(datetime(2026, 12, 1, tzinfo=UTC), 10)
