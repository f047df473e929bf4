"""The /partner namespace: partner users' sockets, and the listener that pushes to them.

Auth like /agent (bearer token in `auth={"token": ...}` or the session cookie), partners only. Each socket sits in
its user's token-versioned room (`user:<id>:<token version>`). Recipients are picked when an event is sent, exactly
like `realtime.listeners` does for staff: the policy is asked about the active partner users at that moment, with
each organisation's grants as they are now (`hub.access.partner_view`), so a revoked grant stops the very next
push. Pushed: new, changed and moved (`timeline:moved`, as on /agent) customer-visible entries and shared notes
(never internal notes), conversations,
client cards (minus the organisation's redacted fields), `task:created` / `task:updated` (and `task:removed` for
those who no longer see a changed task) for the tasks assigned to the organisation or to one of its users on the
clients it sees, and `access:changed` when a grant is given or revoked (the portal reloads its lists and drops what
it may no longer see)."""

from __future__ import annotations

import logging
from typing import Any

import socketio

from hub import access
from hub.api.http import user_from_token
from hub.context import Hub
from hub.domain import Client, Conversation, TimelineEntry, User
from hub.domain_tasks import Task
from hub.events import (
    ClientUpdated,
    ConversationCreated,
    ConversationUpdated,
    DeliveryChanged,
    EntriesMoved,
    EntryAdded,
    EntryEdited,
    GrantChanged,
    StaffChanged,
    TaskCreated,
    TaskUpdated,
)
from hub.queries import clients as client_queries
from hub.queries import conversations as conversation_queries
from hub.queries import staff as staff_queries
from hub.queries import tasks as task_queries
from hub.representations import client_json, conversation_json, entry_json
from hub.representations_tasks import task_json
from realtime.agent import _cookie_token
from realtime.rooms import room_of, rooms_of, user_room

log = logging.getLogger(__name__)

PARTNER_NS = "/partner"


class PartnerNamespace(socketio.AsyncNamespace):
    def __init__(self, hub: Hub) -> None:
        super().__init__(PARTNER_NS)
        self.hub = hub

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        user = await user_from_token(self.hub, token or _cookie_token(environ))
        if user is None or not access.is_partner(user):
            raise socketio.exceptions.ConnectionRefusedError("unauthorized: partners only")
        await self.save_session(sid, {"user_id": user.id, "token_version": user.token_version})
        await self.enter_room(sid, room_of(user))

    async def on_ping(self, sid: str, data: Any = None) -> dict[str, Any]:
        """A round trip (tests use it as a barrier); tells whether the session is still valid."""
        session = await self.get_session(sid)
        user = await staff_queries.session_user(
            self.hub, session.get("user_id", ""), session.get("token_version", -1)
        )
        return {"ok": user is not None and access.is_partner(user)}


class PartnerListeners:
    def __init__(self, hub: Hub, sio: socketio.AsyncServer) -> None:
        self.hub = hub
        self.sio = sio

    def subscribe(self) -> None:
        bus = self.hub.bus
        bus.subscribe(EntryAdded, self.entry_added)
        bus.subscribe(EntryEdited, self.entry_changed)
        bus.subscribe(DeliveryChanged, self.entry_changed)
        bus.subscribe(EntriesMoved, self.entries_moved)
        bus.subscribe(ConversationCreated, self.conversation_changed)
        bus.subscribe(ConversationUpdated, self.conversation_changed)
        bus.subscribe(ClientUpdated, self.client_updated)
        bus.subscribe(GrantChanged, self.grant_changed)
        bus.subscribe(StaffChanged, self.staff_changed)
        bus.subscribe(TaskCreated, self.task_created)
        bus.subscribe(TaskUpdated, self.task_updated)

    async def emit(self, event: str, data: object, rooms: list[str]) -> None:
        if rooms:
            await self.sio.emit(event, data, to=rooms, namespace=PARTNER_NS)

    async def _partners(self) -> list[User]:
        return [u for u in await staff_queries.active_users(self.hub) if access.is_partner(u)]

    def _nobody_anywhere(self) -> bool:
        """No partner socket can get these pushes: none on this process, and no Redis to carry them to another
        (issue #13: an ingest with no partner online reads no staff, no views, no client)."""
        return not self.hub.settings.redis_url and not self.sio.manager.rooms.get(PARTNER_NS, {}).get(None)

    async def _by_organisation(self) -> list[tuple[access.PartnerView, list[User]]]:
        """The partner organisations' views and their users; none when nobody can get the pushes."""
        if self._nobody_anywhere():
            return []
        partners = await self._partners()
        views = await access.partner_views(self.hub, partners)
        return [(view, [u for u in partners if access.partner_key(u) == key]) for key, view in views.items()]

    # --- timeline -------------------------------------------------------------------------------------------------

    async def entry_added(self, event: EntryAdded) -> None:
        await self._push(event.entry, event.conversation, "timeline:new")

    async def entry_changed(self, event: EntryEdited | DeliveryChanged) -> None:
        entry = event.entry
        conversation = (
            await conversation_queries.find(self.hub, entry.conversation_id)
            if entry.conversation_id
            else None
        )
        await self._push(entry, conversation, "timeline:updated")

    async def _push(self, entry: TimelineEntry, conversation: Conversation | None, event_name: str) -> None:
        organisations = await self._by_organisation()
        if not organisations:  # no partner user: no client to read (a store trip per inbound message)
            return
        client = await client_queries.find(self.hub, entry.client_id)
        if client is None:
            return
        for view, members in organisations:
            viewers = [
                u
                for u in members
                if access.partner_sees_client(u, client, view)
                and access.can_view_entry(u, entry, client, conversation, view)
            ]
            payload = {
                "entry": entry_json(entry),
                "conversation": conversation_json(conversation) if conversation is not None else None,
                "client": client_json(client, access.partner_hidden_fields(view)),
            }
            await self.emit(event_name, payload, rooms_of(viewers))

    async def entries_moved(self, event: EntriesMoved) -> None:
        """`timeline:moved` as the inbox gets it, per organisation: who sees the target gets the moved entries it
        may see (customer messages and shared notes, never an internal note) with the target and the redacted card;
        who saw them only in the source learns their ids left it (no content). Then both conversations' rows."""
        target, source = event.conversation, event.source
        organisations = await self._by_organisation()
        if not organisations:
            return
        client = await client_queries.find(self.hub, target.client_id)
        if client is None:
            return
        base = {"conversation_id": target.id, "from_conversation_id": source.id}
        for view, members in organisations:
            sees = [u for u in members if access.partner_sees_client(u, client, view)]
            for user in sees:
                shown = [e for e in event.entries if access.can_view_entry(user, e, client, target, view)]
                if shown:
                    payload = {
                        **base,
                        "entry_ids": [e.id for e in shown],
                        "entries": [entry_json(e) for e in shown],
                        "conversation": conversation_json(target),
                        "client": client_json(client, access.partner_hidden_fields(view)),
                    }
                    await self.emit("timeline:moved", payload, [room_of(user)])
                    continue
                # the entries as they were, in the source: which of them this user saw there
                was = [
                    e
                    for e in event.entries
                    if access.can_view_entry(
                        user, e.model_copy(update={"conversation_id": source.id}), client, source, view
                    )
                ]
                if was:
                    payload = {**base, "entry_ids": [e.id for e in was], "entries": []}
                    await self.emit("timeline:moved", payload, [room_of(user)])
            for conversation in (source, target):
                viewers = [u for u in sees if access.can_view_conversation(u, conversation, client, view)]
                await self.emit(
                    "conversation:updated",
                    {"conversation": conversation_json(conversation)},
                    rooms_of(viewers),
                )

    # --- conversations and clients --------------------------------------------------------------------------------

    async def conversation_changed(self, event: ConversationCreated | ConversationUpdated) -> None:
        conversation = event.conversation
        organisations = await self._by_organisation()
        if not organisations:  # no partner user: no client to read (a store trip per message)
            return
        client = await client_queries.find(self.hub, conversation.client_id)
        if client is None:
            return
        for view, members in organisations:
            viewers = [u for u in members if access.can_view_conversation(u, conversation, client, view)]
            await self.emit(
                "conversation:updated", {"conversation": conversation_json(conversation)}, rooms_of(viewers)
            )

    async def client_updated(self, event: ClientUpdated) -> None:
        client: Client = event.client
        for view, members in await self._by_organisation():
            viewers = [u for u in members if access.partner_sees_client(u, client, view)]
            payload = {"client": client_json(client, access.partner_hidden_fields(view))}
            await self.emit("client:updated", payload, rooms_of(viewers))

    # --- tasks ----------------------------------------------------------------------------------------------------

    async def _task_viewers(self, task: Task) -> list[User]:
        client = await client_queries.find(self.hub, task.client_id)
        if client is None:
            return []
        conversation = await task_queries.conversation_of(self.hub, task)
        return [
            u
            for view, members in await self._by_organisation()
            for u in members
            if access.can_view_task(u, task, conversation, client, view)
        ]

    async def task_created(self, event: TaskCreated) -> None:
        viewers = await self._task_viewers(event.task)
        payload = {"task": task_json(event.task, for_partner=True), "actor_id": event.actor_id}
        await self.emit("task:created", payload, rooms_of(viewers))

    async def task_updated(self, event: TaskUpdated) -> None:
        viewers = await self._task_viewers(event.task)
        payload = {
            "task": task_json(event.task, for_partner=True),
            "changes": sorted(event.changes),
            "actor_id": event.actor_id,
        }
        await self.emit("task:updated", payload, rooms_of(viewers))
        now = {u.id for u in viewers}
        lost = [u for u in await self._task_viewers(event.before) if u.id not in now]
        await self.emit("task:removed", {"task_id": event.task.id}, rooms_of(lost))

    async def grant_changed(self, event: GrantChanged) -> None:
        """The organisation's users reload their lists; a revoked record disappears from their portal."""
        members = [u for u in await self._partners() if access.partner_key(u) == event.partner_id]
        grant = event.grant
        payload = {
            "revoked": event.revoked,
            "client_id": grant.client_id if grant else None,
            "conversation_id": grant.conversation_id if grant else None,
        }
        await self.emit("access:changed", payload, rooms_of(members))

    async def staff_changed(self, event: StaffChanged) -> None:
        """Runs in every hub process: this process's sockets of a partner whose session ended are disconnected."""
        user, before = event.user, event.before
        if before is None or before.role.value != "partner":
            return
        if event.sessions_ended or not access.is_partner(user) or user.partner_id != before.partner_id:
            room = user_room(user.id, before.token_version)
            for sid, _eio in list(self.sio.manager.get_participants(PARTNER_NS, room)):
                log.info("disconnecting partner socket %s: its session ended", sid)
                await self.sio.disconnect(sid, namespace=PARTNER_NS)
