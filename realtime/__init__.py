"""Realtime: python-socketio on the hub's aiohttp app. Hub events become emits to rooms; with HUB_REDIS_URL the
Redis manager carries emits between hub processes (scale-out behind one manager seam)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import socketio
from aiohttp import web

from hub.context import Hub
from realtime.agent import AgentNamespace
from realtime.calls import CallListeners
from realtime.dispatch import DispatchingBus, OrderedDispatch
from realtime.fanout import LocalFanout, RedisFanout
from realtime.lanes import RedisLanes
from realtime.listeners import AgentListeners
from realtime.partner import PartnerListeners, PartnerNamespace
from realtime.tasks import TaskListeners
from realtime.views import ViewListeners
from realtime.websocket import configure as configure_websocket

SIO_KEY = web.AppKey("socketio", socketio.AsyncServer)
DISPATCH_KEY = web.AppKey("agent_dispatch", OrderedDispatch)


def _origin_check(hub: Hub):
    allowed = {o.rstrip("/") for o in hub.settings.widget_origins}
    if hub.settings.public_url:
        parts = urlsplit(hub.settings.public_url)
        allowed.add(f"{parts.scheme}://{parts.netloc}")

    def check(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            # no Origin header (a same-origin GET, e.g. long-polling): not a cross-origin request, no CORS header
            return False
        if "*" in allowed or origin.rstrip("/") in allowed:
            return True
        host = environ.get("HTTP_HOST", "")
        return urlsplit(origin).netloc == host  # same origin

    return check


def create_server(app: web.Application, hub: Hub) -> socketio.AsyncServer:
    # one encoding per emit, no task per recipient socket (realtime.fanout)
    manager: socketio.AsyncManager = LocalFanout()
    if hub.settings.redis_url:
        manager = RedisFanout(hub.settings.redis_url, channel="hub-socketio")
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=_origin_check(hub),
        max_http_buffer_size=64 * 1024,
        ping_interval=20,
        logger=False,
        engineio_logger=False,
    )
    sio.attach(app, socketio_path="socket.io")
    configure_websocket(sio.eio, hub.settings.ws_deflate)  # permessage-deflate off unless HUB_WS_DEFLATE
    sio.register_namespace(AgentNamespace(hub))
    # the agent pushes run off the publisher's path (the HTTP answer does not wait for them), in publication order per conversation
    dispatch = OrderedDispatch("agent")
    # with Redis, a conversation's pushes in one order on every process (realtime.lanes)
    agents = AgentListeners(hub, sio)
    lanes = (
        RedisLanes(hub.bus, dispatch, hub.settings.redis_url, skip=agents.nobody_here)
        if hub.settings.redis_url
        else None
    )
    agents.subscribe(lanes or DispatchingBus(hub.bus, dispatch, skip=agents.nobody_here))

    async def start_pubsub(_app: web.Application) -> None:
        """Subscribed before the process listens: no socket is ever connected to a process deaf to the others."""
        if isinstance(sio.manager, RedisFanout):
            sio.manager_initialized = True
            sio.manager.initialize()
            await asyncio.wait_for(sio.manager.ready.wait(), 10)
        if lanes is not None:
            await lanes.start()

    async def stop_dispatch(_app: web.Application) -> None:
        await dispatch.stop()
        if lanes is not None:
            await lanes.stop()

    app.on_startup.append(start_pubsub)
    app.on_shutdown.append(stop_dispatch)
    app[DISPATCH_KEY] = dispatch
    CallListeners(hub, sio).subscribe()
    sio.register_namespace(PartnerNamespace(hub))
    PartnerListeners(hub, sio).subscribe()
    TaskListeners(hub, sio).subscribe()
    ViewListeners(hub, sio).subscribe()
    app[SIO_KEY] = sio
    return sio
