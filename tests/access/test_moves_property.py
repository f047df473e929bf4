"""Moves and splits against a plain model of who may do them and who sees what (hypothesis, sqlite and mongomock).

Random staff (admins, supervisors, agents of departments, partners), one client's conversations routed to
departments, its messages; random people move entries between the conversations or split them off. After every
step: the action succeeded exactly when the model allows it (staff who see both conversations), a refused or hidden
one changed nothing (hidden == missing: NotFound when the actor may not see the entry), every `timeline:moved` push
went only to those the model allows (the entries to those who see the target, ids only to those who saw just the
source) and missed nobody, and every user's conversation timelines hold exactly the entries the model places there.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.actions import conversations as conv_actions
from hub.actions import staff, threading
from hub.actions.ingest import ingest
from hub.auth import Tokens
from hub.config import Settings
from hub.context import Hub
from hub.domain import IdentityKind, Role, User
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.events import EntryAdded, EventBus
from hub.identities import make_identity
from hub.inbound import InboundMessage
from hub.queries import conversations as conversation_queries
from realtime.listeners import AgentListeners

DEPARTMENTS = 2
ROLES = [Role.admin, Role.supervisor, Role.agent, Role.agent, Role.agent, Role.partner, Role.partner]

step = st.one_of(
    st.tuples(
        st.just("user"), st.sampled_from(ROLES), st.frozensets(st.integers(0, DEPARTMENTS - 1), max_size=1)
    ),
    st.tuples(st.just("inbound"), st.integers(0, 2)),
    st.tuples(st.just("route"), st.integers(0, 30), st.one_of(st.none(), st.integers(0, DEPARTMENTS - 1))),
    st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.just("split"), st.integers(0, 30), st.integers(0, 30), st.booleans()),
)


@dataclass
class Recorder:
    emits: list[tuple[str, Any, list[str]]] = field(default_factory=list)

    async def emit(self, event: str, data: Any, to: list[str], namespace: str, **options: Any) -> None:
        self.emits.append((event, data, list(to)))

    @property
    def manager(self) -> Recorder:
        return self

    @property
    def rooms(self) -> dict[str, dict[str | None, dict[str, str]]]:
        """Agent sockets are connected (the listeners do no work for nobody)."""
        return {"/agent": {None: {"sid": "eio"}}}


@dataclass
class Model:
    users: dict[str, User] = field(default_factory=dict)
    conversations: dict[str, str | None] = field(default_factory=dict)  # id -> department
    entries: dict[str, str] = field(default_factory=dict)  # id -> conversation
    messages: set[str] = field(default_factory=set)  # entries that may be moved (not system entries)

    def sees(self, user: User, conversation_id: str) -> bool:
        if user.role in (Role.admin, Role.supervisor):
            return True
        if user.role is Role.agent:
            dept = self.conversations[conversation_id]
            return dept is None or dept in user.department_ids
        return False  # partners: no client is shared with them here

    def staff(self) -> list[User]:
        return [u for u in self.users.values() if u.role is not Role.partner]


async def _open_store(kind: str, tmp: Path):
    if kind == "sqlite":
        from hub.store.sqlite import open_sqlite_store

        return await open_sqlite_store(tmp / "hub.db")
    from mongomock_motor import AsyncMongoMockClient

    from hub.store.mongo import open_mongo_store

    return await open_mongo_store(AsyncMongoMockClient(tz_aware=True)["moves"])


async def scenario(kind: str, steps: list[tuple], tmp: Path) -> dict[str, int]:
    store = await _open_store(kind, tmp)
    try:
        return await _run(store, steps, tmp)
    finally:
        await store.close()


async def _run(store, steps: list[tuple], tmp: Path) -> dict[str, int]:
    hub = Hub(
        settings=Settings(sqlite_path=tmp / "hub.db", secret_key="k" * 40, bots_dir=tmp / "none"),
        store=store,
        bus=EventBus(),
        tokens=Tokens("k" * 40, 60),
    )
    recorder = Recorder()
    AgentListeners(hub, recorder).subscribe()  # type: ignore[arg-type]
    model = Model()

    async def system_entries(event: EntryAdded) -> None:  # what a move leaves on both timelines
        if event.entry.meta.get("code") in ("moved_in", "moved_out", "split_in", "split_out"):
            model.entries[event.entry.id] = event.entry.conversation_id or ""

    hub.bus.subscribe(EntryAdded, system_entries)
    departments = [await staff.create_department(hub, f"Dept {i}") for i in range(DEPARTMENTS)]
    checks, counter = 0, 0
    outcomes = {"moved": 0, "hidden": 0, "refused": 0}

    def pick(items: list[str], index: int) -> str | None:
        return items[index % len(items)] if items else None

    for op in [("user", Role.admin, frozenset()), *steps]:
        recorder.emits.clear()
        kind = op[0]
        users, convs, movable = list(model.users), list(model.conversations), sorted(model.messages)
        if kind == "user":
            counter += 1
            user = await staff.create_user(
                hub,
                email=f"u{counter}@example.com",
                name=f"User {counter}",
                role=op[1],
                password="password-123",
                department_ids=[departments[i].id for i in op[2]] if op[1] is Role.agent else [],
            )
            model.users[user.id] = user
            continue
        if kind == "inbound":
            counter += 1
            result = await ingest(
                hub,
                InboundMessage(
                    channel="telegram",
                    provider_message_id=f"p{counter}",
                    thread_key=f"chat-{op[1]}",
                    identities=(make_identity(IdentityKind.telegram, 4242),),
                    text=f"text {counter}",
                ),
            )
            model.conversations.setdefault(result.conversation.id, result.conversation.department_id)
            model.entries[result.entry.id] = result.conversation.id
            model.messages.add(result.entry.id)
            continue
        if kind == "route" and convs:
            target = pick(convs, op[1])
            dept = departments[op[2]].id if op[2] is not None else None
            await conv_actions.update_conversation(hub, None, target, department_id=dept)
            model.conversations[target] = dept
            continue
        if kind not in ("move", "split") or not movable or not users:
            continue
        entry_id, actor = pick(movable, op[1]), model.users[pick(users, op[2])]
        source = model.entries[entry_id]
        target = pick(convs, op[3]) if kind == "move" else None
        if kind == "move" and target == source:
            continue
        before = dict(model.entries)
        try:
            if kind == "move":
                moved = await threading.move_entry(hub, actor, entry_id, target)
            else:
                moved = await threading.split_conversation(hub, actor, entry_id, following=op[3])
            outcome = "moved"
        except NotFound:
            outcome = "hidden"
        except (Forbidden, Invalid, Conflict):
            outcome = "refused"
        outcomes[outcome] += 1
        allowed = actor.role is not Role.partner and model.sees(actor, source)
        if kind == "move":
            allowed = allowed and model.sees(actor, target)
        if actor.role is Role.partner or not model.sees(actor, source):
            assert outcome == "hidden", (kind, actor.role, outcome)  # hidden == missing
        else:
            assert outcome == ("moved" if allowed else "hidden"), (kind, actor.role, outcome)
        if outcome != "moved":
            assert model.entries == before
            assert not recorder.emits
            continue
        if kind == "split":
            model.conversations[moved.target.id] = model.conversations[source]
        for entry in moved.entries:
            model.entries[entry.id] = moved.target.id
        assert entry_id in {e.id for e in moved.entries}
        # pushes: exactly the model's viewers
        pushes = [(d, rooms) for e, d, rooms in recorder.emits if e == "timeline:moved"]
        with_entries = {r.split(":")[1] for d, rooms in pushes if d["entries"] for r in rooms}
        ids_only = {r.split(":")[1] for d, rooms in pushes if not d["entries"] for r in rooms}
        sees_target = {u.id for u in model.staff() if model.sees(u, moved.target.id)}
        saw_source = {u.id for u in model.staff() if model.sees(u, moved.source.id)}
        assert with_entries == sees_target
        assert ids_only == saw_source - sees_target
        for event, data, rooms in recorder.emits:
            if event == "conversation:updated":
                for room in rooms:
                    assert model.sees(model.users[room.split(":")[1]], data["conversation"]["id"])
            checks += len(rooms)
        # reads: every user's timelines hold exactly the entries the model puts there
        for user in model.users.values():
            for conversation_id in model.conversations:
                if not model.sees(user, conversation_id):
                    continue
                page = await conversation_queries.timeline(hub, user, conversation_id, limit=200)
                assert {e.id for e in page.items} == {
                    e for e, c in model.entries.items() if c == conversation_id
                }
                checks += 1
    return {"checks": checks, **outcomes}


_SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@settings(max_examples=25, deadline=None, suppress_health_check=_SLOW)
@given(steps=st.lists(step, min_size=6, max_size=20))
def test_moves_and_splits_follow_the_policy_sqlite(tmp_path_factory, steps):
    asyncio.run(scenario("sqlite", steps, tmp_path_factory.mktemp("moves")))


@settings(max_examples=10, deadline=None, suppress_health_check=_SLOW)
@given(steps=st.lists(step, min_size=6, max_size=14))
def test_moves_and_splits_follow_the_policy_mongo(tmp_path_factory, steps):
    asyncio.run(scenario("mongo", steps, tmp_path_factory.mktemp("moves")))


def test_a_fixed_scenario_moves_splits_and_refuses():
    """The steps the random runs may miss, in order: an agent moves within their department, cannot reach a
    conversation of another department, a supervisor splits the rest off."""
    import tempfile

    steps = [
        ("user", Role.agent, frozenset({0})),
        ("user", Role.supervisor, frozenset()),
        ("inbound", 0),
        ("inbound", 1),
        ("inbound", 0),
        ("route", 1, 1),  # chat-1 to Dept 1: the agent of Dept 0 no longer sees it
        ("move", 2, 1, 1),  # the agent: chat-0's entry into chat-1, hidden
        ("move", 0, 2, 1),  # the supervisor moves the first one into chat-1
        ("split", 1, 2, True),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        found = asyncio.run(scenario("sqlite", steps, Path(tmp)))
    assert (found["moved"], found["hidden"]) == (2, 1) and found["checks"] > 0
