"""Service: the liveness probe (the one route that asks the store itself: it checks that the store answers)."""

from __future__ import annotations

from typing import Any

from hub.api import schemas
from hub.api.http import PUBLIC, Ctx, json_response
from hub.api.routes import api


@api.route(
    "GET",
    "/healthz",
    summary="Liveness and store health",
    tag="service",
    auth=PUBLIC,
    response=schemas.HEALTH,
    responses={503: ("the store does not answer", schemas.HEALTH)},
)
async def healthz(ctx: Ctx) -> Any:
    store = ctx.hub.store
    try:
        await store.users.count()
    except Exception as exc:
        return json_response(
            {"status": "unhealthy", "store": store.name, "error": str(exc)[:200]}, status=503
        )
    return json_response({"status": "ok", "store": store.name, "channels": ctx.hub.channels.channels})
