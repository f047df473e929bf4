"""Fixtures for the bot tests. `store`, `hub` and `settings` come from tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from bot_helpers import FLOW, Chat, Clock, engine_for

from bots.engine import BotEngine
from hub.context import Hub


@pytest.fixture
def clock(hub: Hub) -> Clock:
    """A fixed clock on the hub: Monday 10:00 in Moscow."""
    fixed = Clock()
    hub.clock = fixed
    return fixed


@pytest.fixture
async def make_engine(hub: Hub, clock: Clock, tmp_path) -> AsyncIterator[Callable[..., BotEngine]]:
    """Builds a bot engine on `hub` from a flow text (the test flow by default); stopped after the test."""
    engines: list[BotEngine] = []

    def make(text: str = FLOW) -> BotEngine:
        engine = engine_for(hub, tmp_path / f"flows{len(engines)}", text)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.close()


@pytest.fixture
def engine(make_engine) -> BotEngine:
    return make_engine()


@pytest.fixture
def chat(hub: Hub, engine: BotEngine) -> Chat:
    return Chat(hub, engine)
