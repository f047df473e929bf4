"""Holds N /agent sockets for bench/load.py, as plain Engine.IO v4 websockets (no python-socketio client), so that
200 sockets x hundreds of events/s cost this process little and the server is what gets measured.

Each socket answers pings and, for every frame carrying `timeline:new`, reads the bench marks `bench-<n>-<unix
time>` in it and keeps the delay to the first sighting of each message (a message's text also shows in the
conversation's preview: counted once per socket).

usage: python bench/sio_agents.py URL TOKEN N [--idle] [--deflate]
(--deflate: the sockets offer permessage-deflate, as browsers do; the server then compresses every frame per socket)
stdin commands, one per line: `reset` (forget the samples), `report` (print one JSON line: samples, p50/p99/max in
ms, how many (socket, message) pairs arrived, the fewest and most messages one socket saw), `quit`. Prints `{"ready": N}` once all sockets are connected.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import sys
import time

import aiohttp

MARK = re.compile(rb"bench-(\d+)-(\d+\.\d+)")
NS = "/agent"


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Agents:
    def __init__(self, url: str, token: str, idle: bool, deflate: bool = False) -> None:
        self.url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.auth = f"40{NS}," + json.dumps({"token": token})
        self.idle = idle
        self.compress = 15 if deflate else 0  # 15: offer permessage-deflate, as every browser does
        self.samples: list[float] = []
        self.per_socket: dict[
            int, int
        ] = {}  # id of a socket's seen-set -> messages it has seen since the reset
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.dropped = 0

    async def connect(self, session: aiohttp.ClientSession) -> None:
        ws = await session.ws_connect(self.url, autoping=True, max_msg_size=0, compress=self.compress)
        opened = await ws.receive_str(timeout=30)
        if not opened.startswith("0"):
            raise RuntimeError(f"no Engine.IO open packet: {opened[:80]}")
        await ws.send_str(self.auth)
        while True:
            reply = await ws.receive_str(timeout=30)
            if reply == "2":
                await ws.send_str("3")
                continue
            if reply.startswith(f"40{NS},"):
                break
            if reply.startswith(f"42{NS},"):  # an event (presence) before the connect's answer
                continue
            raise RuntimeError(f"connect refused: {reply[:200]}")
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(self.read(ws)))

    async def read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        seen: set[bytes] = set()
        samples = self.samples
        per_socket = self.per_socket
        key = id(seen)
        idle = self.idle
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    self.dropped += 1
                    return
                continue
            data: str = msg.data
            if data == "2":
                await ws.send_str("3")
                continue
            if idle or "timeline:new" not in data:
                continue
            now = time.time()
            raw = data.encode()
            for n, sent in MARK.findall(raw):
                if n not in seen:
                    seen.add(n)
                    samples.append((now - float(sent)) * 1000)
                    per_socket[key] = per_socket.get(key, 0) + 1

    def report(self) -> dict[str, object]:
        ordered = sorted(self.samples)
        return {
            "samples": len(ordered),
            "p50": percentile(ordered, 50),
            "p99": percentile(ordered, 99),
            "max": ordered[-1] if ordered else float("nan"),
            "sockets": len(self.sockets) - self.dropped,
            # messages per socket: the fewest and the most (a socket that got nothing counts 0)
            "fewest": min(self.per_socket.values(), default=0)
            if len(self.per_socket) == len(self.sockets)
            else 0,
            "most": max(self.per_socket.values(), default=0),
        }


async def main(url: str, token: str, count: int, idle: bool, deflate: bool) -> None:
    agents = Agents(url, token, idle, deflate)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        batch = 50
        for start in range(0, count, batch):
            await asyncio.gather(*(agents.connect(session) for _ in range(min(batch, count - start))))
        print(json.dumps({"ready": len(agents.sockets)}), flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            if line == "reset":
                agents.samples.clear()
                agents.per_socket.clear()
                print(json.dumps({"ok": True}), flush=True)
            elif line == "report":
                print(json.dumps(agents.report()), flush=True)
            elif line == "quit":
                break
        for task in agents.tasks:
            task.cancel()
        for ws in agents.sockets:
            await ws.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    asyncio.run(main(args[0], args[1], int(args[2]), "--idle" in sys.argv, "--deflate" in sys.argv))
