"""REST API v1: logging in and out, who am I."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import StringConstraints

from hub.actions import staff
from hub.api.http import SESSION_COOKIE, ApiError, current_user, hub_of, json_response, parse_body
from hub.api.routes import Body, api
from hub.representations import user_json

# --- auth ---------------------------------------------------------------------------------------------------------


class LoginIn(Body):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


@api.route(
    "POST",
    "/api/v1/auth/login",
    summary="Log in: a bearer token (and a session cookie)",
    body=LoginIn,
    auth=False,
    tag="auth",
    responses={200: "token and user", 401: "wrong email or password"},
)
async def login(request: web.Request) -> web.Response:
    hub = hub_of(request)
    body = await parse_body(request, LoginIn)
    user = await staff.authenticate(hub, body.email, body.password)
    if user is None:
        raise ApiError(401, "invalid_credentials", "wrong email or password")
    token = hub.tokens.issue(user)
    response = json_response({"token": token, "user": user_json(user)})
    response.set_cookie(
        SESSION_COOKIE, token, max_age=hub.tokens.ttl_seconds, httponly=True, samesite="Strict", path="/"
    )
    return response


@api.route("POST", "/api/v1/auth/logout", summary="Forget the session cookie", auth=False, tag="auth")
async def logout(request: web.Request) -> web.Response:
    response = json_response({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@api.route("GET", "/api/v1/me", summary="The logged-in user", tag="auth")
async def me(request: web.Request) -> web.Response:
    return json_response({"user": user_json(await current_user(request))})
