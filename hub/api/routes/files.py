"""Files: an attachment is served through its timeline entry, so the entry's visibility decides who gets it."""

from __future__ import annotations

from aiohttp import web

from hub.api import schemas
from hub.api.http import Ctx
from hub.api.routes import api
from hub.queries import entries as entry_queries


@api.route(
    "GET",
    "/api/v1/entries/{entry_id}/files/{key}",
    summary="An attachment of a timeline entry (served to those who may see the entry)",
    tag="clients",
    response=schemas.FILE,
)
async def get_file(ctx: Ctx, entry_id: str, key: str) -> web.StreamResponse:
    path = await entry_queries.attachment(ctx.hub, ctx.user, entry_id, key)
    return web.FileResponse(
        path, headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"}
    )
