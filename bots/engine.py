"""The bot engine: answers customers on conversations whose handler is the bot, following a flow.

It listens to the event bus: an inbound customer message (EntryAdded) on a bot-handled conversation on a channel a
flow covers is answered in a background task; an agent handing a conversation back to the bot (ConversationUpdated,
handler human -> bot) restarts the flow. One conversation's work runs in order (a lock per conversation); the
publisher is never kept waiting. Everything goes through hub actions: replies (send_reply, with buttons in the
entry's meta, rendered by the connectors), client updates, notes, the handoff (update_conversation).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from bots.answers import DEFAULT_TEXTS, HANDOFF_CODE, InvalidAnswer, check_answer, render_handoff_note
from bots.flow import LANGUAGES, Action, Effect, Flow, HandoffTo, State, TaskSpec, pick
from bots.matching import best_match, has_cyrillic, matches_any, normalize
from hub.access import SYSTEM
from hub.actions.clients import update_client
from hub.actions.conversations import set_bot_state, update_conversation
from hub.actions.ingest import link_identity
from hub.actions.messages import add_system_note, send_reply
from hub.actions.tasks import create_task
from hub.context import Hub
from hub.domain import (
    Author,
    AuthorType,
    Client,
    Conversation,
    ConversationStatus,
    Department,
    Direction,
    EntryKind,
    Handler,
    Identity,
    IdentityKind,
    TimelineEntry,
)
from hub.errors import Invalid
from hub.events import ConversationUpdated, EntryAdded
from hub.outbound import Button, buttons_meta
from hub.queries import clients as client_queries
from hub.queries import conversations as conversation_queries
from hub.queries import staff as staff_queries
from hub.text import handle_of_name, preview

log = logging.getLogger(__name__)

MAX_CHAIN = 20  # states entered through `next` in one go
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
Reason = tuple[str, dict[str, Any]]


class BotEngine:
    def __init__(self, hub: Hub, flows: list[Flow]) -> None:
        self.hub = hub
        self.flows = list(flows)
        self.by_channel: dict[str, Flow] = {channel: flow for flow in flows for channel in flow.channels}
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[str, list[Any]] = {}  # conversation id -> [lock, users]
        self._closing = False

    def attach(self) -> None:
        """Subscribe to the bus; new conversations on the covered channels start with the bot."""
        previous = self.hub.initial_handler
        covered = frozenset(self.by_channel)

        def initial_handler(channel: str) -> Handler:
            return Handler.bot if channel in covered else previous(channel)

        self.hub.initial_handler = initial_handler
        self.hub.bus.subscribe(EntryAdded, self._on_entry)
        self.hub.bus.subscribe(ConversationUpdated, self._on_updated)

    # --- events -> tasks ----------------------------------------------------------------------------------------

    async def _on_entry(self, event: EntryAdded) -> None:
        entry, conversation = event.entry, event.conversation
        if (
            conversation is None
            or entry.direction != Direction.inbound
            or entry.kind != EntryKind.message
            or entry.author.type != AuthorType.client
            or conversation.handler != Handler.bot
            or conversation.channel not in self.by_channel
        ):
            return
        self._spawn(conversation.id, self._answer, conversation.id, entry)

    async def _on_updated(self, event: ConversationUpdated) -> None:
        if "handler" not in event.changes:
            return
        old, new = event.changes["handler"]
        if new != Handler.bot or old == Handler.bot:
            return
        conversation = event.conversation
        if conversation.channel not in self.by_channel:
            log.warning(
                "conversation %s was handed to the bot, but no bot flow covers channel %r: nobody will answer",
                conversation.id,
                conversation.channel,
            )
            return
        self._spawn(conversation.id, self._restart, conversation.id)

    def _spawn(self, conversation_id: str, work: Callable[..., Awaitable[None]], *args: Any) -> None:
        if self._closing:
            log.warning("bot engine is stopping: conversation %s not answered", conversation_id)
            return
        task = asyncio.get_running_loop().create_task(self._in_order(conversation_id, work, *args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _in_order(self, conversation_id: str, work: Callable[..., Awaitable[None]], *args: Any) -> None:
        # no await before the lock is requested: tasks start in creation order, the lock queues them fairly
        async with self._lock(conversation_id):
            try:
                await work(*args)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the bot failed on conversation %s", conversation_id)

    @contextlib.asynccontextmanager
    async def _lock(self, conversation_id: str) -> AsyncIterator[None]:
        slot = self._locks.get(conversation_id)
        if slot is None:
            slot = self._locks[conversation_id] = [asyncio.Lock(), 0]
        slot[1] += 1
        try:
            async with slot[0]:
                yield
        finally:
            slot[1] -= 1
            if slot[1] == 0:
                self._locks.pop(conversation_id, None)

    async def idle(self) -> None:
        """Wait until every started answer is done (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, grace: float = 5.0) -> None:
        """Stop taking work; let running answers finish for `grace` seconds, then cancel them."""
        self._closing = True
        try:
            async with asyncio.timeout(grace):
                await self.idle()
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def missing_departments(self) -> list[str]:
        """Department names the flows hand off to that the store does not know (logged: handoffs stay
        unrouted)."""
        missing = []
        for flow in self.flows:
            for name in sorted(department_names(flow)):
                if await staff_queries.department_by_name(self.hub, SYSTEM, name) is None:
                    log.warning(
                        "bot flow %r hands off to department %r, which does not exist", flow.name, name
                    )
                    missing.append(name)
        return missing

    # --- the work -----------------------------------------------------------------------------------------------

    async def _current(self, conversation_id: str) -> tuple[Conversation, Flow] | None:
        conversation = await conversation_queries.find(self.hub, conversation_id)
        if conversation is None or conversation.handler != Handler.bot:
            return None  # handed off meanwhile: the bot stays silent
        flow = self.by_channel.get(conversation.channel)
        return (conversation, flow) if flow is not None else None

    async def _answer(self, conversation_id: str, entry: TimelineEntry) -> None:
        found = await self._current(conversation_id)
        if found is None:
            return
        turn = Turn(self.hub, found[1], found[0])
        await turn.handle(entry)
        await turn.save()

    async def _restart(self, conversation_id: str) -> None:
        found = await self._current(conversation_id)
        if found is None:
            return
        turn = Turn(self.hub, found[1], found[0], reset=True)
        if not found[0].bot_state.get("lang"):
            # the bot never spoke here: the language the customer's side last showed, if it said
            spoken = await self._spoken_language(conversation_id)
            if spoken is not None:
                turn.state["lang"] = spoken
        await turn.enter(found[1].start)
        await turn.save()

    async def _spoken_language(self, conversation_id: str) -> str | None:
        for entry in await conversation_queries.customer_history(self.hub, conversation_id, limit=20):
            spoken = entry.meta.get("language") if entry.direction == Direction.inbound else None
            if spoken in LANGUAGES:
                return str(spoken)
        return None


def department_names(flow: Flow) -> set[str]:
    names = {flow.handoff.department} if flow.handoff.department else set()
    effects: list[Effect] = []
    for state in flow.states.values():
        effects += state.all_buttons() + list(state.on_text)
        if state.capture is not None and state.capture.on_fail is not None:
            effects.append(state.capture.on_fail)
        effects.append(Effect(do=state.do))
    for effect in effects:
        spec = effect.handoff_spec()
        if spec is not None and spec.department:
            names.add(spec.department)
        names.update(a.task.department for a in effect.do if a.task is not None and a.task.department)
    return names


class Turn:
    """The bot's answer to one event on one conversation: reads and updates `conversation.bot_state`."""

    def __init__(self, hub: Hub, flow: Flow, conversation: Conversation, *, reset: bool = False) -> None:
        self.hub = hub
        self.flow = flow
        self.conversation = conversation
        self.default_lang = flow.language or hub.settings.language
        raw = dict(conversation.bot_state or {})
        self.fresh = reset or raw.get("flow") != flow.name or raw.get("state") not in flow.states
        if self.fresh:
            raw = {
                "lang": raw.get("lang") or self.default_lang,
                "lang_set": bool(raw.get("lang_set")),
                "lang_typed": bool(raw.get("lang_typed")),
            }
        self.state: dict[str, Any] = {
            "flow": flow.name,
            "state": None,
            "lang": self.default_lang,
            "lang_set": False,
            "retries": 0,
            "misses": 0,
            "data": {},
            **raw,
        }
        self._client: Client | None = None

    @property
    def lang(self) -> str:
        return str(self.state["lang"])

    @property
    def author(self) -> Author:
        """The bot, named in the language it speaks now (the name is stored on each entry it writes)."""
        return Author(type=AuthorType.bot, name=pick(self.flow.bot_name, self.lang, self.default_lang))

    async def save(self) -> None:
        await set_bot_state(self.hub, self.conversation.id, self.state)

    # --- one customer message -----------------------------------------------------------------------------------

    async def handle(self, entry: TimelineEntry) -> None:
        text = entry.text.strip()
        button_id = entry.meta.get("button_id")
        button = self.flow.find_button(str(button_id), self.state["state"]) if button_id else None
        # the language the customer's side shows (the web chat widget's, Telegram's): the bot answers in it, so
        # the widget and the bot agree; a language button, or Cyrillic the customer typed, decides over it
        spoken = entry.meta.get("language")
        if spoken in LANGUAGES and not self.state["lang_set"] and not self.state.get("lang_typed"):
            self.state["lang"] = spoken
        if button is None and not self.state["lang_set"] and has_cyrillic(text):
            self.state.update(lang="ru", lang_typed=True)
        if button is None and text and matches_any(text, self.flow.handoff.keywords):
            await self.handoff(None, ("keyword", {"quote": preview(text)}))
            return
        if button is not None:
            await self.apply(button, ("button", {"quote": pick(button.text, self.lang, self.default_lang)}))
            return
        restart = self._is_restart(text)
        if self.fresh or restart:
            await self.enter(self.flow.start)
            if self.fresh and not restart and text and (faq := self._faq(text)) is not None:
                await self.say(faq)
            return
        state = self.flow.states[self.state["state"]]
        if state.capture is not None:
            await self.capture(state, text)
            return
        effect = self._typed_button(state, text) or self._rule(state, text)
        if effect is not None:
            await self.apply(effect, ("rule", {"quote": preview(text)}))
            return
        if state.faq and (answer := self._faq(text)) is not None:
            self.state["misses"] = 0
            await self.say(answer, state)
            return
        await self.miss(state)

    def _is_restart(self, text: str) -> bool:
        typed = normalize(text)
        for word in self.flow.restart:
            wanted = normalize(word)
            if typed == wanted or (wanted.startswith("/") and typed.startswith(wanted + " ")):
                return True
        return False

    def _typed_button(self, state: State, text: str) -> Effect | None:
        typed = normalize(text)
        if not typed:
            return None
        for button in state.all_buttons():
            if typed == button.id or typed in {normalize(t) for t in button.text.values()}:
                return button
        return None

    def _rule(self, state: State, text: str) -> Effect | None:
        for rule in state.on_text:
            if matches_any(text, rule.match):
                return rule
        return None

    def _faq(self, text: str) -> dict[str, str] | None:
        entry = best_match(text, [(e, e.keywords, e.questions) for e in self.flow.faq])
        return entry.answer if entry is not None else None

    async def miss(self, state: State) -> None:
        self.state["misses"] += 1
        limit = self.flow.fallback.handoff_after
        if limit and self.state["misses"] >= limit:
            await self.handoff(None, ("misses", {"n": self.state["misses"]}))
            return
        await self.say(self.flow.fallback.say or DEFAULT_TEXTS["fallback"], state)

    async def capture(self, state: State, text: str) -> None:
        cap = state.capture
        assert cap is not None
        try:
            kind, value = check_answer(cap.validate_, text, self.hub.settings.default_region)
        except InvalidAnswer:
            self.state["retries"] += 1
            if self.state["retries"] > cap.retries:
                reason: Reason = ("capture", {"quote": cap.validate_, "n": self.state["retries"]})
                if cap.on_fail is not None:
                    await self.apply(cap.on_fail, reason)
                else:
                    await self.handoff(None, reason)
                return
            await self.say(cap.error or DEFAULT_TEXTS[f"error.{cap.validate_}"], state)
            return
        key = cap.field or kind
        if key == "name":
            await self._update_client(name=value)
        else:
            await self._update_client(fields={key: value})
        if kind in ("phone", "email"):
            # a contact the customer gives is an identity: the same person writing later from that number or
            # address is the same client (one owned by another client becomes a merge suggestion, never a merge)
            await link_identity(
                self.hub, self.conversation.client_id, Identity(kind=IdentityKind(kind), value=value)
            )
        self.state["data"][key] = value
        await self.enter(cap.goto)

    # --- effects, states, actions -------------------------------------------------------------------------------

    async def apply(self, effect: Effect, reason: Reason) -> None:
        for action in effect.do:
            if "handoff" not in action.model_fields_set:
                await self.act(action)
        if effect.language is not None:
            self.state["lang"] = effect.language
            self.state["lang_set"] = True
        spec = effect.handoff_spec()
        if spec is not None:
            await self.handoff(spec, reason)
            return
        await self.enter(effect.goto or self.state["state"] or self.flow.start)

    async def enter(self, name: str, depth: int = 0) -> None:
        state = self.flow.states[name]
        self.state.update(state=name, retries=0, misses=0)
        if state.say is not None:
            await self.say(state.say, state)
        for action in state.do:
            if "handoff" in action.model_fields_set:
                spec = action.handoff or HandoffTo()
                announce = state.say is None or spec.say is not None
                await self.handoff(spec, ("state", {"quote": name}), announce=announce)
                return
            await self.act(action)
        if state.next is not None:
            if depth >= MAX_CHAIN:
                log.error("bot flow %r: more than %d states in a row through next", self.flow.name, MAX_CHAIN)
                return
            await self.enter(state.next, depth + 1)

    async def act(self, action: Action) -> None:
        if action.tag is not None:
            client = await self.client()
            await self._update_client(tags=[*client.tags, action.tag])
        elif action.untag is not None:
            client = await self.client()
            await self._update_client(tags=[t for t in client.tags if t != action.untag])
        elif action.field is not None:
            fields = {k: await self.render(v) if isinstance(v, str) else v for k, v in action.field.items()}
            await self._update_client(fields=fields)
        elif action.note is not None:
            await add_system_note(
                self.hub, self.conversation.id, await self.render(action.note), author=self.author
            )
        elif action.task is not None:
            await self._create_task(action.task)

    async def _create_task(self, spec: TaskSpec) -> None:
        """A task on the client and this conversation, for its department (the flow's hand-off one by default;
        a name no department has: logged, and the task goes to nobody in particular)."""
        name = spec.department or self.flow.handoff.department
        department = await staff_queries.department_by_name(self.hub, SYSTEM, name) if name else None
        if name and department is None:
            log.warning("bot flow %r: no department named %r for a task", self.flow.name, name)
        due = self.hub.clock() + timedelta(minutes=spec.due_in_minutes) if spec.due_in_minutes else None
        staff_lang = self.hub.settings.language
        try:
            await create_task(
                self.hub,
                None,
                title=await self.render(pick(spec.title, staff_lang, self.default_lang)),
                description=await self.render(pick(spec.description, staff_lang, self.default_lang))
                if spec.description
                else "",
                client_id=self.conversation.client_id,
                conversation_id=self.conversation.id,
                department_id=department.id if department else None,
                due_at=due,
                priority=spec.priority,
                kind="bot",
                meta={"flow": self.flow.name},
            )
        except Invalid as exc:  # a rendered title over the limit, say: the conversation goes on without it
            log.warning("bot flow %r: task not created: %s", self.flow.name, exc)

    async def handoff(self, spec: HandoffTo | None, reason: Reason, *, announce: bool = True) -> None:
        """From bot to human: say so (or that it is after hours), route to the department, leave agents a note."""
        spec = spec or HandoffTo()
        name = spec.department or self.flow.handoff.department
        department: Department | None = None
        if name:
            department = await staff_queries.department_by_name(self.hub, SYSTEM, name)
            if department is None:
                log.warning(
                    "bot flow %r: no department named %r; conversation %s stays unrouted",
                    self.flow.name,
                    name,
                    self.conversation.id,
                )
        hours = self.flow.business_hours
        now = self.hub.clock()
        closed = hours is not None and not hours.is_open(now)
        if closed:
            assert hours is not None
            await self.say(hours.closed_say or DEFAULT_TEXTS["closed"])
        elif announce:
            await self.say(spec.say or self.flow.handoff.say or DEFAULT_TEXTS["handoff"])
        self.state["handoff"] = {
            "reason": reason[0],
            "department": name,
            "closed": closed,
            "at": now.isoformat(),
        }
        await self.save()
        routed: dict[str, Any] = {"department_id": department.id} if department is not None else {}
        self.conversation = await update_conversation(
            self.hub,
            None,
            self.conversation.id,
            handler=Handler.human,
            status=ConversationStatus.open,
            **routed,
        )
        params = await self._handoff_params(reason, name, department, closed)
        note = render_handoff_note(params, self.hub.settings.language)
        meta = {"system": True, "code": HANDOFF_CODE, "params": params}
        await add_system_note(self.hub, self.conversation.id, note, author=self.author, meta=meta)

    async def _handoff_params(
        self, reason: Reason, name: str | None, department: Department | None, closed: bool
    ) -> dict[str, Any]:
        """The handoff note's code params (bots.answers.render_handoff_note): the inbox shows it in the reader's
        language; the stored text is in HUB_LANGUAGE (search, notifications)."""
        key, detail = reason
        params: dict[str, Any] = {"reason": key, **detail}
        if name and department is None:
            params["unrouted"] = name
        if self.state["data"]:
            params["captured"] = ", ".join(f"{k} {v}" for k, v in self.state["data"].items())
        if closed:
            hours = self.flow.business_hours
            assert hours is not None
            local = self.hub.clock().astimezone(hours.zone)
            params["mention"] = f"@{handle_of_name(department.name)} " if department is not None else ""
            params["callback_when"] = f"{local:%a %H:%M} {hours.timezone}"
            if hours.callback_note:
                params["note"] = await self.render(hours.callback_note)
        return params

    # --- talking ------------------------------------------------------------------------------------------------

    async def say(self, text: dict[str, str], state: State | None = None) -> None:
        body = (await self.render(pick(text, self.lang, self.default_lang))).strip()
        if not body:
            return
        rows = [
            [Button(id=b.id, text=pick(b.text, self.lang, self.default_lang)) for b in row]
            for row in (state.buttons if state is not None else [])
        ]
        meta = buttons_meta(rows) if rows else {}
        meta["bot"] = {"flow": self.flow.name, "state": self.state["state"]}
        # the language the bot speaks now: a connector that shows labels (the web chat widget) follows it
        meta["language"] = self.lang
        await send_reply(self.hub, None, self.conversation.id, body, author=self.author, meta=meta)

    async def render(self, text: str) -> str:
        """Fill {name}, {email}, {phone}, captured and client fields, {hours}; unknown ones become empty."""
        if "{" not in text:
            return text
        values: dict[str, Any] = {}
        keys = set(_PLACEHOLDER.findall(text))
        if keys - set(self.state["data"]) - {"hours"}:
            client = await self.client()
            values.update({k: v for k, v in client.fields.items() if v is not None})
            if client.name:
                values["name"] = client.name
        values.update(self.state["data"])
        if self.flow.business_hours is not None:
            values["hours"] = self.flow.business_hours.describe()
        out = _PLACEHOLDER.sub(lambda m: str(values.get(m[1], "")), text)
        if any(not str(values.get(key, "")) for key in keys):
            # "Thanks, {name}!" without a name: "Thanks!"
            out = re.sub(r"[ \t]*,[ \t]*(?=[!?.])", "", out)
            out = re.sub(r"[ \t]+(?=[!?.,])", "", out)
        return out

    async def client(self) -> Client:
        if self._client is None:
            found = await client_queries.find(self.hub, self.conversation.client_id)
            if found is None:
                raise LookupError(f"conversation {self.conversation.id} has no client")
            self._client = found
        return self._client

    async def _update_client(self, **changes: Any) -> None:
        self._client = await update_client(self.hub, None, self.conversation.client_id, **changes)
