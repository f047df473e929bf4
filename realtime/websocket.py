"""The websocket of an Engine.IO connection, with permessage-deflate as configured (`HUB_WS_DEFLATE`, off by default).

Every browser offers permessage-deflate and aiohttp accepts it unless told not to; then each frame is compressed
for each socket on its own (zlib, a context per socket): one `timeline:new` to 200 inboxes is 200 compressions of
the same text, on the event loop. bench/load.py --deflate (its sockets offer it as browsers do) measures the cost
against a hub that does not accept it: see bench/README.md. Off, the frames are ~2-3x bigger on the wire; a hub
whose agents sit on slow links can turn it on.
"""

from __future__ import annotations

from typing import Any

from aiohttp.web import WebSocketResponse
from engineio.async_drivers import aiohttp as eio_aiohttp


class PlainWebSocket(eio_aiohttp.WebSocket):  # engineio's, but the response does not take permessage-deflate
    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(max_msg_size=self.server.max_http_buffer_size, compress=False)
        await self._sock.prepare(request)
        self.environ = environ
        await self.handler(self)
        return self._sock


def configure(eio: Any, deflate: bool) -> None:
    """Use `PlainWebSocket` for the server `eio` unless `deflate` (its driver table is a copy: it is shared)."""
    if not deflate:
        eio._async = {**eio._async, "websocket": PlainWebSocket}
