"""Fan-out to many sockets cheaply: python-socketio's manager delivers an emit without an ack by creating one asyncio
task per recipient socket and waiting for them all; a profile of the hub at 100 msg/s with 200 agent sockets spent
~13% of the event loop in `create_task` alone. `LocalFanout` (and `RedisFanout` with HUB_REDIS_URL) encodes the
packet once per emit (the Engine.IO frame text too) and puts it straight on each recipient socket's send queue, in
the order of the emits, without a task per socket. Emits with an ack callback keep python-socketio's own path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

log = logging.getLogger(__name__)


class _Encoded(eio_packet.Packet):
    """An Engine.IO message packet whose text was encoded once for all its recipients."""

    __slots__ = ("_text",)

    def __init__(self, data: str) -> None:
        super().__init__(eio_packet.MESSAGE, data)
        self._text = super().encode()

    def encode(self, b64: bool = False) -> Any:
        return self._text if not b64 else super().encode(b64)


class LocalFanout(socketio.AsyncManager):
    async def emit(
        self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs
    ) -> None:
        if callback is not None:
            return await super().emit(event, data, namespace, room, skip_sid, callback, to, **kwargs)
        room = to or room
        if namespace not in self.rooms:
            return
        if isinstance(data, tuple):
            data = list(data)
        elif data is not None:
            data = [data]
        else:
            data = []
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *data]
        ).encode()
        if isinstance(encoded, list):  # binary attachments: python-socketio's own path
            return await super().emit(
                event, data[0] if len(data) == 1 else tuple(data), namespace, room, skip_sid
            )
        pkt = _Encoded(encoded)
        eio = self.server.eio
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            try:
                sock = eio._get_socket(eio_sid)
            except KeyError:
                continue
            try:
                await sock.send(pkt)
            except Exception:  # a socket closing under us: the others still get theirs
                log.debug("emit to %s failed", sid, exc_info=True)


class RedisFanout(socketio.AsyncRedisManager, LocalFanout):
    """AsyncRedisManager's local delivery (`super().emit` from the pub/sub side) goes through LocalFanout.

    Two changes to its ordering and start-up, for `hub serve --workers N` (tests/realtime/test_workers_stream.py):
    - an emit is delivered to this process's sockets from the subscription too, not at once: every process writes
      the emits in Redis' one order. Delivered at once here, an emit published after another process's (which
      that process's 201 already answered) could overtake it on this process's sockets. `ignore_queue` emits (the
      agent lanes, realtime.lanes, run in every process) are delivered here only and at once; when Redis takes
      no PUBLISH, the emit is delivered here at least.
    - `ready` is set once Redis confirmed the subscription; realtime.start_pubsub waits for it before the
      process listens (python-socketio subscribes at the first connect, after which the emits of the other
      processes until Redis confirmed were lost for that socket).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ready = asyncio.Event()

    async def emit(
        self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs
    ) -> None:
        if callback is not None or kwargs.get("ignore_queue"):
            return await super().emit(event, data, namespace, room, skip_sid, callback, to, **kwargs)
        data = list(data) if isinstance(data, tuple) else [data]
        if sio_packet.Packet.data_is_binary(data):  # python-socketio's own path (not used by the hub)
            return await super().emit(
                event, data[0] if len(data) == 1 else tuple(data), namespace, room, skip_sid, to=to
            )
        message = {
            "method": "emit",
            "event": event,
            "data": data,
            "binary": False,
            "namespace": namespace or "/",
            "room": to or room,
            "skip_sid": skip_sid,
            "callback": None,
            "host_id": f"{self.host_id}:ordered",  # not ours: our own subscription delivers it here as well
        }
        if await self._publish(message) is None:  # Redis took nothing (logged): our sockets at least
            await self._handle_emit(message)

    async def _redis_listen_with_retries(self):  # the parent's, with the confirmation of the subscription
        retry_sleep = 1
        while True:
            try:
                self._redis_connect()
                self.pubsub = self.redis.pubsub()  # subscribe replies too: `ready` once Redis confirmed
                await self.pubsub.subscribe(self.channel)
                async for message in self.pubsub.listen():
                    if message.get("type") == "subscribe":
                        self.ready.set()
                        retry_sleep = 1
                    yield message
            except Exception as exc:
                self._get_logger().error(
                    f"Cannot receive from redis... retrying in {retry_sleep} secs",
                    extra={"redis_exception": str(exc)},
                )
                await asyncio.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, 60)
