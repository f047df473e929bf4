"""The route declaration is enforced before the handler runs: auth (401, then 403 for a role), query model (400),
body model (415/400), path parameters as arguments; plain `handler(request)` routes keep working. A small app on
the running hub's services, with routes declared only here."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from api_helpers import Api, new_user
from pydantic import Field
from support import start_app

from hub.api.http import HUB_KEY, ApiRoutes, Body, Ctx, Query, current_user, error_middleware, json_response
from hub.api.openapi import openapi_document


class Paging(Query):
    limit: int = Field(10, ge=1, le=20)


class Thing(Body):
    name: str = Field(min_length=1)


def declare() -> ApiRoutes:
    routes = ApiRoutes()

    @routes.route(
        "POST",
        "/api/v1/things/{thing_id}",
        summary="typed",
        auth={"admin"},
        body=Thing,
        query=Paging,
        status=201,
    )
    async def make_thing(ctx: Ctx, thing_id: str, body: Thing, query: Paging) -> Any:
        return {"thing": thing_id, "name": body.name, "limit": query.limit, "by": ctx.user.id}

    @routes.route("GET", "/api/v1/plain", summary="plain, the old way")
    async def plain(request: web.Request) -> web.Response:
        return json_response({"by": (await current_user(request)).id})

    @routes.route("GET", "/api/v1/open", summary="public", auth=None)
    async def public(ctx: Ctx) -> Any:
        return {"caller": ctx.caller.id if ctx.caller else None}

    return routes


@pytest.fixture
async def declared(sqlite_server, sqlite_admin):
    app = web.Application(middlewares=[error_middleware])
    app[HUB_KEY] = sqlite_server.hub
    declare().install(app)
    runner, url = await start_app(app)
    agent = await new_user(sqlite_admin, "agent")
    try:
        yield (
            Api(url, sqlite_admin.http, sqlite_admin.headers, sqlite_admin.user),
            Api(url, agent.http, agent.headers, agent.user),
        )
    finally:
        await runner.cleanup()


async def test_auth_comes_first_then_the_role_then_query_and_body(declared):
    admin, agent = declared
    path = "/api/v1/things/t1"
    (await admin.post(path, {"nonsense": 1}, auth=False, params={"limit": "x"})).error(401, "unauthorized")
    (await admin.post(path, {"name": "x"}, headers={"Authorization": "Bearer forged"})).error(401)
    (await agent.post(path, {"nonsense": 1}, params={"limit": "x"})).error(403, "forbidden")
    error = (await admin.post(path, {"name": "x"}, params={"limit": "21"})).error(400, "invalid")
    assert error["details"][0]["field"] == "limit"
    error = (await admin.post(path, {"name": ""})).error(400, "invalid")
    assert error["details"][0]["field"] == "name"
    (await admin.post(path, {"name": "x", "extra": 1})).error(400, "invalid")
    (await admin.post(path, data=b"name=x", headers={"Content-Type": "text/plain"})).error(415)
    made = await admin.ok("POST", path, {"name": "x"}, params={"limit": "5"}, status=201)
    assert made == {"thing": "t1", "name": "x", "limit": 5, "by": admin.user["id"]}
    assert (await admin.ok("POST", path, {"name": "x"}, params={"limit": ""}, status=201))["limit"] == 10


async def test_plain_handlers_are_guarded_by_their_declaration_too(declared):
    admin, agent = declared
    (await admin.get("/api/v1/plain", auth=False)).error(401, "unauthorized")
    assert (await agent.ok("GET", "/api/v1/plain")) == {"by": agent.user["id"]}
    assert (await admin.ok("GET", "/api/v1/open", auth=False)) == {"caller": None}


def test_the_document_follows_the_declarations():
    document = openapi_document(declare())
    typed = document["paths"]["/api/v1/things/{thing_id}"]["post"]
    assert set(typed["responses"]) == {"201", "400", "401", "403", "404", "413", "415"}
    assert [p["name"] for p in typed["parameters"]] == ["thing_id", "limit"]
    assert "Roles: admin" in typed["description"]
    assert set(document["paths"]["/api/v1/plain"]["get"]["responses"]) == {"200", "401", "403"}
    assert set(document["paths"]["/api/v1/open"]["get"]["responses"]) == {"200"}


def test_a_handler_must_take_exactly_what_it_declares():
    routes = ApiRoutes()
    with pytest.raises(TypeError, match="must take"):

        @routes.route("GET", "/api/v1/x/{x_id}", summary="x")
        async def wrong(ctx: Ctx, y_id: str) -> Any:
            return {}

    with pytest.raises(TypeError, match="must take"):

        @routes.route("POST", "/api/v1/x", summary="x", body=Thing)
        async def no_body(ctx: Ctx) -> Any:
            return {}

    with pytest.raises(ValueError, match="nobody"):
        routes.route("GET", "/api/v1/x", summary="x", auth=set())
