"""SLA: the policies in force and the breach counts of the reports."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from hub.actions import sla_policies as sla_policy_actions
from hub.api.http import Body, Ctx, Query
from hub.api.routes import api
from hub.api.routes.models import ADMINS, STAFF, Id, IsoDatetime
from hub.api.schemas import object_doc
from hub.domain import Role
from hub.queries import sla as sla_queries

TAG = "sla"
SUPERVISORS = frozenset({Role.admin, Role.supervisor})

POLICIES = object_doc(
    "SlaPolicies",
    {
        "business_hours": {"type": "object", "description": "timezone and weekly open hours (absent: none)"},
        "policies": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "name, department, priority, first_response_minutes, resolution_minutes, "
                "warning_minutes, hours",
            },
        },
    },
)
POLICIES.schema["properties"] |= {
    "source": {
        "enum": ["file", "store"],
        "description": "admins and supervisors: where the policies come from",
    },
    "yaml": {
        "type": "string",
        "description": "admins and supervisors: the policies as YAML, to edit and PUT",
    },
}
POLICIES.schema["required"] = ["policies"]
BREACHES = object_doc(
    "SlaBreachCounts",
    {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["department_id", "department", "kind", "count"],
                "properties": {
                    "department_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "department": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "kind": {"enum": ["first_response", "resolution"]},
                    "count": {"type": "integer", "minimum": 1},
                },
            },
        },
        "total": {"type": "integer", "minimum": 0},
    },
)


def _blank_is_absent(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class BreachQuery(Query):
    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: Any) -> Any:
        """`?department=&since=` (a form's empty fields) means no such filter."""
        if isinstance(data, dict):
            return {k: _blank_is_absent(v) for k, v in data.items()}
        return data

    department: Id | None = Field(None, description="only this department's breaches (a department id)")
    since: IsoDatetime | None = Field(
        None, description="breaches at or after this time, e.g. 2026-01-01T00:00:00Z"
    )
    until: IsoDatetime | None = Field(None, description="breaches before this time")


@api.route(
    "GET", "/api/v1/sla/policies", summary="The SLA policies in force", tag=TAG, auth=STAFF, response=POLICIES
)
async def sla_policies(ctx: Ctx) -> Any:
    return await sla_queries.policies_for_reader(ctx.hub, ctx.user)


class PoliciesIn(Body):
    """The whole policy set as YAML, in the format of config/sla.yaml (see hub.sla)."""

    yaml: str = Field(max_length=200_000, description="the policies as YAML")


@api.route(
    "PUT",
    "/api/v1/sla/policies",
    summary="Replace the SLA policies (admins): YAML validated like the file (problems as details [{line, message}])",
    description="The new policies apply to the clocks started or recomputed after the change; running due times "
    "stay. Every hub process takes them within a few seconds.",
    tag=TAG,
    auth=ADMINS,
    body=PoliciesIn,
    response=POLICIES,
)
async def put_sla_policies(ctx: Ctx, body: PoliciesIn) -> Any:
    await sla_policy_actions.save_policies_text(ctx.hub, ctx.user, body.yaml)
    return sla_queries.policies(ctx.hub, ctx.user) | await sla_queries.policies_text(ctx.hub, ctx.user)


@api.route(
    "GET",
    "/api/v1/sla/breaches",
    summary="SLA breaches counted per department and kind (first_response, resolution)",
    tag=TAG,
    auth=SUPERVISORS,
    query=BreachQuery,
    response=BREACHES,
    responses={404: "no such department"},
)
async def sla_breaches(ctx: Ctx, query: BreachQuery) -> Any:
    items = await sla_queries.breaches(
        ctx.hub, ctx.user, department_id=query.department, since=query.since, until=query.until
    )
    return {"items": items, "total": sum(i["count"] for i in items)}
