"""The realtime layer's figures for hub.metrics: sockets per namespace, the agent pushes' lanes (depth, failures,
publication-to-push time)."""

from __future__ import annotations

import socketio
from aiohttp import web

from hub.metrics import Metrics
from realtime.dispatch import OrderedDispatch


def instrument(app: web.Application, sio: socketio.AsyncServer, metrics: Metrics) -> None:
    from realtime import DISPATCH_KEY

    dispatch: OrderedDispatch = app[DISPATCH_KEY]
    dispatch.on_done = metrics.fanout_done

    def sockets():
        for namespace, rooms in list(sio.manager.rooms.items()):
            yield (namespace,), float(len(rooms.get(None, ())))

    metrics.gauge("hub_sockets_connected", "Socket.IO sockets of this process", ["namespace"], sockets)
    metrics.gauge(
        "hub_fanout_queue_depth", "Events waiting for their pushes", [], lambda: [((), dispatch.depth())]
    )
    metrics.counter("hub_fanout_failures", "Pushes that raised", lambda: float(dispatch.failures))
