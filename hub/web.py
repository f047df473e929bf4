"""Pages and static files of the agent interface. Work in progress."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates"
SOCKET_IO_JS = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


def install(app: web.Application) -> None:
    async def socket_io_js(_request: web.Request) -> web.StreamResponse:
        if not SOCKET_IO_JS.is_file():
            raise web.HTTPNotFound(text="socket.io-client is not installed: run `npm install` (make run does)")
        return web.FileResponse(SOCKET_IO_JS, headers={"Cache-Control": "public, max-age=86400"})

    app.router.add_get("/static/vendor/socket.io.min.js", socket_io_js)
    app.router.add_static("/static/", STATIC_DIR, append_version=True)
