"""Reading the bot flows this hub runs (the summaries the composition root handed over): admins and supervisors."""

from __future__ import annotations

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain_bots import BotFlowSummary


def flows(hub: Hub, actor: Actor) -> list[BotFlowSummary]:
    access.require(access.can_view_bot_flows(actor), "only admins and supervisors see the bot flows")
    return sorted(hub.bot_flows, key=lambda f: f.name.casefold())
