"""Channel-agnostic bot engine: flows are data (config/bots/*.yaml, format in bots/flow.py); the engine answers
bot-handled conversations through hub actions and hands them to humans. Wired in by hub.app: install() and check().
"""

from __future__ import annotations

import logging

from aiohttp import web

from bots.engine import BotEngine
from bots.flow import Flow
from bots.loading import FlowConfigError, load_flow_file, load_flows
from bots.summary import summarize
from hub.api.http import ApiRoutes
from hub.config import Settings
from hub.context import Hub

__all__ = [
    "ENGINE_KEY",
    "BotEngine",
    "Flow",
    "FlowConfigError",
    "check",
    "install",
    "load_flow_file",
    "load_flows",
    "summarize",
]

log = logging.getLogger(__name__)

ENGINE_KEY = web.AppKey("bot_engine", BotEngine)


def install(app: web.Application, hub: Hub, routes: ApiRoutes) -> list[Flow]:
    """Load the flows in settings.bots_dir and start answering; returns the flows. Raises FlowConfigError (every
    problem, as "file:line: reason") when a flow file is wrong; no directory or no flow: nothing happens."""
    flows, problems = load_flows(hub.settings.bots_dir)
    if problems:
        raise FlowConfigError(problems)
    if not flows:
        return []
    engine = BotEngine(hub, flows)
    engine.attach()
    app[ENGINE_KEY] = engine
    for flow in flows:
        log.info("bot flow %r answers on %s", flow.name, ", ".join(flow.channels) or "no channel")

    async def startup(_app: web.Application) -> None:
        await engine.missing_departments()

    async def shutdown(_app: web.Application) -> None:
        await engine.close()

    app.on_startup.append(startup)
    app.on_shutdown.append(shutdown)
    return flows


def check(settings: Settings) -> list[str]:
    """Problems with the bot flows (file, line, reason), for `hub check` and start-up."""
    return load_flows(settings.bots_dir)[1]
