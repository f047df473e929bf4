"""Time from a web chat visitor's `message` to an agent's `timeline:new`, with 1 and with 200 agent sockets.

The hub runs as its own process (`hub serve`, SQLite). The idle agent sockets live in another process
(bench/idle_agents.py), so the load generator is not what gets measured. This process holds the visitor sockets and
the one measuring agent socket; the messages are sent one at a time (latency, not throughput).

usage: python bench/realtime_latency.py [--messages 300] [--idle 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
HUB = str(Path(sys.executable).with_name("hub"))
MESSAGES_PER_VISITOR = 8  # the widget allows 10 messages per 10 s per visitor


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_hub(workdir: Path, port: int) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            "HUB_PORT": str(port),
            "HUB_SQLITE_PATH": str(workdir / "hub.db"),
            "HUB_LOG_LEVEL": "WARNING",
            "HUB_SECRET_KEY": "bench-secret-" + uuid.uuid4().hex * 2,
            "HUB_ADMIN_EMAIL": "admin@example.com",
            "HUB_ADMIN_PASSWORD": "admin-password",
            "HUB_FILES_DIR": str(workdir / "files"),
            "HUB_BOTS_DIR": str(workdir / "no-bots"),  # measure the hub, not a bot answering
        }
    )
    return await asyncio.create_subprocess_exec(
        HUB, "serve", cwd=workdir, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


async def wait_healthy(http: aiohttp.ClientSession, url: str, proc: asyncio.subprocess.Process) -> None:
    for _ in range(300):
        if proc.returncode is not None:
            err = await proc.stderr.read() if proc.stderr else b""
            raise SystemExit(f"the hub exited: {err.decode()[-2000:]}")
        try:
            async with http.get(f"{url}/healthz") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the hub did not start")


async def measure(url: str, token: str, messages: int) -> list[float]:
    agent = socketio.AsyncClient(reconnection=False)
    arrivals: dict[str, float] = {}
    waiters: dict[str, asyncio.Future] = {}

    @agent.on("timeline:new", namespace="/agent")
    async def _on_new(data):
        text = data["entry"]["text"]
        arrivals[text] = time.perf_counter()
        future = waiters.get(text)
        if future is not None and not future.done():
            future.set_result(None)

    await agent.connect(url, namespaces=["/agent"], auth={"token": token}, transports=["websocket"])
    samples: list[float] = []
    visitor = None
    try:
        for i in range(messages):
            if i % MESSAGES_PER_VISITOR == 0:
                if visitor is not None:
                    await visitor.disconnect()
                visitor = socketio.AsyncClient(reconnection=False)
                await visitor.connect(url, namespaces=["/widget"], transports=["websocket"])
            text = f"bench message {i} {uuid.uuid4().hex[:8]}"
            waiters[text] = asyncio.get_running_loop().create_future()
            sent = time.perf_counter()
            await visitor.emit(
                "message", {"text": text, "client_msg_id": uuid.uuid4().hex}, namespace="/widget"
            )
            await asyncio.wait_for(waiters[text], 10)
            samples.append((arrivals[text] - sent) * 1000)
    finally:
        if visitor is not None:
            await visitor.disconnect()
        await agent.disconnect()
    return samples


def report(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{label:<28} n={len(samples):<4} median {statistics.median(samples):6.2f} ms   "
        f"p99 {p99:6.2f} ms   max {ordered[-1]:6.2f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--idle", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="hub-rt-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    hub = await start_hub(workdir, port)
    idle = None
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, url, hub)
            async with http.post(
                f"{url}/api/v1/auth/login", json={"email": "admin@example.com", "password": "admin-password"}
            ) as r:
                token = (await r.json())["token"]
        print(f"hub at {url} (SQLite), {os.cpu_count()} cores; {args.messages} messages, one at a time")
        await measure(url, token, 20)  # warm-up
        results = [report("1 agent socket", await measure(url, token, args.messages))]
        idle = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bench" / "idle_agents.py"),
            url,
            token,
            str(args.idle),
            stdout=asyncio.subprocess.PIPE,
        )
        line = await asyncio.wait_for(idle.stdout.readline(), 120)  # type: ignore[union-attr]
        if not line.startswith(b"ready"):
            raise SystemExit(f"idle agents did not connect: {line!r}")
        results.append(report(f"{args.idle + 1} agent sockets", await measure(url, token, args.messages)))
        print("\n".join(results))
    finally:
        for proc in (idle, hub):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
