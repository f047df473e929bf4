"""Holds N idle /agent sockets open (a separate, lightweight process for bench/realtime_latency.py).

usage: python bench/idle_agents.py URL TOKEN N   — prints "ready N" once all are connected, runs until killed.
"""

from __future__ import annotations

import asyncio
import sys

import socketio


async def main(url: str, token: str, count: int) -> None:
    clients = []
    received = 0

    async def connect_one() -> None:
        nonlocal received
        client = socketio.AsyncClient(reconnection=False)

        @client.on("*", namespace="/agent")
        async def _any(_event, _data):
            nonlocal received
            received += 1

        await client.connect(
            url, namespaces=["/agent"], auth={"token": token}, transports=["websocket"], wait_timeout=30
        )
        clients.append(client)

    for start in range(0, count, 20):
        await asyncio.gather(*(connect_one() for _ in range(min(20, count - start))))
    print(f"ready {len(clients)}", flush=True)
    try:
        await asyncio.Event().wait()  # until the benchmark terminates this process
    finally:
        for client in clients:
            await client.disconnect()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
