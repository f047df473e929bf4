"""Fixtures of the core tests: a settable clock and a second handle on the test's store (a second hub process)."""

from __future__ import annotations

import pytest
from core_helpers import T0, Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def stores(store, tmp_path):
    """`await stores()`: a second handle on the same data, what a second hub process would open (SQLite: another
    connection to the file; mongomock lives in this process: one database object is what two clients share)."""
    opened = []

    async def another():
        if store.name == "sqlite":
            from hub.store.sqlite import open_sqlite_store

            second = await open_sqlite_store(tmp_path / "hub.db")
            opened.append(second)
            return second
        return store

    yield another
    for s in opened:
        await s.close()
