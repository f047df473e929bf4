"""Timeline pagination with next_cursor: every entry exactly once, newest first. Each store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from api_helpers import parse, unique, unique_phone

START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


async def push_120(admin) -> tuple[str, str, list[tuple[datetime, str]]]:
    """120 inbounds from one sender; three share each timestamp, so pages end in the middle of ties."""
    phone = unique_phone()
    first = await admin.ok(
        "POST",
        "/api/v1/inbound",
        {
            "external_id": unique("m"),
            "sender": {"phone": phone},
            "text": "0",
            "occurred_at": START.isoformat(),
        },
        status=201,
    )
    limit = asyncio.Semaphore(10)

    async def one(i: int) -> dict:
        at = START + timedelta(seconds=i // 3)
        async with limit:
            return await admin.ok(
                "POST",
                "/api/v1/inbound",
                {
                    "external_id": unique("m"),
                    "sender": {"phone": phone},
                    "text": str(i),
                    "occurred_at": at.isoformat(),
                },
                status=201,
            )

    rest = await asyncio.gather(*(one(i) for i in range(1, 120)))
    pushed = [first, *rest]
    assert len({p["client_id"] for p in pushed}) == 1
    expected = sorted(
        ((START + timedelta(seconds=i // 3), p["entry_id"]) for i, p in enumerate(pushed)), reverse=True
    )
    return pushed[0]["client_id"], pushed[0]["conversation_id"], expected


async def walk(admin, path: str, limit: int) -> tuple[list[dict], list[int]]:
    items: list[dict] = []
    sizes: list[int] = []
    cursor = None
    for _ in range(200):
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        page = await admin.ok("GET", path, params=params)
        items += page["items"]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return items, sizes
        assert isinstance(cursor, str) and cursor
    raise AssertionError("the cursor never ran out")


async def test_pages_of_fifty_cover_120_entries_once_newest_first(admin):
    client_id, conversation_id, expected = await push_120(admin)

    for path in (
        f"/api/v1/clients/{client_id}/timeline",
        f"/api/v1/conversations/{conversation_id}/timeline",
    ):
        items, sizes = await walk(admin, path, 50)
        assert sizes == [50, 50, 20], path
        ids = [e["id"] for e in items]
        assert len(set(ids)) == 120
        # newest first; entries with the same time in a stable (id) order, across page boundaries too
        assert [(parse(e["occurred_at"]), e["id"]) for e in items] == expected, path

        small, small_sizes = await walk(admin, path, 7)
        assert [e["id"] for e in small] == ids
        assert small_sizes == [7] * 17 + [1]

    # a page count that divides 120 exactly: the full last page still has a cursor, which gives an empty page
    items, sizes = await walk(admin, f"/api/v1/clients/{client_id}/timeline", 40)
    assert sizes == [40, 40, 40, 0]
    assert [e["id"] for e in items] == [entry_id for _at, entry_id in expected]
