"""The websocket of an Engine.IO connection: permessage-deflate as configured (`HUB_WS_DEFLATE`, off by default) and,
without it, the frames a socket gets within a few milliseconds written together.

Every browser offers permessage-deflate and aiohttp accepts it unless told not to; then each frame is compressed
for each socket on its own (zlib, a context per socket): one `timeline:new` to 200 inboxes is 200 compressions of
the same text, on the event loop. bench/load.py --deflate (its sockets offer it as browsers do) measures the cost
against a hub that does not accept it: see bench/README.md. Off, the frames are ~2-3x bigger on the wire; a hub
whose agents sit on slow links can turn it on.

Coalescing: a profile of the fan-out (100 msg/s, 200 sockets) spent ~28% of the event loop in the send() system
call, one per frame and socket. `PlainWebSocket.send` builds the (unmasked, uncompressed) text frame itself and
keeps it; one timer per process, COALESCE seconds after the first kept frame, writes each socket's kept frames
in one `transport.write`, in the order they were sent. A push waits at most COALESCE more. Nothing bounds what a
socket that does not read keeps in its transport's buffer (as nothing bounds engine.io's queue of it): the ping
timeout ends such a socket.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from aiohttp.web import WebSocketResponse
from engineio.async_drivers import aiohttp as eio_aiohttp

COALESCE = 0.004  # seconds a frame may wait for the next ones of its socket


def _text_frame(data: bytes) -> bytes:
    n = len(data)
    if n < 126:
        return bytes((0x81, n)) + data
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + data
    return b"\x81\x7f" + n.to_bytes(8, "big") + data


class _Flusher:
    """One timer for all the sockets of a loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.dirty: dict[int, PlainWebSocket] = {}
        self.handle: asyncio.TimerHandle | None = None

    def add(self, ws: PlainWebSocket) -> None:
        self.dirty[id(ws)] = ws
        if self.handle is None:
            self.handle = self.loop.call_later(COALESCE, self.flush)

    def flush(self) -> None:
        self.handle = None
        dirty, self.dirty = self.dirty, {}
        for ws in dirty.values():
            ws.flush()


_flushers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flusher] = weakref.WeakKeyDictionary()


def _flusher() -> _Flusher:
    loop = asyncio.get_running_loop()
    flusher = _flushers.get(loop)
    if flusher is None:
        flusher = _flushers[loop] = _Flusher(loop)
    return flusher


class PlainWebSocket(eio_aiohttp.WebSocket):
    """engineio's, but the response does not take permessage-deflate and text frames are coalesced."""

    _transport: Any = None
    _kept: list[bytes]

    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(max_msg_size=self.server.max_http_buffer_size, compress=False)
        await self._sock.prepare(request)
        self._transport = request.transport
        self._kept = []
        self.environ = environ
        await self.handler(self)
        return self._sock

    async def send(self, message: Any) -> None:
        if not isinstance(message, str) or self._transport is None:
            self.flush()
            return await super().send(message)
        if self._sock.closed or self._transport.is_closing():
            raise ConnectionResetError("the websocket is closing")
        self._kept.append(_text_frame(message.encode()))
        if len(self._kept) == 1:
            _flusher().add(self)

    def flush(self) -> None:
        kept, self._kept = self._kept, []
        if kept and self._transport is not None and not self._transport.is_closing():
            self._transport.write(b"".join(kept) if len(kept) > 1 else kept[0])

    async def close(self) -> None:
        self.flush()
        await super().close()


def configure(eio: Any, deflate: bool) -> None:
    """Use `PlainWebSocket` for the server `eio` unless `deflate` (its driver table is a copy: it is shared)."""
    if not deflate:
        eio._async = {**eio._async, "websocket": PlainWebSocket}
