"""Email channel figures on a real Dovecot: IDLE-to-timeline latency (a mail renamed into Maildir/new → its entry
stored), and the catch-up rate (mails/s) for N mails that arrived while the hub was down.

    .venv/bin/python bench/email_catchup.py [--mails 5000] [--latency-samples 20]

Needs dovecot (apt-get install dovecot-imapd); runs as root (mail as `nobody`), everything under a temp dir."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "mail")]

from mail_helpers import MailHub, mailbox_config  # noqa: E402
from mail_servers import start_dovecot, start_smtp, stop_dovecot  # noqa: E402

from hub.domain import dedupe_key  # noqa: E402
from hub.store.sqlite import open_sqlite_store  # noqa: E402


def mail(n: int) -> EmailMessage:
    m = EmailMessage()
    m["From"] = f"Client {n % 50} <c{n % 50}@client.example>"
    m["To"] = "support@shop.example"
    m["Subject"] = f"Order {n}"
    m["Message-ID"] = f"<bench{n}@client.example>"
    m.set_content(f"Hello, this is mail {n}.\n" + "Some text of a usual support mail. " * 20)
    return m


async def main(mails: int, samples: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="hub-bench-dovecot-"))
    dovecot = start_dovecot(base, {"support": "imap-password"})
    controller, _keeper, smtp_port = start_smtp()
    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    store = await open_sqlite_store(tmp / "hub.db")
    hub = MailHub(
        tmp, store, {"mailboxes": [mailbox_config(dovecot.port, smtp_port)], "log_level": "WARNING"}
    )
    try:
        await hub.start()
        await hub.synced()
        latencies = []
        stored = asyncio.Event()
        hub.worker.on_stored = lambda _uid, _outcome: stored.set()  # called once the entry is stored
        for i in range(samples):
            message_id = f"<bench-lat{i}@client.example>"
            m = mail(100_000 + i)
            m.replace_header("Message-ID", message_id)
            stored.clear()
            start = time.perf_counter()
            dovecot.deliver("support", m)
            await asyncio.wait_for(stored.wait(), 30)
            latencies.append(time.perf_counter() - start)
            assert await store.timeline.get_by_dedupe_key(dedupe_key("email", message_id)) is not None
        await hub.synced()
        await hub.stop()
        print(
            f"IDLE -> timeline latency over {samples} mails: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms"
        )
        for n in range(mails):
            dovecot.deliver("support", mail(n))
        before = (await store.mailboxes.get("support")).last_uid
        start = time.perf_counter()
        await hub.start()
        await hub.synced(last_uid=before + mails, within=3600)
        elapsed = time.perf_counter() - start
        print(
            f"catch-up of {mails} mails after downtime: {elapsed:.1f} s, {mails / elapsed:.0f} mails/s (SQLite store)"
        )
    finally:
        await hub.stop()
        await store.close()
        controller.stop()
        stop_dovecot(dovecot)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=5000)
    parser.add_argument("--latency-samples", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.mails, args.latency_samples))
