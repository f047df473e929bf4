"""Saved views: the inbox filters a user keeps (personal) or an admin or supervisor shares (with everyone or a
department), and their live counts. The filters are those of GET /api/v1/conversations, as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from hub.actions import views as view_actions
from hub.api import schemas
from hub.api.http import Body, Ctx, Doc
from hub.api.routes import api
from hub.api.routes.models import STAFF, Id
from hub.api.schemas import list_of, model_doc
from hub.domain_views import MAX_NAME, SavedView, ViewFilters, ViewSharing
from hub.queries import views as view_queries
from hub.representations import saved_view_json

TAG = "views"
PATH = "/api/v1/views"
VIEW = model_doc(SavedView, "SavedView")
VIEW.schema["properties"]["can_edit"] = {"type": "boolean", "description": "whether you may change it"}
VIEW_LIST = list_of(VIEW, "SavedViewList")
COUNTS = Doc(
    "SavedViewCounts",
    {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 0},
        "description": "view id -> how many conversations you may open match it",
        "title": "SavedViewCounts",
    },
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]


class ViewIn(Body):
    name: Name
    filters: ViewFilters = Field(default_factory=ViewFilters)
    shared: ViewSharing = Field(
        ViewSharing.none, description="none (yours), everyone or department: admins and supervisors share"
    )
    department_id: Id | None = Field(None, description="with shared 'department'")


class ViewPatch(Body):
    name: Name | None = None
    filters: ViewFilters | None = None
    shared: ViewSharing | None = None
    department_id: Id | None = None


def view_json(ctx: Ctx, view: SavedView) -> dict[str, Any]:
    return saved_view_json(view, view_queries.can_edit(ctx.user, view))


@api.route(
    "GET", PATH, summary="Your saved views and those shared with you", tag=TAG, auth=STAFF, response=VIEW_LIST
)
async def list_views(ctx: Ctx) -> Any:
    return {"items": [view_json(ctx, v) for v in await view_queries.visible(ctx.hub, ctx.user)]}


@api.route(
    "GET",
    PATH + "/counts",
    summary="How many conversations you may see match each of your views",
    tag=TAG,
    auth=STAFF,
    response=COUNTS,
)
async def view_counts(ctx: Ctx) -> Any:
    return await view_queries.counts(ctx.hub, ctx.user)


@api.route(
    "POST",
    PATH,
    summary="Save a view: personal, or shared with everyone or a department (admins and supervisors)",
    tag=TAG,
    auth=STAFF,
    body=ViewIn,
    status=201,
    response=VIEW,
    responses={
        403: "only admins and supervisors share views",
        404: "no such department (shared 'department')",
        409: "you keep the most saved views one user may (hub.domain_views.MAX_VIEWS_PER_OWNER)",
    },
)
async def create_view(ctx: Ctx, body: ViewIn) -> Any:
    view = await view_actions.create_view(
        ctx.hub,
        ctx.user,
        name=body.name,
        filters=body.filters,
        shared=body.shared,
        department_id=body.department_id,
    )
    return view_json(ctx, view)


@api.route(
    "PATCH",
    PATH + "/{view_id}",
    summary="Change a view (its owner; admins a shared one)",
    tag=TAG,
    auth=STAFF,
    body=ViewPatch,
    response=VIEW,
    responses={403: "you may not change it"},
)
async def patch_view(ctx: Ctx, view_id: str, body: ViewPatch) -> Any:
    changes = body.model_dump(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k == "department_id"}
    if "filters" in changes:
        changes["filters"] = body.filters
    return view_json(ctx, await view_actions.update_view(ctx.hub, ctx.user, view_id, **changes))


@api.route(
    "DELETE",
    PATH + "/{view_id}",
    summary="Delete a view (its owner; admins a shared one)",
    tag=TAG,
    auth=STAFF,
    response=schemas.OK,
    responses={403: "you may not delete it"},
)
async def delete_view(ctx: Ctx, view_id: str) -> Any:
    await view_actions.delete_view(ctx.hub, ctx.user, view_id)
    return {"ok": True}
