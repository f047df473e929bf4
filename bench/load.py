"""Sustained load, the hub beside a bare aiohttp + python-socketio server, in one run (issue #13).

The bare server (bench/bare_server.py) only parses the JSON and emits one event to one room: the stack's own
ceiling. Both run as their own processes on 127.0.0.1; the agent sockets live in other processes
(bench/sio_agents.py, plain Engine.IO websockets), so the load generator is not what gets measured. The two servers
are measured alternately (bare, hub, hub, bare, ...) so that the other work on the machine hits both alike; every
figure carries the 1-minute load average seen when it was taken, and the table prints hub / bare ratios.

Phases (each bounded in time and count):
  1. ingest: POST /api/v1/inbound, closed loop, --concurrency connections, no sockets (hub: 80% known senders);
  2. fan-out: --sockets all-seeing agent sockets (the admin) on each server; --rate msg/s open loop for --seconds;
     delay from the POST to each socket's `timeline:new`, p50 / p99 over every (socket, message) pair;
  3. the highest sustainable rate: rates step up until p99 >= 500 ms, < 99% of the pushes arrive, or the sender
     falls behind;
  4. `hub serve --workers 1` vs `--workers 2` (HUB_REDIS_URL, a redis-server started here): ingest rate and the
     fan-out at --rate (skipped without redis-server);
  5. --idle idle agent sockets on one process of each: resident memory per socket.

    .venv/bin/python bench/load.py            # = make bench (about 4 minutes)
    .venv/bin/python bench/load.py --quick    # a smoke run (shorter phases, fewer sockets)
    .venv/bin/python bench/load.py --pin 1    # the servers on one core, the load generator on the others
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
PY = sys.executable
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-" + secrets.token_urlsafe(12)
SECRET_KEY = secrets.token_urlsafe(48)
LIVE: list[subprocess.Popen[bytes]] = []
DEFLATE: list[bool] = []  # --deflate: the agent sockets offer permessage-deflate (browsers do)
HUB_EXTRA: dict[str, str] = {}  # --hub-env NAME=VALUE: settings for the hub processes (A/B runs)
# --pin: the servers (bare and hub, each with its threads and workers) on these cores, the bench's own load
# generator and agent processes on the others, so that neither takes CPU from the other
SERVER_CPUS: set[int] = set()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> float:
    return os.getloadavg()[0]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _server_child() -> None:
    _die_with_parent()
    if SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(
    cmd: list[str], log: Path, env: dict[str, str] | None = None, *, server: bool = False, **kw
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=kw.pop("stdout", out),
            stderr=out,
            start_new_session=True,
            preexec_fn=_server_child if server else _die_with_parent,
            **kw,
        )
    LIVE.append(proc)
    return proc


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the process and its workers
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    with contextlib.suppress(ValueError):
        LIVE.remove(proc)


def _tree(pid: int) -> list[int]:
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return pids


def listening(pid: int, port: int) -> list[int]:
    """The processes of the tree of `pid` that hold a socket listening on `port` (Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                f = line.split()
                if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{f[9]}]")
    found = []
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in Path(f"/proc/{p}/fd").iterdir()):
                found.append(p)
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (Linux): other load on the machine moves it much
    less than the rates and latencies."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (Linux)."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


# --- the servers --------------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    workdir: Path
    workers: int = 0  # 0: plain `hub serve`; N: `hub serve --workers N`
    redis_url: str = ""
    src: Path | None = None  # --versus: run the hub from this source tree (e.g. a `git archive` of the base)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    token: str = "bench"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bare(self) -> bool:
        return self.name == "bare"

    def start(self) -> None:
        self.port = free_port()
        log = self.workdir / f"{self.name}.log"
        if self.bare:
            self.proc = spawn([PY, str(HERE / "bare_server.py"), str(self.port)], log, server=True)
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(
            HUB_CONFIG=str(self.workdir / "no-such-hub.toml"),
            HUB_BOTS_DIR=str(self.workdir / "no-bots"),
            HUB_FILES_DIR=str(self.workdir / "files"),
            HUB_HOST="127.0.0.1",
            HUB_PORT=str(self.port),
            HUB_STORE="sqlite",
            HUB_SQLITE_PATH=str(self.workdir / f"{self.name}.db"),
            HUB_ADMIN_EMAIL=ADMIN_EMAIL,
            HUB_ADMIN_PASSWORD=ADMIN_PASSWORD,
            HUB_SECRET_KEY=SECRET_KEY,
            HUB_LOG_LEVEL="WARNING",
        )
        if self.redis_url:
            env["HUB_REDIS_URL"] = self.redis_url
        env.update(HUB_EXTRA)
        cmd = [str(Path(PY).with_name("hub")), "serve"]
        if self.src is not None:  # its packages before the editable install's
            env["PYTHONPATH"] = str(self.src)
            cmd = [PY, "-m", "hub.cli", "serve"]
        if self.workers:
            cmd += ["--workers", str(self.workers)]
        self.proc = spawn(cmd, log, env=env, cwd=self.workdir, server=True)

    async def ready(self, http: aiohttp.ClientSession) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"{self.name} exited:\n{(self.workdir / f'{self.name}.log').read_text()[-3000:]}"
                )
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(self.url + "/healthz") as r:
                    if r.status == 200:
                        break
            await asyncio.sleep(0.1)
        else:
            raise SystemExit(f"{self.name} did not start")
        while self.workers > 1 and len(listening(self.proc.pid, self.port)) < self.workers:
            # /healthz is answered by the first worker: the sockets connected before the others listen would
            # all be held by it (and its CPU alone would carry the fan-out)
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.name}: {len(listening(self.proc.pid, self.port))} workers listen")
            await asyncio.sleep(0.1)
        if not self.bare:
            async with http.post(
                self.url + "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            ) as r:
                self.token = (await r.json())["token"]

    def cpu(self) -> float:
        return tree_cpu_seconds(self.proc.pid) if self.proc else 0.0

    def rss_kb(self) -> int:
        return tree_rss_kb(self.proc.pid) if self.proc else 0

    def stop(self) -> None:
        stop(self.proc)
        self.proc = None


class AgentProcess:
    """bench/sio_agents.py holding N sockets on a server."""

    def __init__(self, server: Server, count: int, *, idle: bool = False) -> None:
        self.server, self.count, self.idle = server, count, idle
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> int:
        cmd = [PY, str(HERE / "sio_agents.py"), self.server.url, self.server.token, str(self.count)]
        if self.idle:
            cmd.append("--idle")
        if DEFLATE:
            cmd.append("--deflate")
        self.proc = spawn(
            cmd,
            self.server.workdir / f"agents-{self.server.name}.log",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        return (await self._read())["ready"]

    async def _read(self) -> dict:
        assert self.proc is not None and self.proc.stdout is not None
        line = await asyncio.to_thread(self.proc.stdout.readline)
        if not line:
            raise SystemExit(
                f"agents on {self.server.name} exited:\n"
                f"{(self.server.workdir / f'agents-{self.server.name}.log').read_text()[-2000:]}"
            )
        return json.loads(line)

    async def command(self, what: str) -> dict:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(what.encode() + b"\n")
        self.proc.stdin.flush()
        return await self._read()

    def stop(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        stop(self.proc)
        self.proc = None


# --- the load -----------------------------------------------------------------------------------------------------

FIRST = ["Anna", "Boris", "Chloe", "Dmitry", "Elena", "Farid", "Galina", "Hugo", "Irina", "Jonas"]


class Messages:
    """Inbound bodies: known senders (registered during the warm-up) 80%, new ones 20%; each text carries the
    bench mark `bench-<n>-<unix time of the POST>`."""

    def __init__(self, known: int, seed: int = 13) -> None:
        self.rng = random.Random(seed)
        self.n = 0
        self.fresh = 0
        self.known = [self._sender(i) for i in range(known)]

    def _sender(self, i: int) -> dict[str, str]:
        return {"name": f"{self.rng.choice(FIRST)} {i}", "email": f"sender{i}@example.com"}

    def warmup(self) -> list[dict]:
        return [self._body(s) for s in self.known]

    def _body(self, sender: dict[str, str]) -> dict:
        self.n += 1
        return {"external_id": f"{self.rng.getrandbits(96):024x}", "sender": sender, "text": "", "_n": self.n}

    def next(self) -> dict:
        if self.rng.random() < 0.2:
            self.fresh += 1
            sender = {
                "name": "New sender",
                "email": f"new{self.fresh}-{self.rng.getrandbits(32)}@example.org",
            }
        else:
            sender = self.rng.choice(self.known)
        return self._body(sender)

    @staticmethod
    def encode(body: dict) -> bytes:
        n = body["_n"]
        text = f"Hello, where is my order? bench-{n}-{time.time():.6f}"
        return json.dumps(
            {"external_id": body["external_id"], "sender": body["sender"], "text": text},
            separators=(",", ":"),
        ).encode()


@dataclass
class Result:
    rate: float = 0.0
    p50: float = float("nan")
    p99: float = float("nan")
    errors: int = 0
    load: float = 0.0
    delivered: float = 1.0  # share of the (socket, message) pairs that arrived within 5 s of the last POST
    lost: float = 0.0  # share of the pairs still missing 25 s after the last POST
    behind: bool = False
    cpu_ms: float = float("nan")  # the server's CPU time (all its threads and workers) per message
    extra: dict = field(default_factory=dict)


async def post(http: aiohttp.ClientSession, server: Server, body: bytes) -> int:
    async with http.post(
        server.url + "/api/v1/inbound",
        data=body,
        headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"},
    ) as r:
        await r.read()
        return r.status


async def closed_loop(
    server: Server, messages: Callable[[], dict], concurrency: int, seconds: float
) -> Result:
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                body = Messages.encode(messages())
                t0 = time.perf_counter()
                try:
                    status = await post(http, server, body)
                except aiohttp.ClientError:
                    status = 0
                if status in (200, 201):
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    errors += 1

        started, cpu0 = time.monotonic(), server.cpu()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed, cpu = time.monotonic() - started, server.cpu() - cpu0
    r = Result(
        len(latencies) / elapsed, percentile(latencies, 50), percentile(latencies, 99), errors, loadavg()
    )
    r.cpu_ms = 1000 * cpu / max(len(latencies), 1)
    return r


async def open_loop(
    server: Server, agents: AgentProcess, messages: Callable[[], dict], rate: float, seconds: float
) -> Result:
    """--rate msg/s on a fixed schedule (not waiting for answers), then up to 60 s for the answers and 5 s for the
    pushes of the accepted messages to arrive (`delivered`); what is missing then is waited for 20 s more: late or
    lost. (Until 2026-12-02 every scheduled message was expected, its POST answered or not: under overload the POSTs
    still unanswered after 10 s counted as lost pushes.)"""
    await agents.command("reset")
    connector = aiohttp.TCPConnector(limit=512)
    errors = accepted = 0
    answers: list[float] = []  # ms from the POST to its answer: part of each push's delay
    pending: set[asyncio.Task[None]] = set()
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(body: bytes) -> None:
            nonlocal errors, accepted
            t0 = time.perf_counter()
            try:
                if await post(http, server, body) in (200, 201):
                    accepted += 1
                    answers.append((time.perf_counter() - t0) * 1000)
                else:
                    errors += 1
            except aiohttp.ClientError:
                errors += 1

        total = int(rate * seconds)
        start, cpu0 = time.monotonic(), server.cpu()
        behind = False
        for i in range(total):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.5:
                behind = True  # the generator itself could not keep the schedule
            if len(pending) > 2000:
                behind = True
                break
            task = asyncio.create_task(one(Messages.encode(messages())))
            pending.add(task)
            task.add_done_callback(pending.discard)
        sent = i + 1
        if pending:  # only what the server accepted is expected on the sockets
            await asyncio.wait(pending, timeout=60)
        unanswered = len(pending)
    expected = accepted * agents.count
    report: dict = {}
    for _ in range(50):  # let the last pushes arrive (up to 5 s)
        report = await agents.command("report")
        if report["samples"] >= expected:
            break
        await asyncio.sleep(0.1)
    delivered = report["samples"] / expected if expected else 1.0
    r = Result(sent / seconds, report["p50"], report["p99"], errors, loadavg(), delivered, behind)
    final = report
    for _ in range(200):  # late or lost? up to 20 s more for the rest
        if final["samples"] >= expected:
            break
        await asyncio.sleep(0.1)
        final = await agents.command("report")
    r.lost = 1 - final["samples"] / expected if expected else 0.0
    r.extra["unanswered"] = unanswered
    r.extra["post"] = (percentile(answers, 50), percentile(answers, 99))
    if r.delivered < 0.999:
        r.extra["per_socket"] = (
            f"{final['fewest']}-{final['most']} of {sent} per socket, {final['sockets']} open"
        )
    r.cpu_ms = 1000 * (server.cpu() - cpu0) / max(sent, 1)
    return r


def sustainable(r: Result) -> bool:
    return (
        r.p99 < 500
        and r.delivered >= 0.99
        and not r.behind
        and r.errors == 0
        and not r.extra.get("unanswered")
    )


# --- the run ------------------------------------------------------------------------------------------------------


def fmt_ms(r: Result) -> str:
    lost = ""
    if r.delivered < 0.999:
        lost = f", {100 * (1 - r.delivered - r.lost):.1f}% late (> 5 s), {100 * r.lost:.1f}% lost ({r.extra['per_socket']})"
    if r.errors or r.extra.get("unanswered"):
        lost += f", POSTs failed {r.errors}, unanswered after 60 s {r.extra.get('unanswered', 0)}"
    if "post" in r.extra:  # the answer's delay is part of every push's: the server's ingest, not its fan-out
        lost += f"; POST answered p50 / p99 {r.extra['post'][0]:,.0f} / {r.extra['post'][1]:,.0f} ms"
    return f"{r.p50:,.0f} / {r.p99:,.0f} ms{lost} (CPU {r.cpu_ms:.2f} ms/msg, load {r.load:.1f})"


def fmt_rate(r: Result) -> str:
    return f"{r.rate:,.0f} msg/s (CPU {r.cpu_ms:.2f} ms/msg, load {r.load:.1f})"


def median_of(results: list[Result], key: Callable[[Result], float]) -> Result:
    """The round with the median `key` (the lower middle one for an even count)."""
    ordered = sorted(results, key=key)
    return ordered[(len(ordered) - 1) // 2]


def spread(results: list[Result], key: Callable[[Result], float], unit: str) -> str:
    values = sorted(key(r) for r in results)
    return f"median of {len(values)}, {values[0]:,.0f}-{values[-1]:,.0f} {unit}" if len(values) > 1 else ""


async def warm(server: Server, messages: Messages) -> None:
    if server.bare:
        return
    connector = aiohttp.TCPConnector(limit=16)
    async with aiohttp.ClientSession(connector=connector) as http:
        bodies = messages.warmup()
        sem = asyncio.Semaphore(16)

        async def one(b: dict) -> None:
            async with sem:
                await post(http, server, Messages.encode(b))

        await asyncio.gather(*(one(b) for b in bodies))


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="hub-load-"))
    rows: list[tuple[str, str, str, str]] = []
    print(
        f"sustained load, hub beside bare aiohttp + python-socketio ({os.cpu_count()} cores, "
        f"load average at start {loadavg():.2f}; work dir {workdir})",
        flush=True,
    )
    bare, hub = Server("bare", workdir), Server("hub", workdir)
    servers = [bare, hub]
    msgs = {"bare": Messages(args.senders, seed=1), "hub": Messages(args.senders, seed=2)}
    if args.versus:
        servers.append(Server("base", workdir, src=Path(args.versus)))
        msgs["base"] = Messages(args.senders, seed=3)
    phases = set(args.only)
    try:
        async with aiohttp.ClientSession() as http:
            for s in servers:
                s.start()
            for s in servers:
                await s.ready(http)
        for s in servers:
            await warm(s, msgs[s.name])

        def rotated(round_: int) -> list[Server]:  # bare, hub, base; hub, base, bare; ...
            k = round_ % len(servers)
            return servers[k:] + servers[:k]

        # 1. ingest, alternating
        if 1 in phases:
            print(
                f"\n[1] ingest: POST /api/v1/inbound, {args.concurrency} connections, no sockets", flush=True
            )
            ingest: dict[str, list[Result]] = {s.name: [] for s in servers}
            for round_ in range(args.rounds):
                for s in rotated(round_):
                    r = await closed_loop(s, msgs[s.name].next, args.concurrency, args.ingest_seconds)
                    ingest[s.name].append(r)
                    print(
                        f"  {s.name:<5} {fmt_rate(r)}  p50 {r.p50:.1f} ms  p99 {r.p99:.1f} ms  errors {r.errors}"
                    )
            rate = lambda r: r.rate  # noqa: E731
            b = median_of(ingest["bare"], rate)
            for s in servers[1:]:
                h = median_of(ingest[s.name], rate)
                ratios = sorted(x.rate / y.rate for x, y in zip(ingest[s.name], ingest["bare"], strict=True))
                rows.append(
                    (
                        f"`POST /api/v1/inbound`, {args.concurrency} connections, no sockets"
                        + (f" ({s.name}: {args.versus})" if s.name == "base" else ""),
                        f"{fmt_rate(b)} {spread(ingest['bare'], rate, 'msg/s')}",
                        f"{fmt_rate(h)} {spread(ingest[s.name], rate, 'msg/s')}",
                        f"{h.rate / b.rate:.2f} (per round {ratios[0]:.2f}-{ratios[-1]:.2f})",
                    )
                )

        # 2. fan-out at --rate
        agents: dict[str, AgentProcess] = {}
        if phases & {2, 3}:
            print(
                f"\n[2] fan-out: {args.rate} msg/s open loop, {args.sockets} admin sockets each", flush=True
            )
            agents = {s.name: AgentProcess(s, args.sockets) for s in servers}
            for s in servers:
                got = await agents[s.name].start()
                print(f"  {s.name}: {got} sockets connected")
        if 2 in phases:
            fan: dict[str, list[Result]] = {s.name: [] for s in servers}
            for round_ in range(args.rounds):
                for s in rotated(round_):
                    r = await open_loop(s, agents[s.name], msgs[s.name].next, args.rate, args.seconds)
                    fan[s.name].append(r)
                    print(f"  {s.name:<5} p50 / p99 {fmt_ms(r)}  errors {r.errors}")
            p99 = lambda r: r.p99  # noqa: E731
            b = median_of(fan["bare"], p99)
            for s in servers[1:]:
                h = median_of(fan[s.name], p99)
                ratios = sorted(x.p99 / y.p99 for x, y in zip(fan[s.name], fan["bare"], strict=True))
                rows.append(
                    (
                        f"{args.rate} msg/s open loop, {args.sockets} admin sockets: p50 / p99 to `timeline:new`"
                        + (f" ({s.name}: {args.versus})" if s.name == "base" else ""),
                        f"{fmt_ms(b)} {spread(fan['bare'], p99, 'ms p99')}",
                        f"{fmt_ms(h)} {spread(fan[s.name], p99, 'ms p99')}",
                        f"p99 {h.p99 / b.p99:.1f}× (per round {ratios[0]:.1f}-{ratios[-1]:.1f}×)",
                    )
                )

        # 3. the highest sustainable rate, --rounds times (a single 4 s step can fail by bad luck)
        if 3 in phases:
            print("\n[3] highest sustainable rate (p99 < 500 ms, >= 99% delivered, on schedule)", flush=True)
            bests: dict[str, list[int]] = {s.name: [] for s in servers}  # per round: the highest rate kept
            for round_ in range(args.rounds):
                best: dict[str, int] = {s.name: 0 for s in servers}
                failed: dict[str, bool] = {s.name: False for s in servers}
                for rate in args.rates:
                    for s in rotated(round_):
                        if failed[s.name]:
                            continue
                        r = await open_loop(s, agents[s.name], msgs[s.name].next, rate, args.step_seconds)
                        ok = sustainable(r)
                        print(
                            f"  round {round_ + 1} {s.name:<5} {rate:>5} msg/s  p50 / p99 {fmt_ms(r)}  "
                            f"{'ok' if ok else 'NOT sustained'}"
                        )
                        if ok:
                            best[s.name] = rate
                        else:
                            failed[s.name] = True
                    if all(failed.values()):
                        break
                for name, rate in best.items():
                    bests[name].append(rate)

            def best_line(name: str) -> str:
                rates = sorted(bests[name])
                median = rates[(len(rates) - 1) // 2]
                shown = f"{median:,} msg/s" if median else f"< {args.rates[0]} msg/s"
                return f"{shown} (rounds: {', '.join(str(x) for x in bests[name])}; load {loadavg():.1f})"

            for s in servers[1:]:
                ratios = sorted(h / b for h, b in zip(bests[s.name], bests["bare"], strict=True) if b)
                ratio = (
                    f"{ratios[(len(ratios) - 1) // 2]:.2f} (per round {ratios[0]:.2f}-{ratios[-1]:.2f})"
                    if ratios
                    else "-"
                )
                rows.append(
                    (
                        "highest sustainable rate (p99 < 500 ms), same sockets"
                        + (f" ({s.name}: {args.versus})" if s.name == "base" else ""),
                        best_line("bare"),
                        best_line(s.name),
                        ratio,
                    )
                )
        for a in agents.values():
            a.stop()

        # 4. workers
        redis = shutil.which("redis-server")
        if args.workers and redis and 4 in phases:
            print("\n[4] hub serve --workers 1 / 2 with HUB_REDIS_URL (shared SQLite file)", flush=True)
            rport = free_port()
            rproc = spawn(
                [redis, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                workdir / "redis.log",
                server=True,
            )
            await asyncio.sleep(0.5)
            try:
                hub.stop()  # free the cores for the workers
                per: dict[int, tuple[Result, Result]] = {}
                for n in (1, 2):
                    w = Server(f"hub-w{n}", workdir, workers=n, redis_url=f"redis://127.0.0.1:{rport}/0")
                    w.start()
                    async with aiohttp.ClientSession() as http:
                        await w.ready(http)
                    m = Messages(args.senders, seed=10 + n)
                    await warm(w, m)
                    ri = await closed_loop(w, m.next, args.concurrency, args.ingest_seconds)
                    ag = AgentProcess(w, args.sockets)
                    await ag.start()
                    rf = await open_loop(w, ag, m.next, args.rate, args.seconds)
                    ag.stop()
                    w.stop()
                    per[n] = (ri, rf)
                    print(
                        f"  {n} worker(s): ingest {fmt_rate(ri)}; fan-out {args.rate} msg/s p50 / p99 {fmt_ms(rf)}"
                    )
                rows.append(
                    (
                        "`hub serve --workers 1` → `2` (Redis): ingest",
                        "-",
                        f"{fmt_rate(per[1][0])} → {fmt_rate(per[2][0])}",
                        f"×{per[2][0].rate / per[1][0].rate:.2f}",
                    )
                )
                rows.append(
                    (
                        f"`--workers 1` → `2`: fan-out {args.rate} msg/s, p50 / p99",
                        "-",
                        f"{fmt_ms(per[1][1])} → {fmt_ms(per[2][1])}",
                        "",
                    )
                )
            finally:
                stop(rproc)
            hub.start()
            async with aiohttp.ClientSession() as http:
                await hub.ready(http)

        # 5. idle sockets
        if args.idle and 5 in phases:
            print(f"\n[5] {args.idle} idle agent sockets on one process", flush=True)
            mem: dict[str, str] = {}
            for s in (bare, hub):
                before = s.rss_kb()
                ag = AgentProcess(s, args.idle, idle=True)
                t0 = time.monotonic()
                got = await ag.start()
                took = time.monotonic() - t0
                await asyncio.sleep(1)
                after = s.rss_kb()
                per_socket = (after - before) / max(got, 1)
                mem[s.name] = (
                    f"{got:,} sockets, {per_socket:.1f} KiB/socket (RSS {before // 1024} → {after // 1024} MiB)"
                )
                print(f"  {s.name:<5} {mem[s.name]}, connected in {took:.1f} s, load {loadavg():.1f}")
                ag.stop()
            rows.append((f"{args.idle:,} idle agent sockets, one process", mem["bare"], mem["hub"], ""))
    finally:
        for proc in list(LIVE):
            stop(proc)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n== hub beside the bare stack (load average now {loadavg():.2f}) ==")
    print("| load | bare | hub | hub / bare |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--ingest-seconds", type=float, default=5.0)
    p.add_argument("--rounds", type=int, default=2, help="alternations of bare and hub per phase")
    p.add_argument("--senders", type=int, default=300, help="known senders (registered in the warm-up)")
    p.add_argument("--sockets", type=int, default=200)
    p.add_argument("--rate", type=int, default=100)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument(
        "--rates",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[50, 100, 200, 300, 400, 600, 800, 1200],
    )
    p.add_argument("--step-seconds", type=float, default=4.0)
    p.add_argument("--idle", type=int, default=5000)
    p.add_argument("--no-workers", dest="workers", action="store_false")
    p.add_argument("--keep", action="store_true", help="keep the work dir (logs, SQLite files)")
    p.add_argument("--quick", action="store_true", help="short phases: a smoke run")
    p.add_argument(
        "--only",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 2, 3, 4, 5],
        metavar="1,2,...",
        help="the phases to run",
    )
    p.add_argument(
        "--versus",
        metavar="DIR",
        help="also measure the hub run from this source tree (`git archive <base> | tar -x -C DIR`), alternating",
    )
    p.add_argument(
        "--hub-env", action="append", default=[], metavar="NAME=VALUE", help="a setting for the hub"
    )
    p.add_argument(
        "--deflate",
        action="store_true",
        help="the agent sockets offer permessage-deflate, as browsers do (the servers then compress every frame)",
    )
    p.add_argument(
        "--pin",
        type=int,
        default=0,
        metavar="N",
        help="the servers on the first N cores, the load generator and agents on the rest (0: no pinning)",
    )
    args = p.parse_args()
    if args.pin:
        cores = sorted(os.sched_getaffinity(0))
        if not 0 < args.pin < len(cores):
            p.error(
                f"--pin {args.pin}: this machine has {len(cores)} cores for the servers and the load generator"
            )
        SERVER_CPUS.update(cores[: args.pin])
        os.sched_setaffinity(0, cores[args.pin :])  # (the agent processes inherit it)
    if args.deflate:
        DEFLATE.append(True)
    HUB_EXTRA.update(v.split("=", 1) for v in args.hub_env)
    if args.versus:
        args.versus = os.path.abspath(args.versus)
    if args.quick:
        args.ingest_seconds, args.rounds, args.seconds, args.step_seconds = 2.0, 1, 3.0, 2.0
        args.idle, args.rates = min(args.idle, 500), [50, 100, 300]
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
