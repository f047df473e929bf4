"""What SQLite alone costs per inbound message on the hub's own schema: the floor under `POST /api/v1/inbound`.

Opens a fresh store with `hub.store.sqlite.open_sqlite_store` (every table, index and trigger the hub has), creates
1,000 conversations, then runs the ingest's writes with plain sqlite3 on one thread, 16 messages per transaction
(what the group commit gathers at 32 concurrent requests): the entry's INSERT (its indexes, the arrival counter,
the mentions trigger), the conversation's touch, one settle per transaction for the 16 entries, and the search
index's follow-up (the FTS5 rows of 256 entries in one statement, hub.store.sqlite.search). The parameters are built before the clock starts: only SQLite is timed. Variants drop one part so
its share shows; the point reads of a known sender (dedupe key, identity, conversation) are timed on a second,
read-only connection as the hub runs them, alone and while a writer thread writes.

    .venv/bin/python bench/sql_floor.py            # ~30 s
    .venv/bin/python bench/sql_floor.py --messages 20000

Issue #13: with the full HTTP ingest at ~0.8-1.0 ms of CPU per message, these figures say how much of it is the
store's own work (the rest is Python: aiohttp, pydantic, the ingest, the events).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.domain import Author, AuthorType, Conversation, Direction, EntryKind, TimelineEntry, new_id, utcnow
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite.base import model_json, ts
from hub.store.sqlite.conversations import touch_statement
from hub.store.sqlite.search import FOLLOW_EVERY, _follow
from hub.store.sqlite.timeline import _INSERT

PER_TRANSACTION = 16
# what the insert did before the search index followed the timeline (variant fts-per-insert)
_OLD_FTS_TRIGGER = (
    "CREATE TRIGGER timeline_fts_ai AFTER INSERT ON timeline WHEN NEW.search_terms <> '' BEGIN "
    "INSERT INTO entry_fts(rowid, terms) VALUES (NEW.seq, NEW.search_terms); END"
)
SETTLE = (
    "UPDATE timeline SET unsettled_since = NULL, settle_lease = NULL, doc = json_set(doc, '$.settled', json('true')) "
    "WHERE id IN ({}) AND unsettled_since IS NOT NULL"
)
VARIANTS = {
    "all": "insert + touch + settle + FTS5 follow-up (what one inbound message writes)",
    "no-fts": "without the search terms' FTS5 row",
    "fts-per-insert": "the FTS5 row written by each INSERT (a trigger: before the follow-up)",
    "no-settle": "without the settle",
    "insert": "the entry's INSERT alone",
    "touch": "the conversation's touch alone",
}


async def _conversations(path: str, count: int) -> list[Conversation]:
    store = await open_sqlite_store(path)
    try:
        made = []
        for _ in range(count):
            conversation, _ = await store.conversations.get_or_create(
                Conversation(client_id=new_id(), channel="api", thread_key="default")
            )
            made.append(conversation)
        return made
    finally:
        await store.close()


def _connect(path: str, *, reader: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    pragmas = ["synchronous=NORMAL", "cache_size=-65536", "mmap_size=268435456", "busy_timeout=5000"]
    if reader:
        pragmas = ["query_only=1", "busy_timeout=20", "cache_size=-16384", "mmap_size=268435456"]
    for pragma in pragmas:
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _work(conversations: list[Conversation], messages: int, rng: random.Random) -> list[list[tuple]]:
    now = utcnow()
    batches = []
    for b in range(messages // PER_TRANSACTION):
        batch = []
        for k in range(PER_TRANSACTION):
            conv = conversations[rng.randrange(len(conversations))]
            entry = TimelineEntry(
                client_id=conv.client_id,
                conversation_id=conv.id,
                kind=EntryKind.message,
                direction=Direction.inbound,
                channel="api",
                author=Author(type=AuthorType.client, id=conv.client_id, name="Bench"),
                text=f"Hello, where is my order? bench-{b}-{k}",
                dedupe_key=f"api:{rng.getrandbits(96):024x}",
                occurred_at=now,
                created_at=now,
                settled=False,
            )
            insert = (
                entry.id,
                entry.client_id,
                entry.conversation_id,
                entry.dedupe_key,
                ts(now),
                None,
                None,
                None,
                ts(now),
                ts(now),
                "hello where my order bench",
                model_json(entry),
            )
            touch = touch_statement(conv.id, at=now, preview=entry.text, inbound=True, reopen=True, now=now)
            batch.append((entry.id, insert, touch))
        batches.append(batch)
    return batches


def _write(conn: sqlite3.Connection, batches: list[list[tuple]], variant: str) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.thread_time()
    written = 0
    for batch in batches:
        conn.execute("BEGIN IMMEDIATE")
        for _, insert, touch in batch:
            if variant != "touch":
                conn.execute(_INSERT, insert).fetchall()
            if variant != "insert":
                conn.execute(*touch).fetchall()
        if variant in ("all", "no-fts", "fts-per-insert"):
            ids = [entry_id for entry_id, _, _ in batch]
            conn.execute(SETTLE.format(",".join("?" * len(ids))), ids)
        conn.execute("COMMIT")
        written += len(batch)
        if variant == "all" and written >= FOLLOW_EVERY:
            written = 0
            conn.execute("BEGIN IMMEDIATE")
            _follow(conn)
            conn.execute("COMMIT")
    return time.perf_counter() - wall, time.thread_time() - cpu


def _reads(
    path: str, conversations: list[Conversation], count: int, rng: random.Random
) -> tuple[float, float]:
    reader = _connect(path, reader=True)
    keys = [
        r[0] for r in reader.execute("SELECT dedupe_key FROM timeline ORDER BY random() LIMIT ?", (count,))
    ]
    wall, cpu = time.perf_counter(), time.thread_time()
    for key in keys:
        conv = conversations[rng.randrange(len(conversations))]
        reader.execute("SELECT doc FROM timeline WHERE dedupe_key = ?", (key + "-new",)).fetchall()
        reader.execute(
            "SELECT client_id FROM identities WHERE kind = 'email' AND value = ?", (key,)
        ).fetchall()
        reader.execute(
            "SELECT * FROM conversations WHERE client_id = ? AND channel = 'api' AND thread_key = 'default'",
            (conv.client_id,),
        ).fetchall()
    reader.close()
    n = max(len(keys), 1)
    return (time.perf_counter() - wall) / n, (time.thread_time() - cpu) / n


def _reads_while_writing(
    path: str, conn: sqlite3.Connection, conversations: list[Conversation], rng: random.Random
) -> tuple[float, float]:
    stop = threading.Event()
    more = _work(conversations, 40_000, rng)

    def writer() -> None:
        for i in range(0, len(more), 10):
            if stop.is_set():
                return
            _write(conn, more[i : i + 10], "all")
            time.sleep(0.002)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        return _reads(path, conversations, 2000, rng)
    finally:
        stop.set()
        thread.join()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=8000)
    args = p.parse_args()
    print(
        f"SQLite {sqlite3.sqlite_version}, {PER_TRANSACTION} messages per transaction, {args.messages} per variant"
    )
    print("| variant | wall µs/msg | CPU µs/msg |\n| --- | --- | --- |")
    for variant, what in VARIANTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "floor.db")
            conversations = asyncio.run(_conversations(path, 1000))
            rng = random.Random(1)
            conn = _connect(path)
            if variant == "fts-per-insert":
                conn.execute(_OLD_FTS_TRIGGER)
            _write(
                conn,
                _work(conversations, 4000, rng),
                variant if variant in ("no-fts", "fts-per-insert") else "all",
            )
            wall, cpu = _write(conn, _work(conversations, args.messages, rng), variant)
            n = args.messages // PER_TRANSACTION * PER_TRANSACTION
            print(f"| {what} | {1e6 * wall / n:.0f} | {1e6 * cpu / n:.0f} |", flush=True)
            if variant == "all":
                idle = _reads(path, conversations, 2000, rng)
                busy = _reads_while_writing(path, conn, conversations, rng)
                for label, (rw, rc) in (("idle", idle), ("while a thread writes", busy)):
                    print(
                        f"| a known sender's 3 point reads, reader connection, {label} | {1e6 * rw:.0f} | {1e6 * rc:.0f} |"
                    )
            conn.close()


if __name__ == "__main__":
    main()
