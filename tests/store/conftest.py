"""The `store` fixture: every contract test runs once per adapter (sqlite, mongo).

Mongo runs against a real server when HUB_TEST_MONGO_URL is set (a fresh database per test, dropped after),
else against mongomock-motor.
"""

from __future__ import annotations

import os
import uuid

import pytest


@pytest.fixture(params=["sqlite", "mongo"])
async def store(request, tmp_path):
    if request.param == "sqlite":
        from hub.store.sqlite import open_sqlite_store

        s = await open_sqlite_store(tmp_path / "hub.db")
        try:
            yield s
        finally:
            await s.close()
        return

    url = os.environ.get("HUB_TEST_MONGO_URL")
    if url:
        from hub.store.mongo import open_mongo_store_url

        db_name = "hubtest_" + uuid.uuid4().hex
        s = await open_mongo_store_url(url, db_name)
        try:
            yield s
        finally:
            await s.close()
            from motor.motor_asyncio import AsyncIOMotorClient

            admin = AsyncIOMotorClient(url)
            try:
                await admin.drop_database(db_name)
            finally:
                admin.close()
        return

    from mongomock_motor import AsyncMongoMockClient

    from hub.store.mongo import open_mongo_store

    s = await open_mongo_store(AsyncMongoMockClient(tz_aware=True)["hubtest"])
    try:
        yield s
    finally:
        await s.close()
