"""Can the ingest's SQLite writes run beside the event loop's Python, on another thread? (issue #13, tenth pass)

The loop's thread spends ~36% of its time in the ingest's SQL (bench/README.md, tenth pass), serially. sqlite3
releases the GIL while a statement steps, so a writer thread could overlap that work with the requests' Python, but
every step hands the GIL back and must win it again from a thread that is busy in Python (it waits up to
`sys.getswitchinterval()` each time). This measures how much overlap each way of writing gets:

  - rows: what the hub runs today, per message: the entry's INSERT and the conversation's touch, each with RETURNING
    (each returned row is one more step, one more GIL hand-off);
  - set: the same batch as two set-based statements (one INSERT of all entries, one UPDATE ... FROM VALUES of their
    conversations, one message per conversation), still with RETURNING;
  - one: the set-based statements without RETURNING, the touched conversations read back as one JSON row;
  - process: today's per-message statements in a child process (a GIL of its own). The main thread sends it each
    batch over a pipe and takes the answer back between its own work, as the event loop would with a reader
    callback (no second thread waits for the GIL); two batches are in flight, so the child never waits for the
    parent's next one. Sending and receiving count against the Python side.

Each runs alone on a writer thread, then again while the main thread runs pydantic work (what requests do) for the
same time. "kept" is each side's rate beside the other over its rate alone; their sum is 1 for no overlap (what
running both on one thread gives) and 2 for a full one. The batches are bench/sql_floor.py's (16 messages per
transaction, 300 conversations, the hub's own schema via open_sqlite_store), on tmpfs so the disk is not measured.

    .venv/bin/python bench/sql_beside_python.py                  # ~1 minute
    .venv/bin/python bench/sql_beside_python.py --switch 0.001   # with sys.setswitchinterval(0.001)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import multiprocessing.connection
import random
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sql_floor

from hub.domain import Author, AuthorType, Direction, TimelineEntry, utcnow
from hub.store.sqlite.conversations import _CONV_COLUMNS
from hub.store.sqlite.timeline import _INSERT

_COLUMNS = (
    "id, client_id, conversation_id, dedupe_key, occurred_at, delivery_status, next_attempt_at, lease_until, "
    "unsettled_since, settle_lease, search_terms, seq, doc"
)
_RETURNED = ", ".join("conversations." + c.strip() for c in _CONV_COLUMNS.split(","))
MODES = {
    "rows": "per message: INSERT and touch, each with RETURNING (today)",
    "set": "set-based INSERT and UPDATE ... FROM VALUES, with RETURNING",
    "one": "set-based, no RETURNING, the conversations read back as one JSON row",
    "process": "per message as today, in a child process fed over a pipe",
}


def _set_insert(n: int) -> str:
    row = "(" + ",".join("?" * 13) + ")"
    return f"INSERT INTO timeline({_COLUMNS}) VALUES {','.join([row] * n)} ON CONFLICT(dedupe_key) DO NOTHING"


def _set_touch(n: int) -> str:
    return (
        "UPDATE conversations SET "
        "last_message_preview = CASE WHEN last_message_at IS NULL OR last_message_at <= v.column2 "
        "THEN v.column3 ELSE last_message_preview END, "
        "last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at < v.column2 "
        "THEN v.column2 ELSE last_message_at END, "
        "updated_at = max(updated_at, v.column2), unread = unread + v.column4, "
        "inbound_count = inbound_count + v.column4, "
        "status = CASE WHEN status IN ('resolved', 'snoozed', 'pending') THEN 'open' ELSE status END, "
        f"snoozed_until = NULL FROM (VALUES {','.join(['(?,?,?,?)'] * n)}) AS v WHERE conversations.id = v.column1"
    )


def _write(conn: sqlite3.Connection, batches: list[list[tuple]], mode: str, stop: threading.Event) -> int:
    done = 0
    seq = conn.execute("SELECT value FROM counters WHERE name = 'timeline'").fetchone()[0]
    for batch in batches:
        if stop.is_set():
            break
        conn.execute("BEGIN IMMEDIATE")
        if mode == "rows":
            for _, insert, touch in batch:
                conn.execute(_INSERT, insert).fetchall()
                conn.execute(*touch).fetchall()
        else:
            params: list = []
            touched: dict[str, list] = {}  # one row per conversation (pre-aggregated)
            for _, insert, touch in batch:
                seq += 1
                params += [*insert[:11], seq, insert[11]]
                p = touch[1]
                row = touched.setdefault(p["id"], [p["id"], p["at"], p["preview"], 0])
                row[1], row[3] = max(row[1], p["at"]), row[3] + 1
            flat = [x for row in touched.values() for x in row]
            ids = list(touched)
            if mode == "set":
                conn.execute(_set_insert(len(batch)) + " RETURNING seq", params).fetchall()
                conn.execute(_set_touch(len(touched)) + f" RETURNING {_RETURNED}", flat).fetchall()
            else:
                conn.execute(_set_insert(len(batch)), params)
                conn.execute(_set_touch(len(touched)), flat)
                conn.execute(
                    f"SELECT json_group_array(json_array({_CONV_COLUMNS})) FROM conversations "
                    f"WHERE id IN ({','.join('?' * len(ids))})",
                    ids,
                ).fetchall()
        conn.execute("COMMIT")
        done += len(batch)
    return done


def _child(path: str, pipe: multiprocessing.connection.Connection) -> None:
    """The process mode's writer: each batch in one transaction, answered with the rows the hub would read back."""
    conn = sql_floor._connect(path)
    pipe.send("ready")
    while (batch := pipe.recv()) is not None:
        answer = []
        conn.execute("BEGIN IMMEDIATE")
        for _, insert, touch in batch:
            seq = conn.execute(_INSERT, insert).fetchall()
            answer.append((seq, conn.execute(*touch).fetchall()))
        conn.execute("COMMIT")
        pipe.send(answer)
    conn.close()


class _Feed:
    """The parent's side of the process mode: two batches in flight, the next one sent as each answer comes back."""

    def __init__(self, path: str, batches: list[list[tuple]]) -> None:
        self.pipe, theirs = multiprocessing.Pipe()
        self.child = multiprocessing.get_context("spawn").Process(target=_child, args=(path, theirs))
        self.child.start()
        assert self.pipe.recv() == "ready"  # (its imports and its connection before the clock starts)
        self.pending = iter(batches)
        self.in_flight = self.written = 0

    def start(self) -> None:
        for _ in range(2):
            self._send()

    def _send(self) -> None:
        batch = next(self.pending, None)
        if batch is not None:
            self.pipe.send(batch)
            self.in_flight += 1

    def take(self, *, wait: bool) -> None:
        """Take one answer (if one is there, or waiting for it) and send the next batch."""
        if wait or self.pipe.poll():
            self.written += len(self.pipe.recv())
            self.in_flight -= 1
            self._send()

    def close(self) -> None:
        for _ in range(self.in_flight):
            self.pipe.recv()
        self.pipe.send(None)
        self.child.join()


def _python(stop: threading.Event, feed: _Feed | None = None) -> int:
    """Pydantic work until `stop` (iterations done). With a feed, the child's answers are taken between every 8
    iterations, as a reader callback on the event loop would take them."""
    now, n = utcnow(), 0
    while not stop.is_set():
        if feed is not None and n % 8 == 0:
            feed.take(wait=False)
        entry = TimelineEntry(
            client_id="c",
            conversation_id="v",
            direction=Direction.inbound,
            channel="api",
            author=Author(type=AuthorType.client, name="Bench"),
            text="Hello, where is my order?",
            occurred_at=now,
            created_at=now,
        )
        entry.model_dump_json()
        n += 1
    return n


def _run(mode: str | None, python: bool, seconds: float) -> tuple[float, float]:
    """(python iterations per second, messages written per second)."""
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp:
        path = str(Path(tmp) / "f.db")
        conversations = asyncio.run(sql_floor._conversations(path, 300))
        rng = random.Random(1)
        conn = sql_floor._connect(path)
        conn.execute("PRAGMA wal_autocheckpoint=100000")  # (the hub checkpoints on a thread of its own)
        sql_floor._write(conn, sql_floor._work(conversations, 2000, rng), "all")
        batches = sql_floor._work(conversations, 60_000, rng)
        stop = threading.Event()
        written: list[int] = []
        writer = None
        timer = threading.Timer(seconds, stop.set)
        if mode == "process":
            conn.close()
            feed = _Feed(path, batches)
            timer.start()
            feed.start()
            if python:
                iterations = _python(stop, feed)
            else:  # the child alone: this side only waits for its answers
                iterations = 0
                while not stop.is_set():
                    feed.take(wait=True)
            timer.join()
            feed.close()
            return iterations / seconds, feed.written / seconds
        if mode is not None:
            writer = threading.Thread(target=lambda: written.append(_write(conn, batches, mode, stop)))
            writer.start()
        timer.start()
        iterations = _python(stop) if python else 0
        timer.join()
        if writer is not None:
            writer.join()
        conn.close()
        return iterations / seconds, (written[0] if written else 0) / seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=4.0, help="each measurement")
    p.add_argument(
        "--switch", type=float, default=None, help="sys.setswitchinterval (default: Python's 0.005)"
    )
    args = p.parse_args()
    if args.switch is not None:
        sys.setswitchinterval(args.switch)
    print(
        f"SQLite {sqlite3.sqlite_version}, switch interval {sys.getswitchinterval() * 1000:g} ms, {args.seconds} s each"
    )
    alone, _ = _run(None, True, args.seconds)
    print(f"python alone: {alone:,.0f} iterations/s\n")
    print(
        "| writes | alone msg/s | beside Python msg/s | SQL kept | Python kept | sum |\n| --- | --- | --- | --- | --- | --- |"
    )
    for mode, what in MODES.items():
        _, solo = _run(mode, False, args.seconds)
        py, both = _run(mode, True, args.seconds)
        print(
            f"| {what} | {solo:,.0f} | {both:,.0f} | {both / solo:.2f} | {py / alone:.2f} | {both / solo + py / alone:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
