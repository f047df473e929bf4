"""The bot flows this hub runs (read-only: flows are YAML files in HUB_BOTS_DIR, loaded at start-up)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hub.api.http import Ctx
from hub.api.routes import api
from hub.api.schemas import list_of, object_doc
from hub.domain import Role
from hub.domain_bots import BotFlowSummary
from hub.queries import bots as bot_queries

SUPERVISORS = frozenset({Role.admin, Role.supervisor})
_TEXTS = {"type": "array", "items": {"type": "string"}}
_TEXT_OR_NULL = {"anyOf": [{"type": "string"}, {"type": "null"}]}
BOT_FLOW = object_doc(
    "BotFlow",
    {
        "name": {"type": "string"},
        "bot_name": {
            "type": "string",
            "description": 'the author name of its messages (per language: "en / ru")',
        },
        "channels": {**_TEXTS, "description": "new conversations on these channels start with this flow"},
        "language": {**_TEXT_OR_NULL, "description": "en | ru; null: the hub's HUB_LANGUAGE"},
        "handoff_department": {**_TEXT_OR_NULL, "description": "where 'talk to a person' goes (by name)"},
        "departments": {**_TEXTS, "description": "every department the flow hands off to"},
        "states": {"type": "integer", "minimum": 1},
        "faq": {"type": "integer", "minimum": 0, "description": "FAQ entries"},
        "start": {"type": "string", "description": "the first state"},
        "business_hours": {"type": "boolean", "description": "the flow has business hours"},
        "keywords": {**_TEXTS, "description": "the words that mean 'talk to a person'"},
    },
)
BOT_FLOWS = list_of(BOT_FLOW, "BotFlowList")


def bot_flow_json(flow: BotFlowSummary) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(flow).items()}


@api.route(
    "GET",
    "/api/v1/bots",
    summary="The bot flows this hub runs: channels, language, hand-off department, states (admins, supervisors)",
    tag="bots",
    auth=SUPERVISORS,
    response=BOT_FLOWS,
)
async def list_bots(ctx: Ctx) -> Any:
    return {"items": [bot_flow_json(flow) for flow in bot_queries.flows(ctx.hub, ctx.user)]}
