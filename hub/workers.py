"""`hub serve --workers N`: N hub processes on one port (SO_REUSEPORT: the kernel spreads new connections over
them), so HTTP and sockets use every core. The emits cross processes through Redis (HUB_REDIS_URL: python-socketio's
Redis manager, hub.relay for staff changes), so it is required. Websocket-only clients need nothing more; the
long-polling transport needs sticky sessions, which SO_REUSEPORT does not give (put a load balancer with sticky
sessions in front, or keep the clients on websockets, as the inbox and the widget are).

The first worker starts alone (it creates the schema and the first admin), the others once it listens. SIGTERM or
SIGINT stops them all; when one dies, the others are stopped and its exit code is returned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

from hub.config import Settings

START_WITHIN = 60.0  # seconds the first worker may take to listen


def _listening(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def worker_command(settings: Settings, index: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hub.cli",
        "serve",
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--reuse-port",
    ]


def serve_workers(settings: Settings, count: int) -> int:
    if not settings.redis_url:
        print(
            "error: --workers needs HUB_REDIS_URL (the emits of one process must reach the sockets of the others)",
            file=sys.stderr,
        )
        return 2
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    procs: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop_all(*_args: object) -> None:
        nonlocal stopping
        stopping = True
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)

    def spawn(index: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, "HUB_WORKER_INDEX": str(index)}
        return subprocess.Popen(worker_command(settings, index), env=env)

    procs.append(spawn(0))
    deadline = time.monotonic() + START_WITHIN
    while not _listening(host, settings.port):
        if procs[0].poll() is not None or time.monotonic() > deadline or stopping:
            stop_all()
            return procs[0].wait() or 1
        time.sleep(0.1)
    procs.extend(spawn(i) for i in range(1, count))
    print(f"\nThe hub is running at http://{settings.host}:{settings.port} in {count} processes", flush=True)
    code = 0
    while True:
        alive = [p for p in procs if p.poll() is None]
        if not alive:
            break
        if not stopping and len(alive) < len(procs):
            dead = next(p for p in procs if p.poll() is not None)
            code = dead.returncode or 1
            print(f"a worker exited ({dead.returncode}): stopping the others", file=sys.stderr)
            stop_all()
        time.sleep(0.2)
    return code
