"""The bare baseline for bench/load.py: aiohttp + python-socketio and nothing of the hub.

`POST /api/v1/inbound` parses the JSON body and emits one `timeline:new` event to one room (every /agent socket is
in it), then answers 201: the stack's own ceiling for what the hub does per inbound message. `GET /healthz` answers
200. Any /agent connect is accepted (no auth).

usage: python bench/bare_server.py PORT
"""

from __future__ import annotations

import json
import sys
import time

import socketio
from aiohttp import web

ROOM = "all"


def build() -> web.Application:
    sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False, ping_interval=20)
    app = web.Application()
    sio.attach(app, socketio_path="socket.io")

    @sio.on("connect", namespace="/agent")
    async def connect(sid, _environ, _auth=None):
        await sio.enter_room(sid, ROOM, namespace="/agent")

    async def inbound(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        entry = {"id": body["external_id"], "text": body.get("text", ""), "created_at": time.time()}
        await sio.emit("timeline:new", {"entry": entry, "conversation": None}, to=ROOM, namespace="/agent")
        return web.json_response({"entry_id": entry["id"], "duplicate": False}, status=201)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_post("/api/v1/inbound", inbound)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    web.run_app(build(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
