"""The port's Cursor token: what the API hands to clients for the next page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.store.port import Cursor


def test_cursor_round_trips_through_its_token():
    cursor = Cursor(datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC), "0190abcd")
    token = cursor.encode()
    assert "=" not in token
    assert Cursor.decode(token) == cursor


def test_cursor_keeps_the_instant_of_other_offsets():
    at = datetime(2024, 5, 1, 15, 0, tzinfo=timezone(timedelta(hours=3)))
    assert Cursor.decode(Cursor(at, "x").encode()).at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("token", ["", "!!!", "bm90LWEtY3Vyc29y", Cursor(datetime(2024, 5, 1), "x").encode()])
def test_cursor_rejects_bad_tokens(token):
    # garbage, no separator, a naive datetime
    with pytest.raises(ValueError):
        Cursor.decode(token)


def test_cursor_rejects_empty_id():
    token = Cursor(datetime(2024, 5, 1, tzinfo=UTC), "").encode()
    with pytest.raises(ValueError):
        Cursor.decode(token)
