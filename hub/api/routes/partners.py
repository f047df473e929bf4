"""Partner organisations and their grants (admins create organisations; admins and supervisors grant and revoke)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, StringConstraints

from hub.actions import partners as partner_actions
from hub.api import schemas
from hub.api.http import Body, Ctx
from hub.api.routes import api
from hub.api.routes.models import ADMINS, Id, items_json
from hub.domain import Role
from hub.domain_partners import Grant, Partner
from hub.queries import partners as partner_queries
from hub.representations import grant_json, partner_json

TAG = "partners"
GRANTORS = frozenset({Role.admin, Role.supervisor})
PARTNER_DOC = schemas.model_doc(Partner)
GRANT_DOC = schemas.model_doc(Grant)
PARTNER_LIST = schemas.list_of(PARTNER_DOC, "PartnerList")
GRANT_LIST = schemas.list_of(GRANT_DOC, "GrantList")

FieldName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class PartnerIn(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    redacted_fields: list[FieldName] = Field(default_factory=list, max_length=50)


class PartnerPatch(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    redacted_fields: list[FieldName] | None = Field(None, max_length=50)


class RuleIn(Body):
    tag: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    field: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    value: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    brought_by: StrictBool | None = None


class GrantIn(Body):
    client_id: Id | None = None
    conversation_id: Id | None = None
    rule: RuleIn | None = None
    can_reply: StrictBool = False


PARTNER = "/api/v1/partners/{partner_id}"


@api.route(
    "POST",
    "/api/v1/partners",
    summary="Add a partner organisation (admins)",
    tag=TAG,
    auth=ADMINS,
    body=PartnerIn,
    status=201,
    response=PARTNER_DOC,
)
async def create_partner(ctx: Ctx, body: PartnerIn) -> Any:
    partner = await partner_actions.create_partner(
        ctx.hub, ctx.user, name=body.name, redacted_fields=body.redacted_fields
    )
    return partner_json(partner)


@api.route(
    "GET", "/api/v1/partners", summary="Partner organisations", tag=TAG, auth=GRANTORS, response=PARTNER_LIST
)
async def list_partners(ctx: Ctx) -> Any:
    return items_json(await partner_queries.partners(ctx.hub, ctx.user), partner_json)


@api.route("GET", PARTNER, summary="A partner organisation", tag=TAG, auth=GRANTORS, response=PARTNER_DOC)
async def get_partner(ctx: Ctx, partner_id: str) -> Any:
    return partner_json(await partner_queries.partner(ctx.hub, ctx.user, partner_id))


@api.route(
    "PATCH",
    PARTNER,
    summary="Rename an organisation, change its redacted fields (admins)",
    tag=TAG,
    auth=ADMINS,
    body=PartnerPatch,
    response=PARTNER_DOC,
)
async def patch_partner(ctx: Ctx, partner_id: str, body: PartnerPatch) -> Any:
    partner = await partner_actions.update_partner(
        ctx.hub, ctx.user, partner_id, name=body.name, redacted_fields=body.redacted_fields
    )
    return partner_json(partner)


@api.route(
    "GET",
    f"{PARTNER}/grants",
    summary="What an organisation is granted",
    tag=TAG,
    auth=GRANTORS,
    response=GRANT_LIST,
)
async def list_grants(ctx: Ctx, partner_id: str) -> Any:
    return items_json(await partner_queries.grants(ctx.hub, ctx.user, partner_id), grant_json)


@api.route(
    "POST",
    f"{PARTNER}/grants",
    summary='Share a client, a conversation or a rule ({"tag"}, {"field", "value"}, {"brought_by": true})',
    tag=TAG,
    auth=GRANTORS,
    body=GrantIn,
    status=201,
    response=GRANT_DOC,
)
async def create_grant(ctx: Ctx, partner_id: str, body: GrantIn) -> Any:
    rule = body.rule.model_dump(exclude_none=True) if body.rule is not None else None
    grant, _created = await partner_actions.grant(
        ctx.hub,
        ctx.user,
        partner_id,
        client_id=body.client_id,
        conversation_id=body.conversation_id,
        rule=rule,
        can_reply=body.can_reply,
    )
    return grant_json(grant)


@api.route(
    "DELETE",
    f"{PARTNER}/grants/{{grant_id}}",
    summary="Revoke a grant: at once the organisation's users get 404 and no more pushes",
    tag=TAG,
    auth=GRANTORS,
    response=schemas.OK,
)
async def revoke_grant(ctx: Ctx, partner_id: str, grant_id: str) -> Any:
    await partner_actions.revoke(ctx.hub, ctx.user, partner_id, grant_id)
    return {"ok": True}
