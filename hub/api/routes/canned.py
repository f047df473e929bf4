"""Canned replies: the ones you may use, create / change / delete them (the policy decides who may), and render one
for a conversation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from hub.actions import canned as canned_actions
from hub.api import schemas
from hub.api.http import Body, Ctx, Query
from hub.api.routes import api
from hub.api.routes.models import STAFF, Id, limit
from hub.api.schemas import list_of, model_doc, object_doc
from hub.canned_render import MAX_BODY
from hub.domain_canned import CannedLanguage, CannedResponse
from hub.queries import canned as canned_queries

TAG = "canned-responses"
PATH = "/api/v1/canned-responses"
CANNED = model_doc(CannedResponse, "CannedResponse")
CANNED.schema["properties"]["scope"] = {"type": "string", "enum": ["personal", "department", "global"]}
CANNED.schema["properties"]["can_edit"] = {"type": "boolean", "description": "whether you may change it"}
CANNED_LIST = list_of(CANNED, "CannedResponseList")
RENDERED = object_doc("RenderedCannedResponse", {"text": {"type": "string"}})

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Shortcut = Annotated[str, StringConstraints(max_length=33)]
Template = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_BODY),
    Field(
        description="Jinja2 (sandboxed): {{ client.name }}, {{ client.first_name }}, {{ agent.name }}, "
        "{{ conversation.subject }}, filters like |upper, {% if %}; no loops or calls"
    ),
]


class CannedList(Query):
    q: str = Field("", max_length=100, description="found in the title, or the start of the shortcut")
    language: CannedLanguage | None = None
    limit: int = limit(100, 200)


class CannedIn(Body):
    title: Title
    body: Template
    shortcut: Shortcut = ""
    language: CannedLanguage = CannedLanguage.ru
    scope: Literal["personal", "department", "global"] = "personal"
    department_id: Id | None = Field(None, description="with scope 'department'")


class CannedPatch(Body):
    title: Title | None = None
    body: Template | None = None
    shortcut: Shortcut | None = None
    language: CannedLanguage | None = None


class RenderIn(Body):
    conversation_id: Id


def canned_json(ctx: Ctx, reply: CannedResponse) -> dict[str, Any]:
    data = reply.model_dump(mode="json")
    data["scope"] = reply.scope
    data["can_edit"] = canned_queries.can_edit(ctx.user, reply)
    return data


@api.route(
    "GET",
    PATH,
    summary="The canned replies you may use",
    tag=TAG,
    auth=STAFF,
    query=CannedList,
    response=CANNED_LIST,
)
async def list_canned(ctx: Ctx, query: CannedList) -> Any:
    found = await canned_queries.usable(
        ctx.hub,
        ctx.user,
        q=query.q,
        language=query.language.value if query.language else None,
        limit=query.limit,
    )
    return {"items": [canned_json(ctx, r) for r in found]}


@api.route(
    "POST",
    PATH,
    summary="Keep a canned reply: personal, a department's (its supervisors, admins) or global (admins)",
    tag=TAG,
    auth=STAFF,
    body=CannedIn,
    response=CANNED,
    responses={201: "created", 409: "the shortcut is used in that scope already"},
)
async def create_canned(ctx: Ctx, body: CannedIn) -> Any:
    reply = await canned_actions.create_canned(ctx.hub, ctx.user, **body.model_dump())
    return canned_json(ctx, reply)


@api.route("GET", PATH + "/{reply_id}", summary="A canned reply", tag=TAG, auth=STAFF, response=CANNED)
async def get_canned(ctx: Ctx, reply_id: str) -> Any:
    return canned_json(ctx, await canned_queries.get(ctx.hub, ctx.user, reply_id))


@api.route(
    "PATCH",
    PATH + "/{reply_id}",
    summary="Change a canned reply",
    tag=TAG,
    auth=STAFF,
    body=CannedPatch,
    response=CANNED,
    responses={409: "the shortcut is used in that scope already"},
)
async def patch_canned(ctx: Ctx, reply_id: str, body: CannedPatch) -> Any:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return canned_json(ctx, await canned_actions.update_canned(ctx.hub, ctx.user, reply_id, **changes))


@api.route(
    "DELETE", PATH + "/{reply_id}", summary="Delete a canned reply", tag=TAG, auth=STAFF, response=schemas.OK
)
async def delete_canned(ctx: Ctx, reply_id: str) -> Any:
    await canned_actions.delete_canned(ctx.hub, ctx.user, reply_id)
    return {"ok": True}


@api.route(
    "POST",
    PATH + "/{reply_id}/render",
    summary="The reply's text for a conversation (client, agent and conversation variables filled in)",
    tag=TAG,
    auth=STAFF,
    body=RenderIn,
    response=RENDERED,
)
async def render_canned(ctx: Ctx, reply_id: str, body: RenderIn) -> Any:
    return {"text": await canned_queries.render(ctx.hub, ctx.user, reply_id, body.conversation_id)}
