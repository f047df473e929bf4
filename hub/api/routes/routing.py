"""Routing rules (admins edit them; the file is the default) and the assignment queues (supervisors watch them)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from hub.actions import routing as routing_actions
from hub.api.http import Body, Ctx, Doc
from hub.api.routes import api
from hub.api.routes.models import ADMINS
from hub.domain import Role
from hub.queries import routing as routing_queries

TAG = "routing"
SUPERVISORS = frozenset({Role.admin, Role.supervisor})

RULES = Doc(
    "RoutingRules",
    {
        "type": "object",
        "required": ["source", "rules"],
        "properties": {
            "source": {"enum": ["file", "store", "none"], "description": "where the active rules come from"},
            "business_hours": {"anyOf": [{"type": "object"}, {"type": "null"}]},
            "rules": {"type": "array", "items": {"type": "object"}},
            "yaml": {"type": "string", "description": "the rules as YAML text, to edit and PUT back"},
        },
    },
)
QUEUES = Doc(
    "AssignmentQueues",
    {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"type": "object"}}},
    },
)


class RulesIn(Body):
    """The whole rule set, in the format of config/routing.yaml (see hub.routing): as JSON (`business_hours`,
    `rules`) or as the YAML text (`yaml`, alone; its problems come back as `details: [{line, message}]`)."""

    business_hours: dict[str, Any] | None = None
    rules: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
    yaml: str | None = Field(
        None, max_length=200_000, description="the rules as YAML (instead of the others)"
    )

    @model_validator(mode="after")
    def _one_form(self) -> RulesIn:
        if self.yaml is not None and (self.rules or self.business_hours is not None):
            raise ValueError("give the rules either as yaml or as business_hours and rules, not both")
        return self


@api.route(
    "GET",
    "/api/v1/routing-rules",
    summary="The active routing rules",
    tag=TAG,
    auth=SUPERVISORS,
    response=RULES,
)
async def get_rules(ctx: Ctx) -> Any:
    return await routing_queries.rules(ctx.hub, ctx.user)


@api.route(
    "PUT",
    "/api/v1/routing-rules",
    summary="Replace the routing rules (admins); validated like the file, stored as the active set",
    tag=TAG,
    auth=ADMINS,
    body=RulesIn,
    response=RULES,
)
async def put_rules(ctx: Ctx, body: RulesIn) -> Any:
    if body.yaml is not None:
        await routing_actions.save_rules_text(ctx.hub, ctx.user, body.yaml)
    else:
        await routing_actions.save_rules(ctx.hub, ctx.user, body.model_dump(exclude_none=True))
    return await routing_queries.rules(ctx.hub, ctx.user)


@api.route(
    "GET",
    "/api/v1/assignment/queues",
    summary="Per department: policy, waiting conversations (oldest first), agents' loads",
    tag=TAG,
    auth=SUPERVISORS,
    response=QUEUES,
)
async def get_queues(ctx: Ctx) -> Any:
    return {"items": await routing_queries.queues(ctx.hub, ctx.user)}
