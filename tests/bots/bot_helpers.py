"""Helpers for the bot tests: flow files in tmp dirs, a settable clock, and a chat with the bot on a `hub`."""

from __future__ import annotations

import itertools
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.engine import BotEngine
from bots.loading import load_flow_file
from hub.actions.ingest import ingest
from hub.config import Settings
from hub.context import Hub
from hub.domain import Conversation, Direction, EntryKind, Identity, IdentityKind, TimelineEntry
from hub.identities import make_identity
from hub.inbound import InboundMessage
from hub.outbound import buttons_of

# Monday 2025-03-03 10:00 in Moscow (07:00 UTC)
MONDAY_10_MSK = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)
# Saturday 2025-03-08 12:00 in Moscow
SATURDAY_NOON_MSK = datetime(2025, 3, 8, 9, 0, tzinfo=UTC)
_seq = itertools.count(1)

# a flow with a bit of everything; engine tests use it unless they need something else
FLOW = """
bot_name: Testbot
channels: [telegram, api]
start: menu
handoff:
  keywords: [operator, human, live person, оператор, человек]
  department: Support
  say: {en: "Connecting you.", ru: "Соединяю."}
fallback: {say: {en: "Sorry?", ru: "Не понял."}, handoff_after: 3}
faq:
  - keywords: [price, цена]
    questions: [how much does it cost]
    answer: {en: "Prices start at $10.", ru: "Цены от 990 ₽."}
  - keywords: [delivery, доставка]
    answer: {en: "Delivery takes 2 days.", ru: "Доставка 2 дня."}
states:
  menu:
    say: {en: "Hello! Choose:", ru: "Здравствуйте! Выберите:"}
    buttons:
      - - {id: sales, text: {en: Sales, ru: Продажи}, goto: ask_name}
        - {id: support, text: {en: Support, ru: Поддержка}, goto: support}
      - - {id: human, text: {en: Talk to a person, ru: Позвать человека}, handoff: Support}
      - - {id: lang.ru, text: Русский, language: ru}
        - {id: lang.en, text: English, language: en}
    on_text:
      - {match: [buy, купить], goto: ask_name}
  support:
    say: {en: "Ask away.", ru: "Спрашивайте."}
    buttons:
      - {id: menu, text: Menu, goto: menu}
  ask_name:
    say: {en: "Your name?", ru: "Как вас зовут?"}
    capture: {validate: name, goto: ask_email, retries: 1, error: {en: "Name, please.", ru: "Имя, пожалуйста."}}
  ask_email:
    say: "Thanks, {name}! Your email?"
    capture: {validate: email, goto: done, retries: 1, error: "Bad email.", on_fail: {goto: menu}}
  done:
    say: "Got it, {name} ({email})."
    do:
      - {tag: lead}
      - {field: {source: bot}}
      - {task: {title: {en: "Call {name} back", ru: "Перезвонить: {name}"}, department: Sales, due_in_minutes: 30,
                priority: high}}
      - {handoff: Sales}
"""


def write_flow(directory: Path, text: str, name: str = "test.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def bot_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        sqlite_path=tmp_path / "hub.db",
        secret_key="test-secret-key-" + "x" * 32,
        admin_email="admin@example.com",
        admin_password="admin-password",
        delivery_base_delay=0.05,
        files_dir=tmp_path / "files",
        bots_dir=tmp_path / "bots",
    )
    values.update(overrides)
    return Settings(**values)


class Clock:
    def __init__(self, now: datetime = MONDAY_10_MSK) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def tg(user_id: int = 100) -> Identity:
    return make_identity(IdentityKind.telegram, user_id)


class Chat:
    """One customer talking to the bot on one conversation (telegram by default)."""

    def __init__(self, hub: Hub, engine: BotEngine, *, channel: str = "telegram", user: int = 100) -> None:
        self.hub = hub
        self.engine = engine
        self.channel = channel
        self.identity = tg(user) if channel == "telegram" else make_identity(IdentityKind.api, f"u{user}")
        self.thread = f"thread-{user}"
        self.conversation_id: str | None = None
        self._seen: set[str] = set()

    async def push(self, text: str = "", *, button: str | None = None) -> None:
        """The customer's message, without waiting for the bot."""
        result = await ingest(
            self.hub,
            InboundMessage(
                channel=self.channel,
                provider_message_id=f"m{next(_seq)}",
                thread_key=self.thread,
                identities=(self.identity,),
                display_name="Customer",
                text=text,
                button_id=button,
                occurred_at=self.hub.clock(),
            ),
        )
        self.conversation_id = result.entry.conversation_id

    async def send(self, text: str = "", *, button: str | None = None) -> list[TimelineEntry]:
        """The customer's message, then what the bot said to it (outgoing messages, oldest first)."""
        await self.push(text, button=button)
        return await self.new_replies()

    async def say(self, text: str = "", *, button: str | None = None) -> list[str]:
        return [e.text for e in await self.send(text, button=button)]

    async def new_replies(self) -> list[TimelineEntry]:
        await self.engine.idle()
        return [e for e in await self.new_entries() if e.direction == Direction.outbound]

    async def new_entries(self) -> list[TimelineEntry]:
        assert self.conversation_id is not None
        page = await self.hub.store.timeline.conversation_page(self.conversation_id, limit=200)
        fresh = [e for e in sorted(page, key=lambda e: e.id) if e.id not in self._seen]
        self._seen.update(e.id for e in fresh)
        return [e for e in fresh if e.direction != Direction.inbound]

    async def notes(self) -> list[TimelineEntry]:
        assert self.conversation_id is not None
        page = await self.hub.store.timeline.conversation_page(self.conversation_id, limit=200)
        return sorted((e for e in page if e.kind == EntryKind.note), key=lambda e: e.id)

    async def conversation(self) -> Conversation:
        assert self.conversation_id is not None
        found = await self.hub.store.conversations.get(self.conversation_id)
        assert found is not None
        return found


def button_ids(entry: TimelineEntry) -> list[list[str]]:
    return [[b.id for b in row] for row in buttons_of(entry)]


def button_texts(entry: TimelineEntry) -> list[list[str]]:
    return [[b.text for b in row] for row in buttons_of(entry)]


def engine_for(hub: Hub, directory: Path, text: str = FLOW) -> BotEngine:
    flow, problems = load_flow_file(write_flow(directory, text))
    assert not problems, problems
    assert flow is not None
    engine = BotEngine(hub, [flow])
    engine.attach()
    return engine
