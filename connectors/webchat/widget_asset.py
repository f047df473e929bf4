"""GET /widget.js as a weak link should get it: the widget's URL is embedded on customers' sites and must stay the
same, so it cannot carry a content hash like /static/a/ files do; it is served at the stable URL with a short
cache lifetime, an ETag (its content hash: a revalidation answers 304 without a body) and the precompressed body
the browser accepts (brotli or gzip, `Vary: Accept-Encoding`). The bodies are compressed once per content (at
start-up, and again only after the file changed: an edit while the hub runs is served at once), never per
request."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import brotli
from aiohttp import web

from hub.assets import accepted

CACHE = "public, max-age=300"


@dataclass(frozen=True, slots=True)
class Compressed:
    stamp: tuple[int, int]  # the file's (mtime in ns, size) when it was read
    etag: str
    bodies: dict[str, bytes]  # coding ("br", "gzip", "identity") -> body


def _stamp(path: Path) -> tuple[int, int]:
    found = path.stat()
    return found.st_mtime_ns, found.st_size


def compress(path: Path) -> Compressed:
    stamp = _stamp(path)
    data = path.read_bytes()
    return Compressed(
        stamp=stamp,
        etag=f'"{hashlib.sha256(data).hexdigest()[:20]}"',
        bodies={
            "identity": data,
            "gzip": gzip.compress(data, compresslevel=9, mtime=0),
            "br": brotli.compress(data, quality=11),
        },
    )


class WidgetScript:
    """The widget's file, compressed; `handle` is the aiohttp handler."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._current = compress(path)
        self._lock = asyncio.Lock()

    async def current(self) -> Compressed:
        try:
            changed = _stamp(self.path) != self._current.stamp
        except OSError:
            return self._current  # gone while running: keep serving what was read
        if changed:
            async with self._lock:
                if _stamp(self.path) != self._current.stamp:
                    self._current = await asyncio.to_thread(compress, self.path)
        return self._current

    async def handle(self, request: web.Request) -> web.StreamResponse:
        asset = await self.current()
        headers = {
            "Cache-Control": CACHE,
            "ETag": asset.etag,
            "Vary": "Accept-Encoding",
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
        }
        wanted = request.headers.get("If-None-Match", "")
        if (
            asset.etag in {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
            or wanted.strip() == "*"
        ):
            return web.Response(status=304, headers=headers)
        codings = accepted(request.headers.get("Accept-Encoding", ""))
        coding = next((c for c in ("br", "gzip") if c in codings), "identity")
        if coding != "identity":
            headers["Content-Encoding"] = coding
        return web.Response(
            body=asset.bodies[coding],
            content_type="application/javascript",
            charset="utf-8",
            headers=headers,
        )
