"""Web chat channel. Work in progress: install() is wired by hub.app."""

from __future__ import annotations

import socketio
from aiohttp import web

from hub.api.http import ApiRoutes
from hub.context import Hub


def install(app: web.Application, hub: Hub, routes: ApiRoutes, sio: socketio.AsyncServer) -> None:
    return None
