"""The access policy, proven: random staff, departments, partners, grants (shared clients), conversations,
re-routes, re-assignments, notes with mentions, deactivations and tasks (assigned to staff, a department, a partner
organisation or a partner user; re-assigned; their status moved by partner users). After every step, every read a
user can make (inbox list, one conversation, client card, client timeline, conversation timeline, client search,
notifications, attachment download, the task list and each task) and every socket event pushed during the step
(/agent and /partner, tasks included) lies inside an independent model of the rules at that moment — and, for
lists and pushes of new entries and new tasks, nothing the model allows is missing.

The model below is written from the rules in plain words, not from hub.access, so a divergence between the policy,
the store's scope compilers and the push recipients shows up as a failing example."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.access import SYSTEM
from hub.actions import clients as client_actions
from hub.actions import conversations as conv_actions
from hub.actions import messages, staff
from hub.actions import notifications as notification_actions
from hub.actions import partners as partner_actions
from hub.actions import tasks as task_actions
from hub.actions.ingest import ingest
from hub.auth import Tokens
from hub.config import Settings
from hub.context import Hub
from hub.domain import Attachment, IdentityKind, Role, User
from hub.domain_tasks import TaskStatus
from hub.domain_views import ViewFilters
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.events import EntryAdded, EventBus
from hub.files import FileStore
from hub.identities import make_identity
from hub.inbound import InboundMessage
from hub.queries import clients as client_queries
from hub.queries import conversations as conversation_queries
from hub.queries import entries as entry_queries
from hub.queries import notifications as notification_queries
from hub.queries import partners as partner_queries
from hub.queries import search as search_queries
from hub.queries import tasks as task_queries
from hub.representations import client_json
from realtime.listeners import AgentListeners
from realtime.partner import PartnerListeners
from realtime.tasks import TaskListeners

ROLES = [Role.admin, Role.supervisor, Role.agent, Role.agent, Role.agent, Role.partner, Role.partner]
DEPARTMENTS = 3
ORGS = 2  # partner organisations; organisation 0 has the customers' telegram identities redacted
TAGS = ["vip", "gold", None]
TARGETS = ["org0", "org1", "partner", "staff", "dept", "none"]  # whom a task is assigned to
STATUSES = ["open", "in_progress", "done", "cancelled"]

step = st.one_of(
    st.tuples(
        st.just("user"), st.sampled_from(ROLES), st.frozensets(st.integers(0, DEPARTMENTS - 1), max_size=2)
    ),
    st.tuples(st.just("deactivate"), st.integers(0, 30)),
    st.tuples(
        st.just("departments"), st.integers(0, 30), st.frozensets(st.integers(0, DEPARTMENTS - 1), max_size=2)
    ),
    st.tuples(st.just("password"), st.integers(0, 30)),
    st.tuples(st.just("inbound"), st.integers(0, 4), st.integers(0, 1), st.booleans()),
    st.tuples(st.just("route"), st.integers(0, 30), st.one_of(st.none(), st.integers(0, DEPARTMENTS - 1))),
    st.tuples(st.just("assign"), st.integers(0, 30), st.one_of(st.none(), st.integers(0, 30))),
    st.tuples(st.just("share"), st.integers(0, 4), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("note"), st.integers(0, 30), st.booleans(), st.booleans(), st.integers(0, 30)),
    # partner organisations: a user of organisation N; a tag on a client; a grant of each kind; a revoke
    st.tuples(st.just("member"), st.integers(0, ORGS - 1)),
    st.tuples(st.just("tag"), st.integers(0, 4), st.sampled_from(TAGS)),
    st.tuples(
        st.just("grant"),
        st.integers(0, ORGS - 1),
        st.sampled_from(["client", "conversation", "tag"]),
        st.integers(0, 30),
    ),
    st.tuples(st.just("revoke"), st.integers(0, ORGS - 1), st.integers(0, 30)),
    # tasks: a new one on a conversation (or its client), assigned to a target; re-assigned; a partner user moves
    # its status (and, with the flag, also tries to change its title)
    st.tuples(
        st.just("task"), st.integers(0, 30), st.booleans(), st.sampled_from(TARGETS), st.integers(0, 30)
    ),
    st.tuples(st.just("retask"), st.integers(0, 30), st.sampled_from(TARGETS), st.integers(0, 30)),
    st.tuples(
        st.just("task_status"),
        st.integers(0, 30),
        st.integers(0, 30),
        st.sampled_from(STATUSES),
        st.booleans(),
    ),
)


@dataclass
class Recorder:
    """Stands in for the Socket.IO server: what the listeners emit, to which rooms."""

    emits: list[tuple[str, Any, list[str]]] = field(default_factory=list)
    partner_emits: list[tuple[str, Any, list[str]]] = field(default_factory=list)

    async def emit(self, event: str, data: Any, to: list[str], namespace: str, **options: Any) -> None:
        (self.partner_emits if namespace == "/partner" else self.emits).append((event, data, list(to)))

    @property
    def manager(self) -> Recorder:
        return self

    @property
    def rooms(self) -> dict[str, dict[str | None, dict[str, str]]]:
        """Sockets are connected in both namespaces (the listeners do no work for nobody)."""
        return {"/agent": {None: {"sid": "eio"}}, "/partner": {None: {"sid": "eio"}}}

    def get_participants(self, namespace: str, room: str) -> list[tuple[str, str]]:
        return []

    async def disconnect(self, sid: str, namespace: str) -> None:
        return None


@dataclass
class Model:
    """The rules, in plain words."""

    mode: str
    users: dict[str, User] = field(default_factory=dict)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> client, dept, assignee
    clients: dict[str, set[str]] = field(default_factory=dict)  # id -> partner keys with a client grant
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> client, conversation, internal
    tags: dict[str, str | None] = field(default_factory=dict)  # client id -> its tag
    # organisation id -> {"tags": tags granted by rule, "conversations": conversations granted}
    orgs: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # task id -> client, conversation, assignee, dept, partner (an organisation id), status
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def key(self, user: User) -> str:
        """A partner's organisation (a partner user without one is an organisation of one)."""
        return user.partner_id or user.id

    def whole(self, user: User, client_id: str) -> bool:
        org = self.orgs.get(self.key(user), {"tags": set(), "conversations": set()})
        return self.key(user) in self.clients[client_id] or self.tags.get(client_id) in org["tags"]

    def granted_conversation(self, user: User, conversation_id: str) -> bool:
        return conversation_id in self.orgs.get(self.key(user), {}).get("conversations", set())

    def sees_conversation(self, user: User, conversation_id: str) -> bool:
        c = self.conversations[conversation_id]
        if not user.active:
            return False
        if user.role in (Role.admin, Role.supervisor):
            return True
        if user.role is Role.agent:
            return c["dept"] is None or c["dept"] in user.department_ids or c["assignee"] == user.id
        return self.whole(user, c["client"]) or self.granted_conversation(user, conversation_id)

    def sees_client(self, user: User, client_id: str) -> bool:
        if not user.active:
            return False
        if user.role in (Role.admin, Role.supervisor):
            return True
        if user.role is Role.partner:
            return self.whole(user, client_id) or any(
                c["client"] == client_id and self.granted_conversation(user, cid)
                for cid, c in self.conversations.items()
            )
        if self.mode == "all":
            return True
        # department visibility: through a conversation they see, or a task assigned to them or their department
        return any(
            c["client"] == client_id and self.sees_conversation(user, cid)
            for cid, c in self.conversations.items()
        ) or any(
            t["client"] == client_id
            and (t["assignee"] == user.id or (t["dept"] is not None and t["dept"] in user.department_ids))
            for t in self.tasks.values()
        )

    def sees_task(self, user: User, task_id: str) -> bool:
        t = self.tasks[task_id]
        if not user.active:
            return False
        if user.role in (Role.admin, Role.supervisor):
            return True
        if user.role is Role.partner:
            # assigned to their organisation or to them, on a client whose card they see
            mine = (t["partner"] is not None and t["partner"] == self.key(user)) or t["assignee"] == user.id
            return mine and self.sees_client(user, t["client"])
        return (
            t["assignee"] == user.id
            or (t["dept"] is not None and t["dept"] in user.department_ids)
            or (t["conversation"] is not None and self.sees_conversation(user, t["conversation"]))
        )

    def task_partner(self, assignee: str | None, given: str | None) -> str | None:
        """A partner user assignee's task is their organisation's; else the organisation given (None: none)."""
        user = self.users.get(assignee or "")
        if user is not None and user.active and user.role is Role.partner and user.partner_id:
            return user.partner_id
        return given

    def sees_entry(self, user: User, entry_id: str) -> bool:
        e = self.entries[entry_id]
        if not self.sees_client(user, e["client"]):
            return False
        if user.role is Role.partner and e["internal"]:
            return False
        if e["conversation"] is None:  # a client-level entry: partners need the client shared whole
            return user.role is not Role.partner or self.whole(user, e["client"])
        return self.sees_conversation(user, e["conversation"])


async def _open_store(kind: str, tmp: Path):
    if kind == "sqlite":
        from hub.store.sqlite import open_sqlite_store

        return await open_sqlite_store(tmp / "hub.db")
    from mongomock_motor import AsyncMongoMockClient

    from hub.store.mongo import open_mongo_store

    return await open_mongo_store(AsyncMongoMockClient(tz_aware=True)["prop"])


async def run_scenario(kind: str, mode: str, steps: list[tuple], tmp: Path) -> dict[str, int]:
    store = await _open_store(kind, tmp)
    try:
        return await _scenario(store, mode, steps, tmp)
    finally:
        await store.close()


async def _scenario(store, mode: str, steps: list[tuple], tmp: Path) -> dict[str, int]:
    hub_settings = Settings(
        sqlite_path=tmp / "hub.db", secret_key="k" * 40, client_visibility=mode, bots_dir=tmp / "none"
    )
    hub = Hub(settings=hub_settings, store=store, bus=EventBus(), tokens=Tokens("k" * 40, 60))
    hub.files = FileStore(tmp / "files", 1_000_000)
    recorder = Recorder()
    AgentListeners(hub, recorder).subscribe()  # type: ignore[arg-type]
    PartnerListeners(hub, recorder).subscribe()  # type: ignore[arg-type]
    TaskListeners(hub, recorder).subscribe()  # type: ignore[arg-type]
    notification_actions.install(hub)  # mentions and assignments become notifications, as in the app
    model = Model(mode)

    async def task_entries(event: EntryAdded) -> None:
        """What a task action writes on the timeline: internal entries (never for partners)."""
        if event.entry.meta.get("task_id"):
            e = event.entry
            model.entries[e.id] = {"client": e.client_id, "conversation": e.conversation_id, "internal": True}

    hub.bus.subscribe(EntryAdded, task_entries)
    departments = [await staff.create_department(hub, f"Dept {i}") for i in range(DEPARTMENTS)]
    admin_actor = SYSTEM
    orgs = [
        await partner_actions.create_partner(
            hub, admin_actor, name=f"Org {i}", redacted_fields=["telegram"] if i == 0 else []
        )
        for i in range(ORGS)
    ]
    for org in orgs:
        model.orgs[org.id] = {"tags": set(), "conversations": set()}
    file_key = await hub.files.put(b"secret scan", name="scan.pdf")
    counter = 0
    checks = 0
    partner_checks = 0
    task_outcomes = {"changed": 0, "hidden": 0, "refused": 0}

    def pick(items: list[str], index: int) -> str | None:
        return items[index % len(items)] if items else None

    for op in steps:
        recorder.emits.clear()
        recorder.partner_emits.clear()
        entries_before = set(model.entries)
        tasks_before = set(model.tasks)
        users, convs, clients = list(model.users), list(model.conversations), list(model.clients)
        kind = op[0]
        if kind == "user":
            counter += 1
            created = await staff.create_user(
                hub,
                email=f"u{counter}@example.com",
                name=f"User {counter}",
                role=op[1],
                password="password-123",
                department_ids=[departments[i].id for i in sorted(op[2])] if op[1] is Role.agent else [],
            )
            model.users[created.id] = created
        elif kind in ("deactivate", "departments", "password") and users:
            target = pick(users, op[1])
            changes: dict[str, Any] = {
                "deactivate": {"active": False},
                "departments": {
                    "department_ids": [departments[i].id for i in sorted(op[2])]
                    if kind == "departments"
                    else []
                },
                "password": {"password": f"new-password-{counter}"},
            }[kind]
            if kind == "departments" and model.users[target].role is not Role.agent:
                continue
            try:
                model.users[target] = await staff.update_user(hub, target, **changes)
            except Conflict:  # the last active admin cannot be deactivated
                continue
        elif kind == "inbound":
            counter += 1
            message = InboundMessage(
                channel="telegram",
                provider_message_id=f"p{counter}",
                thread_key=f"chat-{op[1]}-{op[2]}",
                identities=(make_identity(IdentityKind.telegram, 1000 + op[1]),),
                text=f"customer text {counter}",
                attachments=(Attachment(name="scan.pdf", url=hub.files.url(file_key)),) if op[3] else (),
            )
            result = await ingest(hub, message)
            conv = result.conversation
            assert conv is not None
            model.clients.setdefault(result.entry.client_id, set())
            model.conversations.setdefault(
                conv.id, {"client": conv.client_id, "dept": None, "assignee": None}
            )
            model.entries[result.entry.id] = {
                "client": conv.client_id,
                "conversation": conv.id,
                "internal": False,
            }
        elif kind == "route" and convs:
            target = pick(convs, op[1])
            dept = departments[op[2]].id if op[2] is not None else None
            await conv_actions.update_conversation(hub, None, target, department_id=dept)
            model.conversations[target]["dept"] = dept
        elif kind == "assign" and convs:
            target = pick(convs, op[1])
            staff_ids = [
                u for u in users if model.users[u].active and model.users[u].role is not Role.partner
            ]
            assignee = pick(staff_ids, op[2]) if op[2] is not None else None
            await conv_actions.update_conversation(hub, None, target, assignee_id=assignee)
            model.conversations[target]["assignee"] = assignee
        elif kind == "share" and clients and users:
            # the PATCH shortcut, with a partner user's id (it stands for their organisation)
            target = pick(clients, op[1])
            partners = [u for u in users if model.users[u].role is Role.partner]
            partner = pick(partners, op[2])
            if partner is None:
                continue
            partner_key = model.key(model.users[partner])
            granted = set(model.clients[target])
            granted = granted | {partner_key} if op[3] else granted - {partner_key}
            await client_actions.update_client(hub, None, target, partner_ids=sorted(granted))
            model.clients[target] = granted
        elif kind == "member":
            counter += 1
            created = await staff.create_user(
                hub,
                email=f"u{counter}@example.com",
                name=f"User {counter}",
                role=Role.partner,
                password="password-123",
                partner_id=orgs[op[1]].id,
            )
            model.users[created.id] = created
        elif kind == "tag" and clients:
            target = pick(clients, op[1])
            await client_actions.update_client(hub, None, target, tags=[op[2]] if op[2] else [])
            model.tags[target] = op[2]
        elif kind == "grant":
            org = orgs[op[1]].id
            if op[2] == "client" and clients:
                target = pick(clients, op[3])
                await partner_actions.grant(hub, admin_actor, org, client_id=target)
                model.clients[target].add(org)
            elif op[2] == "conversation" and convs:
                target = pick(convs, op[3])
                await partner_actions.grant(hub, admin_actor, org, conversation_id=target)
                model.orgs[org]["conversations"].add(target)
            elif op[2] == "tag":
                tag = TAGS[op[3] % 2]
                await partner_actions.grant(hub, admin_actor, org, rule={"tag": tag})
                model.orgs[org]["tags"].add(tag)
            else:
                continue
        elif kind == "revoke":
            org = orgs[op[1]].id
            held = await hub.store.grants.of_partner(org)
            if not held:
                continue
            grant = held[op[2] % len(held)]
            await partner_actions.revoke(hub, admin_actor, org, grant.id)
            if grant.client_id is not None:
                model.clients[grant.client_id].discard(org)
            elif grant.conversation_id is not None:
                model.orgs[org]["conversations"].discard(grant.conversation_id)
            elif grant.rule is not None and grant.rule.tag is not None:
                model.orgs[org]["tags"].discard(grant.rule.tag)
        elif kind == "note" and convs:
            target = pick(convs, op[1])
            client_level, shared = op[2], op[3]
            mentioned = model.users.get(pick(users, op[4]) or "")
            text = f"note {counter} @{mentioned.email.split('@')[0]}" if mentioned else f"note {counter}"
            admin = next((u for u in model.users.values() if u.role is Role.admin and u.active), None)
            if admin is None:
                continue
            client_id = model.conversations[target]["client"]
            note = await messages.add_note(
                hub,
                admin,
                text=text,
                conversation_id=None if client_level else target,
                client_id=client_id if client_level else None,
                shared_with_partners=shared,
            )
            model.entries[note.id] = {
                "client": client_id,
                "conversation": None if client_level else target,
                "internal": not shared,
            }
            for user_id in note.mentions:  # a note names only users who may read it
                assert model.sees_entry(model.users[user_id], note.id)
        elif kind in ("task", "retask"):
            active = [u for u in users if model.users[u].active]
            targets = {
                "org0": {"partner_id": orgs[0].id},
                "org1": {"partner_id": orgs[1].id},
                "partner": {
                    "assignee_id": pick([u for u in active if model.users[u].role is Role.partner], op[-1])
                },
                "staff": {
                    "assignee_id": pick(
                        [u for u in active if model.users[u].role is not Role.partner], op[-1]
                    )
                },
                "dept": {"department_id": departments[0].id},
                "none": {"partner_id": None, "assignee_id": None},
            }[op[-2]]
            if None in targets.values() and op[-2] != "none":
                continue
            if kind == "task" and convs:
                target = pick(convs, op[1])
                conversation = model.conversations[target]
                created = await task_actions.create_task(
                    hub,
                    None,
                    title=f"task {counter}",
                    client_id=conversation["client"],
                    conversation_id=target if op[2] else None,
                    **targets,
                )
                model.tasks[created.id] = {
                    "client": conversation["client"],
                    "conversation": target if op[2] else None,
                    "assignee": targets.get("assignee_id"),
                    "dept": targets.get("department_id"),
                    "partner": model.task_partner(targets.get("assignee_id"), targets.get("partner_id")),
                    "status": "open",
                }
                assert created.partner_id == model.tasks[created.id]["partner"]
            elif kind == "retask" and model.tasks:
                task_id = pick(list(model.tasks), op[1])
                t = model.tasks[task_id]
                holder = model.users.get(t["assignee"] or "")
                conflict = (
                    "partner_id" in targets
                    and targets["partner_id"] is not None
                    and holder is not None
                    and holder.active
                    and holder.role is Role.partner
                    and holder.partner_id not in (None, targets["partner_id"])
                )
                try:
                    updated = await task_actions.update_task(hub, None, task_id, **targets)
                except Invalid:
                    assert conflict, "a re-assignment the model allows was refused"
                    continue
                assert not conflict, "a task went to an organisation its assignee is not a user of"
                t["assignee"] = targets.get("assignee_id", t["assignee"])
                t["dept"] = targets.get("department_id", t["dept"])
                if "partner_id" in targets:
                    t["partner"] = model.task_partner(t["assignee"], targets["partner_id"])
                else:
                    t["partner"] = model.task_partner(t["assignee"], None) or t["partner"]
                assert updated.partner_id == t["partner"]
            else:
                continue
        elif kind == "task_status" and model.tasks:
            task_id = pick(list(model.tasks), op[1])
            partners = [u for u in users if model.users[u].role is Role.partner and model.users[u].active]
            partner = model.users.get(pick(partners, op[2]) or "")
            if partner is None:
                continue
            status, with_title = op[3], op[4]
            visible = model.sees_task(partner, task_id)
            changes: dict[str, Any] = {"status": status, **({"title": "taken over"} if with_title else {})}
            try:
                updated = await task_actions.update_task(hub, partner, task_id, **changes)
                outcome = "changed"
            except NotFound:
                outcome = "hidden"
            except Forbidden:
                outcome = "refused"
            if not visible:
                assert outcome == "hidden", (outcome, partner.email)
            elif with_title or status == "cancelled":
                assert outcome == "refused", outcome  # the status only, to open / in progress / done
            else:
                assert outcome == "changed", outcome
                assert updated.status.value == status
                model.tasks[task_id]["status"] = status
            task_outcomes[outcome] += 1
        else:
            continue
        checks += await check_pushes(model, recorder, set(model.tasks) - tasks_before)
        partner_checks += check_partner_pushes(
            model, recorder, orgs[0].id, set(model.entries) - entries_before, set(model.tasks) - tasks_before
        )
        checks += await check_reads(hub, model, file_key, orgs[0].id)
    return {
        "checks": checks,
        "partner_pushes": partner_checks,
        "users": len(model.users),
        "entries": len(model.entries),
        "tasks": len(model.tasks),
        **{f"partner_task_{k}": v for k, v in task_outcomes.items()},
    }


def _room_user(model: Model, room: str) -> User:
    _, user_id, version = room.split(":")
    user = model.users[user_id]
    assert user.active, f"pushed to a deactivated user {room}"
    assert int(version) == user.token_version, f"pushed to a revoked session {room}"
    return user


async def check_pushes(model: Model, recorder: Recorder, new_tasks: set[str] = frozenset()) -> int:
    checks = 0
    for event, data, rooms in recorder.emits:
        if event in ("presence", "staff:updated"):
            assert rooms == ["staff"]
            continue
        assert all(r.startswith("user:") for r in rooms), (event, rooms)
        recipients = [_room_user(model, r) for r in rooms]
        for user in recipients:
            checks += 1
            if event in ("timeline:new", "timeline:updated"):
                assert model.sees_entry(user, data["entry"]["id"]), (event, user.role, data["entry"]["text"])
            elif event == "notification" and data.get("task_id"):
                assert user.role is not Role.partner and model.sees_task(user, data["task_id"])
            elif event == "notification" and data.get("entry_id") is None:  # an assignment, a hand-off
                assert model.sees_conversation(user, data["conversation_id"]), data["kind"]
            elif event == "notification":
                assert model.sees_entry(user, data["entry_id"])
            elif event in ("task:created", "task:updated"):
                assert user.role is not Role.partner and model.sees_task(user, data["task"]["id"]), event
            elif event == "task:removed":
                assert not model.sees_task(user, data["task_id"])
            elif event == "conversation:updated":
                assert model.sees_conversation(user, data["conversation"]["id"])
            elif event == "conversation:removed":
                assert not model.sees_conversation(user, data["conversation_id"])
            elif event == "access:changed":
                assert data["user"]["id"] == user.id  # only the user whose access changed is told
            elif event == "client:updated":
                assert model.sees_client(user, data["client"]["id"])
            else:
                raise AssertionError(f"unexpected event {event}")
        if event == "timeline:new":
            # nothing the model allows is missing: every active staff member who may see it got it
            expected = {
                u.id
                for u in model.users.values()
                if u.active and u.role is not Role.partner and model.sees_entry(u, data["entry"]["id"])
            }
            assert {u.id for u in recipients} == expected
        if event == "task:created":
            expected = {
                u.id
                for u in model.users.values()
                if u.active and u.role is not Role.partner and model.sees_task(u, data["task"]["id"])
            }
            assert {u.id for u in recipients} == expected
    # nothing missing: a new task that some staff member may see was pushed to /agent
    for task_id in new_tasks:
        if any(
            u.active and u.role is not Role.partner and model.sees_task(u, task_id)
            for u in model.users.values()
        ):
            assert any(e == "task:created" and d["task"]["id"] == task_id for e, d, _r in recorder.emits)
    return checks


def _redaction_kept(model: Model, user: User, client: dict[str, Any], redacting_org: str) -> bool:
    """A card a partner receives names no other organisation and, for organisation 0, no telegram identity."""
    if client["partner_ids"]:
        return False
    return model.key(user) != redacting_org or all(i["kind"] != "telegram" for i in client["identities"])


def check_partner_pushes(
    model: Model,
    recorder: Recorder,
    redacting_org: str,
    new_entries: set[str],
    new_tasks: set[str] = frozenset(),
) -> int:
    checks = 0
    for event, data, rooms in recorder.partner_emits:
        recipients = [_room_user(model, r) for r in rooms]
        for user in recipients:
            checks += 1
            assert user.role is Role.partner, (event, user.role)
            if event in ("timeline:new", "timeline:updated"):
                assert model.sees_entry(user, data["entry"]["id"]), (event, data["entry"]["text"])
                assert _redaction_kept(model, user, data["client"], redacting_org)
            elif event == "conversation:updated":
                assert model.sees_conversation(user, data["conversation"]["id"])
            elif event == "client:updated":
                assert model.sees_client(user, data["client"]["id"])
                assert _redaction_kept(model, user, data["client"], redacting_org)
            elif event == "access:changed":
                pass  # no record in it: the portal reloads its lists
            elif event in ("task:created", "task:updated"):
                assert model.sees_task(user, data["task"]["id"]), (event, data["task"]["title"])
            elif event == "task:removed":
                assert not model.sees_task(user, data["task_id"])
            else:
                raise AssertionError(f"unexpected partner event {event}")
        if event == "timeline:new":
            client_partners = [u for u in model.users.values() if u.active and u.role is Role.partner]
            expected = {u.id for u in client_partners if model.sees_entry(u, data["entry"]["id"])}
            got = {u.id for u in recipients}
            # one emit per organisation: together they reach every partner who may see it
            assert got <= expected
            checks += 1
    # nothing missing: every partner who may see an entry of this step got it (one emit per organisation)
    for entry_id in new_entries:
        reached = {
            _room_user(model, r).id
            for e, d, rooms in recorder.partner_emits
            if e == "timeline:new" and d["entry"]["id"] == entry_id
            for r in rooms
        }
        assert reached == {
            u.id
            for u in model.users.values()
            if u.active and u.role is Role.partner and model.sees_entry(u, entry_id)
        }
    # and every partner who may see a task created in this step got `task:created`, nobody else
    for task_id in new_tasks:
        reached = {
            _room_user(model, r).id
            for e, d, rooms in recorder.partner_emits
            if e == "task:created" and d["task"]["id"] == task_id
            for r in rooms
        }
        assert reached == {
            u.id
            for u in model.users.values()
            if u.active and u.role is Role.partner and model.sees_task(u, task_id)
        }
        checks += 1
    return checks


async def _all_entries(hub: Hub, model: Model) -> list:
    return [e for e in [await hub.store.timeline.get(e) for e in model.entries] if e is not None]


async def check_reads(hub: Hub, model: Model, file_key: str, redacting_org: str) -> int:
    checks = 0
    for user in model.users.values():
        if not user.active:
            continue  # an inactive user cannot authenticate (tested over HTTP)
        if user.role is Role.partner:
            hidden = await partner_queries.hidden_fields(hub, user)
            for card in await client_queries.search(hub, user, "", limit=100):
                checks += 1
                assert _redaction_kept(model, user, client_json(card, hidden), redacting_org)
        allowed_convs = {c for c in model.conversations if model.sees_conversation(user, c)}
        page = await conversation_queries.inbox(hub, user, conversation_queries.InboxFilter(), limit=200)
        assert {c.id for c in page.items} == allowed_convs
        # a saved view's count is the same scoped query: a filter narrows it, never widens it
        assert await conversation_queries.count(hub, user, conversation_queries.InboxFilter()) == len(
            allowed_convs
        )
        unrouted = conversation_queries.InboxFilter.of(user, ViewFilters(assignee="none"))
        assert await conversation_queries.count(hub, user, unrouted) == sum(
            1 for c in allowed_convs if model.conversations[c]["assignee"] is None
        )
        allowed_clients = {c for c in model.clients if model.sees_client(user, c)}
        assert {c.id for c in page.clients} <= allowed_clients
        found = await client_queries.search(hub, user, "", limit=100)
        assert {c.id for c in found} == allowed_clients
        for conversation_id in model.conversations:
            checks += 1
            if conversation_id in allowed_convs:
                await conversation_queries.get(hub, user, conversation_id)
                timeline = await conversation_queries.timeline(hub, user, conversation_id, limit=200)
                assert {e.id for e in timeline.items} == {
                    e
                    for e, v in model.entries.items()
                    if v["conversation"] == conversation_id and model.sees_entry(user, e)
                }
            else:
                try:
                    await conversation_queries.get(hub, user, conversation_id)
                    raise AssertionError("a hidden conversation was returned")
                except NotFound:
                    pass
        for client_id in model.clients:
            checks += 1
            if client_id in allowed_clients:
                timeline = await client_queries.timeline(hub, user, client_id, limit=200)
                assert {e.id for e in timeline.items} == {
                    e
                    for e, v in model.entries.items()
                    if v["client"] == client_id and model.sees_entry(user, e)
                }
            else:
                try:
                    await client_queries.timeline(hub, user, client_id)
                    raise AssertionError("a hidden client's timeline was returned")
                except NotFound:
                    pass
        for entry_id in model.entries:
            checks += 1
            visible = model.sees_entry(user, entry_id)
            try:
                await entry_queries.attachment(hub, user, entry_id, file_key)
                got = True
            except NotFound:
                got = False
            entry = await hub.store.timeline.get(entry_id)
            assert got == (visible and bool(entry.attachments)), (user.role, entry_id)
        # search: what it finds lies inside the policy (a hidden entry is absent, never counted nor suggested);
        # whoever sees everything finds every entry with the word, so the check is not vacuous
        for word in ("customer", "note"):
            checks += 1
            result = await search_queries.search(hub, user, word, limit=500)
            hits = {hit.entry.id for hit in result.entries}
            assert all(model.sees_entry(user, e) for e in hits), (user.role, word)
            assert {c.id for c in result.clients} <= allowed_clients
            assert all(
                hit.conversation is None or hit.conversation.id in allowed_convs for hit in result.entries
            )
            if user.role is Role.admin:
                wanted = {e.id for e in await _all_entries(hub, model) if e.text.startswith(word)}
                assert hits == wanted, (word, len(hits), len(wanted))
        mentions = await notification_queries.mentions(hub, user, limit=100)
        assert all(model.sees_entry(user, e.id) for e in mentions.items)
        # tasks: the list is exactly what the model allows; each one opens or is missing alike
        allowed_tasks = {t for t in model.tasks if model.sees_task(user, t)}
        listed = await task_queries.list_tasks(hub, user, task_queries.TaskFilter(), limit=200)
        assert {t.id for t in listed.items} == allowed_tasks, (user.role, user.email)
        open_listed = await task_queries.list_tasks(
            hub, user, task_queries.TaskFilter(statuses=(TaskStatus.open, TaskStatus.in_progress)), limit=200
        )
        assert {t.id for t in open_listed.items} == {
            t for t in allowed_tasks if model.tasks[t]["status"] in ("open", "in_progress")
        }
        for task_id in model.tasks:
            checks += 1
            try:
                await task_queries.get(hub, user, task_id)
                got = True
            except NotFound:
                got = False
            assert got == (task_id in allowed_tasks), (user.role, task_id)
    return checks


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(step, min_size=4, max_size=22), mode=st.sampled_from(["all", "department"]))
def test_every_read_and_push_lies_inside_the_policy_sqlite(tmp_path_factory, steps, mode):
    tmp = tmp_path_factory.mktemp("prop")
    asyncio.run(run_scenario("sqlite", mode, _seeded(steps), tmp))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(step, min_size=4, max_size=16), mode=st.sampled_from(["all", "department"]))
def test_every_read_and_push_lies_inside_the_policy_mongo(tmp_path_factory, steps, mode):
    tmp = tmp_path_factory.mktemp("prop")
    asyncio.run(run_scenario("mongo", mode, _seeded(steps), tmp))


def _with_user_first(steps: list[tuple]) -> list[tuple]:
    """Every scenario starts with an admin (the notes' author) and one agent."""
    return [("user", Role.admin, frozenset()), ("user", Role.agent, frozenset({0})), *steps]


def _seeded(steps: list[tuple]) -> list[tuple]:
    """The random scenarios also start with a user of each organisation and two customers' conversations, so the
    drawn grants, notes and tasks have something to act on from their first step."""
    seed = [("member", 0), ("member", 1), ("inbound", 0, 0, False), ("inbound", 1, 0, False)]
    return _with_user_first([*seed, *steps])


def test_the_model_is_not_vacuous(tmp_path):
    """A fixed scenario touches every rule: each kind of user sees some and misses some."""
    steps = [
        ("user", Role.partner, frozenset()),
        ("user", Role.agent, frozenset({1})),
        ("inbound", 0, 0, True),
        ("inbound", 1, 0, False),
        ("route", 0, 1),
        ("share", 0, 0, True),
        ("note", 0, False, False, 1),
        ("note", 0, True, True, 2),
        ("assign", 1, 3),
        ("deactivate", 3),
        ("password", 1),
    ]
    result = asyncio.run(run_scenario("sqlite", "department", _with_user_first(steps), tmp_path))
    assert result["checks"] > 50


def test_the_partner_model_is_not_vacuous(tmp_path):
    """Organisations, each kind of grant, a revoke and redaction: partner users see some, miss some, get pushes."""
    steps = [
        ("member", 0),
        ("member", 1),
        ("user", Role.partner, frozenset()),  # a partner without an organisation (the PATCH shortcut's kind)
        ("inbound", 0, 0, True),
        ("inbound", 1, 0, False),
        ("inbound", 2, 0, False),
        ("tag", 1, "vip"),
        ("grant", 0, "client", 0),
        ("grant", 0, "tag", 0),
        ("grant", 1, "conversation", 2),
        ("share", 2, 4, True),
        ("note", 0, False, True, 1),
        ("note", 2, True, True, 1),
        ("inbound", 0, 0, False),
        ("inbound", 2, 0, True),
        ("revoke", 0, 0),
        ("inbound", 0, 0, False),
        ("inbound", 1, 0, False),
    ]
    result = asyncio.run(run_scenario("sqlite", "department", _with_user_first(steps), tmp_path))
    assert result["partner_pushes"] > 5


def test_the_task_model_is_not_vacuous(tmp_path):
    """Tasks of every kind of target, re-assigned, and moved by partner users: some seen, some hidden, some refused."""
    steps = [
        ("member", 0),
        ("member", 1),
        ("user", Role.partner, frozenset()),  # a partner user without an organisation
        ("member", 0),  # a colleague in North
        ("inbound", 0, 0, False),
        ("inbound", 1, 0, False),
        ("route", 1, 2),
        ("grant", 0, "client", 0),
        ("grant", 1, "conversation", 1),
        ("task", 0, True, "org0", 0),  # North's, on a client granted to North
        ("task", 1, False, "org0", 0),  # North's, on a client North is not granted
        ("task", 1, True, "org1", 0),  # South's, on South's granted conversation's client
        ("task", 0, False, "partner", 1),  # to a partner user: their organisation's
        ("task", 1, True, "dept", 0),
        ("task", 0, False, "staff", 1),
        ("task_status", 0, 0, "in_progress", False),  # a North user moves a North task
        ("task_status", 0, 3, "done", False),  # the colleague
        ("task_status", 0, 1, "done", False),  # hidden from South
        ("task_status", 0, 0, "cancelled", False),  # refused
        ("task_status", 0, 0, "done", True),  # refused: the title too
        ("retask", 0, "org1", 0),
        ("retask", 3, "none", 0),
        ("revoke", 0, 0),
        ("task_status", 0, 1, "open", False),
        ("deactivate", 2),
        ("inbound", 0, 0, False),
    ]
    result = asyncio.run(run_scenario("sqlite", "department", _with_user_first(steps), tmp_path))
    assert result["tasks"] == 6
    assert result["partner_task_changed"] >= 2
    assert result["partner_task_hidden"] >= 1 and result["partner_task_refused"] >= 2
    assert result["checks"] > 200
