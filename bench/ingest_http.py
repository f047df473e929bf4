"""Inbound ingest over HTTP, on an empty embedded store and on one holding 100k messages.

The requirement: the embedded (SQLite) store stays fast as it grows; the rate after 100k stored messages should be
within 20% of the empty-store rate. This script prints figures; it is not a test and never fails on them.

What it does:
  1. starts `hub serve` as a separate process on a fresh SQLite file in a temp dir (so the load generator is not
     what gets measured), logs in as the admin it creates, and pushes inbound messages to POST /api/v1/inbound
     from C concurrent workers (aiohttp, keep-alive connections);
  2. stops it, fills the same SQLite file in-process up to --fill stored timeline entries through
     hub.actions.ingest.ingest (the same action the HTTP route calls; its rate is printed too);
  3. starts `hub serve` again on the filled file, pushes the same kind of load, and compares the two rates;
  4. (unless --no-recheck) runs step 1 again on another fresh file: how much the machine alone moves the figures.
Each measured line also gives the hub process's CPU time per message, which other load on the machine moves less
than the rate.

The load: a pool of known senders (email, phone or both) is registered during the warm-up (one message from each),
then each measured message comes from a new sender with probability --new-share (default 20%) and from a known one
otherwise; ~15% of messages go to a second thread ("order-N") instead of the sender's default one. External ids are
random (uuid-like), like most systems' message ids. Each phase uses its own senders, so both phases do the same work
and differ only in what the store already holds.

    .venv/bin/python bench/ingest_http.py                        # the full run (about 3 minutes on 2 cores)
    .venv/bin/python bench/ingest_http.py --quick                # smoke run: --fill 20000 --messages 1000
    .venv/bin/python bench/ingest_http.py --fill 20000 --messages 1000 --concurrency 32 --keep
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-" + secrets.token_urlsafe(12)
SECRET_KEY = secrets.token_urlsafe(48)

FIRST = ["Anna", "Boris", "Chloe", "Dmitry", "Elena", "Farid", "Galina", "Hugo", "Irina", "Jonas", "Olga"]
LAST = ["Ivanova", "Petrov", "Smith", "Garcia", "Sokolova", "Novak", "Moreau", "Popov", "Rossi", "Orlov"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example.com", "shop.example.ru"]
PHRASES = [
    "Hello, I have a question about my order.",
    "When will the delivery arrive?",
    "The invoice you sent has the wrong address, could you fix it?",
    "Thanks, that worked!",
    "Can I change the payment method to a bank transfer?",
    "I was charged twice for the same subscription this month.",
    "Please call me back tomorrow morning, after 10.",
    "Здравствуйте! Подскажите, пожалуйста, статус заявки.",
    "Is the product available in blue, size M?",
    "The app crashes when I open the settings page on my phone.",
    "Could you send me a copy of the contract?",
    "I would like to cancel my booking for Friday.",
]


# --- workload -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sender:
    name: str
    email: str | None
    phone: str | None

    def json(self) -> dict[str, str]:
        out = {"name": self.name}
        if self.email:
            out["email"] = self.email
        if self.phone:
            out["phone"] = self.phone
        return out


def make_sender(namespace: int, n: int, rng: random.Random) -> Sender:
    """Sender n of a namespace: unique email and phone across namespaces (< 10M senders each)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    kind = rng.random()
    email = phone = None
    if kind < 0.75:  # 65% email only, 10% both, 25% phone only
        email = f"{first}.{last}.{namespace}x{n}@{rng.choice(DOMAINS)}".lower()
    if kind >= 0.65:
        number = 9_000_000_000 + namespace * 10_000_000 + n
        phone = f"+7 {str(number)[:3]} {str(number)[3:6]}-{str(number)[6:8]}-{str(number)[8:]}"
    return Sender(f"{first} {last}", email, phone)


def make_text(rng: random.Random) -> str:
    return " ".join(rng.choice(PHRASES) for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 5))))


def payload(sender: Sender, rng: random.Random) -> dict[str, object]:
    body: dict[str, object] = {
        "external_id": f"{rng.getrandbits(128):032x}",
        "sender": sender.json(),
        "text": make_text(rng),
    }
    if rng.random() < 0.15:
        body["thread_key"] = f"order-{rng.randint(1, 3)}"
    return body


@dataclass
class Workload:
    warmup: list[bytes]
    measured: list[bytes]


def workload(phase: int, *, messages: int, senders: int, new_share: float, seed: int) -> Workload:
    """The same shape for every phase; namespaces 2*phase (known senders) and 2*phase+1 (new ones) keep the senders
    of different phases apart (namespace 0 is the fill)."""
    rng = random.Random(seed * 1000 + phase)
    pool = [make_sender(2 * phase, i, rng) for i in range(senders)]
    warm = [payload(s, rng) for s in rng.sample(pool, len(pool))]
    measured = []
    fresh = 0
    for _ in range(messages):
        if rng.random() < new_share:
            sender = make_sender(2 * phase + 1, fresh, rng)
            fresh += 1
        else:
            sender = rng.choice(pool)
        measured.append(payload(sender, rng))
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return Workload([encode(p).encode() for p in warm], [encode(p).encode() for p in measured])


# --- the hub process ----------------------------------------------------------------------------------------------


class HubFailed(Exception):
    pass


_LIVE: set[subprocess.Popen[bytes]] = set()


def _stop_process(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)  # aiohttp shuts down gracefully and closes the store
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
    _LIVE.discard(proc)


@atexit.register
def _stop_all() -> None:
    for proc in list(_LIVE):
        _stop_process(proc, timeout=5.0)


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the bench dies without cleaning up (kill -9)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_command() -> list[str]:
    script = Path(sys.executable).parent / "hub"
    return [str(script), "serve"] if script.exists() else [sys.executable, "-m", "hub.cli", "serve"]


@dataclass
class HubProcess:
    db_path: Path
    log_path: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log_offset: int = 0  # where this start's output begins in the log
    start_seconds: float = 60.0  # how long /healthz may take to answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(
            HUB_CONFIG=str(self.db_path.parent / "no-such-hub.toml"),  # hermetic: no config/hub.toml defaults
            HUB_BOTS_DIR=str(self.db_path.parent / "no-bots"),  # measure the hub, not a bot flow answering
            HUB_FILES_DIR=str(self.db_path.parent / "files"),
            HUB_HOST="127.0.0.1",
            HUB_PORT=str(self.port),
            HUB_STORE="sqlite",
            HUB_SQLITE_PATH=str(self.db_path),
            HUB_ADMIN_EMAIL=ADMIN_EMAIL,
            HUB_ADMIN_PASSWORD=ADMIN_PASSWORD,
            HUB_SECRET_KEY=SECRET_KEY,
            HUB_LOG_LEVEL="WARNING",
        )
        with self.log_path.open("ab") as log:
            self.log_offset = log.tell()
            self.proc = subprocess.Popen(
                hub_command(),
                cwd=self.db_path.parent,  # relative defaults land in the temp dir, not the project
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl+C reaches the bench only; it stops the hub itself
                preexec_fn=_die_with_parent,
            )
        _LIVE.add(self.proc)

    async def wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.start_seconds
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while True:
                if self.proc.poll() is not None:
                    raise HubFailed(f"`hub serve` exited with code {self.proc.returncode}\n{self.log_tail()}")
                if b"Traceback (most recent call last)" in self.new_output():
                    await asyncio.sleep(1)  # let the traceback be written out
                    self.stop()  # a failed start can leave the process up (a store thread keeps it alive)
                    raise HubFailed(f"`hub serve` failed to start\n{self.log_tail(60)}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return
                if time.monotonic() > deadline:
                    self.stop()
                    raise HubFailed(
                        f"/healthz did not answer 200 within {self.start_seconds:.0f} s\n{self.log_tail()}"
                    )
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            _stop_process(self.proc)
            self.proc = None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the hub process has used so far (Linux; None elsewhere)."""
        if self.proc is None:
            return None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is field 3, utime 14, stime 15
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def new_output(self) -> bytes:
        try:
            with self.log_path.open("rb") as log:
                log.seek(self.log_offset)
                return log.read()
        except OSError:
            return b""

    def log_tail(self, lines: int = 30) -> str:
        text = self.new_output().decode(errors="replace").splitlines()
        return "\n".join("    " + line for line in text[-lines:]) or "    (empty log)"


# --- load ---------------------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    sent: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # ms, successful requests
    errors: Counter[str] = field(default_factory=Counter)
    cpu_ms: float | None = None  # CPU time of the hub process (all its threads) per stored message
    load: float | None = (
        None  # the machine's 1-minute load average at the end (other work competes for the cores)
    )

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]  # nearest rank

    def line(self) -> str:
        errors = sum(self.errors.values())
        detail = f" ({', '.join(f'{k}: {v}' for k, v in self.errors.most_common())})" if errors else ""
        return (
            f"{self.rate:8.1f} msg/s   p50 {self.percentile(50):6.1f} ms   p95 {self.percentile(95):6.1f} ms   "
            f"p99 {self.percentile(99):6.1f} ms   errors {errors}{detail}   [{self.ok} in {self.seconds:.1f} s"
            + (f"; hub CPU {self.cpu_ms:.2f} ms/msg" if self.cpu_ms is not None else "")
            + (f"; load {self.load:.1f}]" if self.load is not None else "]")
        )


async def login(session: aiohttp.ClientSession, url: str) -> str:
    async with session.post(
        url + "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ) as r:
        if r.status != 200:
            raise HubFailed(f"login answered {r.status}: {(await r.text())[:300]}")
        return (await r.json())["token"]


async def push(hub: HubProcess, bodies: Sequence[bytes], concurrency: int) -> LoadResult:
    url = hub.url
    result = LoadResult(sent=len(bodies))
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        token = await login(session, url)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        target = url + "/api/v1/inbound"
        todo = iter(bodies)

        async def worker() -> None:
            for body in todo:  # one shared iterator: each body is taken once
                started = time.perf_counter()
                try:
                    async with session.post(target, data=body, headers=headers) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    result.errors[type(exc).__name__] += 1
                    continue
                if 200 <= status < 300:
                    result.latencies.append((time.perf_counter() - started) * 1000)
                else:
                    result.errors[f"HTTP {status}"] += 1

        cpu = hub.cpu_seconds()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
        cpu_after = hub.cpu_seconds()
        with contextlib.suppress(OSError):
            result.load = os.getloadavg()[0]
        if cpu is not None and cpu_after is not None and result.ok:
            result.cpu_ms = (cpu_after - cpu) * 1000 / result.ok
    return result


async def run_phase(hub: HubProcess, load: Workload, concurrency: int, label: str) -> LoadResult:
    try:
        hub.spawn()
        await hub.wait_ready()
        warm = await push(hub, load.warmup, concurrency)
        print(
            f"  warm-up ({len(load.warmup)} msgs, registers the known senders): {warm.rate:.1f} msg/s"
            + (f", errors {sum(warm.errors.values())}" if warm.errors else ""),
            flush=True,
        )
        result = await push(hub, load.measured, concurrency)
        print(f"  {label:<12}{result.line()}", flush=True)
        return result
    finally:
        hub.stop()


# --- fill ---------------------------------------------------------------------------------------------------------


def count_entries(db_path: Path) -> tuple[int, int, int]:
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        return tuple(
            db.execute(  # type: ignore[return-value]
                "SELECT (SELECT count(*) FROM timeline), (SELECT count(*) FROM clients), "
                "(SELECT count(*) FROM conversations)"
            ).fetchone()
        )


async def fill(db_path: Path, target: int, *, senders: int, concurrency: int, seed: int) -> None:
    from connectors.api.channel import InboundIn, to_inbound
    from hub.actions.ingest import ingest
    from hub.auth import Tokens
    from hub.config import Settings
    from hub.context import Hub
    from hub.events import EventBus
    from hub.store.sqlite import open_sqlite_store

    have = count_entries(db_path)[0]
    todo = max(0, target - have)
    if not todo:
        print(f"  the store already holds {have:,} entries", flush=True)
        return
    settings = Settings(
        store="sqlite",
        sqlite_path=db_path,
        secret_key=SECRET_KEY,
        default_region="RU",
        admin_email="",
        admin_password="",
        mongo_url="",
        redis_url="",
    )
    rng = random.Random(seed)
    pool = [make_sender(0, i, rng) for i in range(senders)]
    weights = [1 / (i + 1) ** 0.5 for i in range(senders)]
    start = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=30) / todo
    store = await open_sqlite_store(db_path)
    hub = Hub(settings=settings, store=store, bus=EventBus(), tokens=Tokens(SECRET_KEY, 60))
    done = 0
    chunk = max(1000, todo // 5)
    chunk_started = began = time.perf_counter()
    chunk_cpu = began_cpu = time.process_time()  # this process and its threads (aiosqlite's included)

    def messages() -> Iterable[tuple[int, dict[str, object]]]:
        # every sender writes at least once (when the fill is big enough), then some a lot more than others
        first = rng.sample(pool, min(todo, senders))
        for i, sender in enumerate(first + rng.choices(pool, weights, k=todo - len(first))):
            yield i, payload(sender, rng)

    todo_iter = iter(messages())

    async def worker() -> None:
        nonlocal done, chunk_started, chunk_cpu
        for i, body in todo_iter:
            body["occurred_at"] = (start + step * i).isoformat()  # a month of history, oldest first
            await ingest(hub, to_inbound(InboundIn.model_validate(body), settings.default_region))
            done += 1
            if done % chunk == 0 or done == todo:
                now, cpu = time.perf_counter(), time.process_time()
                size = done % chunk or chunk
                print(
                    f"    {have + done:>9,} entries   last {size:,}: {size / (now - chunk_started):7.1f} ingests/s, "
                    f"CPU {(cpu - chunk_cpu) * 1000 / size:.2f} ms/ingest",
                    flush=True,
                )
                chunk_started, chunk_cpu = now, cpu

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await store.close()
    seconds, cpu_ms = time.perf_counter() - began, (time.process_time() - began_cpu) * 1000 / todo
    entries, clients, conversations = count_entries(db_path)
    size_mb = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*")) / 1e6
    print(
        f"  filled {todo:,} entries in {seconds:.1f} s: {todo / seconds:.1f} ingests/s in-process "
        f"(concurrency {concurrency}; CPU {cpu_ms:.2f} ms/ingest)",
        flush=True,
    )
    print(
        f"  store now: {entries:,} timeline entries, {clients:,} clients, {conversations:,} conversations, "
        f"{size_mb:.0f} MB",
        flush=True,
    )


# --- main ---------------------------------------------------------------------------------------------------------


def short(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else f"{n:,}"


async def main(args: argparse.Namespace, workdir: Path) -> int:
    db_path = workdir / "hub.db"
    hub = HubProcess(db_path, workdir / "hub.log")
    steps = 4 if args.recheck else 3
    label = f"after {short(args.fill)}"

    def load(phase: int) -> Workload:
        return workload(
            phase, messages=args.messages, senders=args.senders, new_share=args.new_share, seed=args.seed
        )

    print(
        f"ingest over HTTP: {args.messages} messages per phase, concurrency {args.concurrency}, "
        f"{args.senders} known senders + {args.new_share:.0%} new ones, fill to {args.fill:,} "
        f"({os.cpu_count()} cores, store in {workdir})",
        flush=True,
    )
    again = None
    try:
        print(f"\n[1/{steps}] empty store", flush=True)
        empty = await run_phase(hub, load(1), args.concurrency, "empty:")
        print(
            f"\n[2/{steps}] fill to {args.fill:,} stored entries in-process (hub.actions.ingest, "
            f"{args.fill_senders:,} senders)",
            flush=True,
        )
        await fill(
            db_path, args.fill, senders=args.fill_senders, concurrency=args.fill_concurrency, seed=args.seed
        )
        print(f"\n[3/{steps}] {label} ({count_entries(db_path)[0]:,} entries)", flush=True)
        full = await run_phase(hub, load(2), args.concurrency, label + ":")
        if args.recheck:
            # the very same work as step 1 on another fresh file: how much the machine alone moves the figures
            print(
                f"\n[4/{steps}] empty store again (noise check: same load as step 1, fresh file)", flush=True
            )
            again = await run_phase(
                HubProcess(workdir / "hub-again.db", hub.log_path), load(1), args.concurrency, "empty again:"
            )
    except HubFailed as exc:
        print(f"\nthe hub failed: {exc}", file=sys.stderr, flush=True)
        return 1

    results = [("empty:", empty), (label + ":", full)] + ([("empty again:", again)] if again else [])
    print("\n== summary ==")
    for name, result in results:
        print(f"  {name:<14}{result.line()}")
    if empty.rate:
        ratio = full.rate / empty.rate
        verdict = "within" if ratio >= 0.8 else "NOT within"
        print(f"{label}: {ratio:.0%} of the empty-store rate (target: >= 80%; {verdict} 20%)")
    if again and again.rate and empty.rate:
        print(
            f"noise: the same empty-store run measured again gave {again.rate / empty.rate:.0%} of the first; "
            f"{label} is {full.rate / again.rate:.0%} of that one"
        )
    if empty.cpu_ms and full.cpu_ms:
        # less sensitive to other load on the machine than the rate: what one message costs the hub
        print(
            f"hub CPU per message: {empty.cpu_ms:.2f} ms empty, {full.cpu_ms:.2f} ms {label} "
            f"({full.cpu_ms / empty.cpu_ms - 1:+.0%})"
            + (f", {again.cpu_ms:.2f} ms empty again" if again and again.cpu_ms else "")
        )
    errors = sum(sum(r.errors.values()) for _, r in results)
    if errors:
        print(f"note: {errors} requests failed; see {hub.log_path if args.keep else 'the hub log (--keep)'}")
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=3000, help="measured messages per phase (default 3000)")
    p.add_argument("--concurrency", type=int, default=16, help="concurrent HTTP workers (default 16)")
    p.add_argument(
        "--fill", type=int, default=100_000, help="stored timeline entries for phase 2 (default 100000)"
    )
    p.add_argument("--senders", type=int, default=1000, help="known senders per phase (default 1000)")
    p.add_argument(
        "--new-share", type=float, default=0.2, help="share of messages from new senders (default 0.2)"
    )
    p.add_argument(
        "--fill-senders", type=int, default=5000, help="distinct senders of the fill (default 5000)"
    )
    p.add_argument(
        "--fill-concurrency", type=int, default=8, help="concurrent in-process ingests (default 8)"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="smoke run: --fill 20000 --messages 1000")
    p.add_argument(
        "--no-recheck",
        dest="recheck",
        action="store_false",
        help="skip step 4 (the empty-store run again, a measure of the machine's noise)",
    )
    p.add_argument("--keep", action="store_true", help="keep the temp dir (SQLite file, hub log)")
    args = p.parse_args(argv)
    if args.quick:
        args.fill, args.messages = min(args.fill, 20_000), min(args.messages, 1000)
    if args.messages < 1 or args.concurrency < 1 or args.senders < 1 or args.fill_senders < 1:
        p.error("--messages, --concurrency, --senders and --fill-senders must be at least 1")
    if not 0 <= args.new_share <= 1:
        p.error("--new-share is a share between 0 and 1")
    return args


def _sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl+C: the finally blocks stop the hub and remove the temp dir


if __name__ == "__main__":
    arguments = parse_args()
    signal.signal(signal.SIGTERM, _sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    code = 130
    try:
        code = asyncio.run(main(arguments, workdir))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    finally:
        _stop_all()
        if arguments.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(code)
