"""Saved-view pushes on /agent: `view:changed {view, change}` (created | updated) to the users who see the view when
the event is sent (each with their own `can_edit`), and `view:removed {view_id}` to those who saw it and no longer
do (deleted, or its sharing narrowed). Recipients are picked like every other listener: the access policy asked
about the active users (hub.directory) at emit time."""

from __future__ import annotations

import socketio

from hub import access
from hub.context import Hub
from hub.domain import User
from hub.events import SavedViewChanged
from hub.queries import staff as staff_queries
from hub.representations import saved_view_json
from realtime.rooms import AGENT_NS, rooms_of


class ViewListeners:
    def __init__(self, hub: Hub, sio: socketio.AsyncServer) -> None:
        self.hub = hub
        self.sio = sio

    def subscribe(self) -> None:
        self.hub.bus.subscribe(SavedViewChanged, self.view_changed)

    async def emit(self, event: str, data: object, users: list[User]) -> None:
        if users:
            await self.sio.emit(event, data, to=rooms_of(users), namespace=AGENT_NS)

    async def view_changed(self, event: SavedViewChanged) -> None:
        staff = [u for u in await staff_queries.active_users(self.hub) if access.is_staff(u)]
        view = event.view
        viewers = [] if event.change == "deleted" else access.saved_view_viewers(staff, view)
        for can_edit in (True, False):
            users = [u for u in viewers if access.can_edit_saved_view(u, view) is can_edit]
            await self.emit(
                "view:changed", {"view": saved_view_json(view, can_edit), "change": event.change}, users
            )
        seeing = {u.id for u in viewers}
        before = event.before or view
        lost = [u for u in access.saved_view_viewers(staff, before) if u.id not in seeing]
        await self.emit("view:removed", {"view_id": view.id}, lost)
