"""`hub serve --workers N` for the tests that need real processes: start it on a free port with a redis-server, wait
until every worker listens, find its workers (Linux /proc)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from support import HUB_COMMAND, free_port, hub_env, stop_process, wait_healthy

ADMIN = {"email": "admin@example.com", "password": "admin-password"}


@dataclass
class Workers:
    proc: asyncio.subprocess.Process
    port: int
    url: str
    log: Path

    def children(self) -> list[int]:
        return children(self.proc.pid)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    async def stop(self) -> None:
        await stop_process(self.proc, grace=20)


async def start_workers(
    tmp_path: Path, redis_url: str, *, count: int = 2, port: int = 0, **env: str
) -> Workers:
    """The hub's processes on one port (SO_REUSEPORT) and one SQLite file under tmp_path; its log in a file (not a
    pipe nobody reads while a test runs)."""
    port = port or free_port()
    environment = hub_env(
        tmp_path,
        HUB_PORT=str(port),
        HUB_HOST="127.0.0.1",
        HUB_REDIS_URL=redis_url,
        HUB_SECRET_KEY="workers-test-secret-" + "k" * 32,
        HUB_ADMIN_EMAIL=ADMIN["email"],
        HUB_ADMIN_PASSWORD=ADMIN["password"],
        **env,
    )
    log = tmp_path / f"hub-{port}-{time.monotonic_ns()}.log"
    proc = await asyncio.create_subprocess_exec(
        HUB_COMMAND,
        "serve",
        "--workers",
        str(count),
        cwd=tmp_path,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    return Workers(proc, port, f"http://127.0.0.1:{port}", log)


async def wait_listening(
    workers: Workers, http: aiohttp.ClientSession, count: int = 2, within: float = 180.0
):
    """Until /healthz answers and each of the `count` workers listens (the first answers /healthz alone; the
    next starts once it listens, slowly on a busy machine). Returns the workers' pids."""
    await wait_healthy(http, workers.url, workers.proc)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        pids = workers.children()
        if len(pids) == count and all(sockets_on(pid, workers.port, "0A") for pid in pids):
            return pids
        if workers.proc.returncode is not None:
            pytest.fail(f"the hub exited: {workers.output()}")
        await asyncio.sleep(0.1)
    pytest.fail(f"{count} workers did not listen within {within} s: {workers.children()}: {workers.output()}")


def children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def sockets_on(pid: int, port: int, state: str) -> set[int]:
    """The remote ports of the TCP sockets on local `port` in `state` ("01" established, "0A" listening) that
    process `pid` holds (Linux /proc)."""
    inodes: set[str] = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = fd.readlink().as_posix()
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    peers: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if fields[3] == state and int(local.rsplit(":", 1)[1], 16) == port and inode in inodes:
                    peers.add(int(remote.rsplit(":", 1)[1], 16))
    return peers
