"""REST API v1: logging in and out, who am I.

Logging in is what anyone on the internet can try, and each try costs an argon2 verification: they run off the
event loop (hub.auth.password_workers, 503 `busy` when too many wait), and failures are throttled per account and
per client address (429 `too_many_attempts` with Retry-After; hub.throttle). Logging out ends every session of the
user (token_version bump), not just the cookie.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Annotated

from aiohttp import web
from pydantic import StringConstraints

from hub.actions import staff
from hub.api.http import (
    SESSION_COOKIE,
    ApiError,
    bearer_token,
    current_user,
    error_response,
    hub_of,
    json_response,
    parse_body,
    user_from_token,
)
from hub.api.routes import Body, api
from hub.auth import Busy
from hub.config import Settings
from hub.representations import user_json
from hub.throttle import LoginThrottle, TrustedProxies

BUSY_RETRY_SECONDS = 1


@dataclass
class LoginGuard:
    throttle: LoginThrottle
    proxies: TrustedProxies

    @classmethod
    def of(cls, settings: Settings) -> LoginGuard:
        return cls(
            LoginThrottle(
                settings.login_failures_per_account,
                settings.login_failures_per_address,
                settings.login_failure_window_seconds,
            ),
            TrustedProxies(settings.trusted_proxies),
        )


# one guard per application (per hub); an application is frozen once it runs, so it is kept beside it
_guards: weakref.WeakKeyDictionary[web.Application, LoginGuard] = weakref.WeakKeyDictionary()


def login_guard(request: web.Request) -> LoginGuard:
    guard = _guards.get(request.app)
    if guard is None:
        guard = _guards[request.app] = LoginGuard.of(hub_of(request).settings)
    return guard


def client_address(request: web.Request) -> str:
    return login_guard(request).proxies.client(request.remote, request.headers.get("X-Forwarded-For"))


def _refusal(status: int, code: str, message: str, retry_after: int) -> web.Response:
    response = error_response(status, code, message)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _cookie_is_secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


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
    responses={
        200: "token and user",
        401: "wrong email or password",
        429: "too many failed logins for this account or from this address (see Retry-After)",
        503: "too many logins are being checked at once (see Retry-After)",
    },
)
async def login(request: web.Request) -> web.Response:
    hub = hub_of(request)
    body = await parse_body(request, LoginIn)
    guard = login_guard(request)
    account, address = body.email.lower(), client_address(request)
    wait = guard.throttle.begin(account, address)
    if wait:
        return _refusal(
            429, "too_many_attempts", f"too many failed logins: try again in {wait} seconds", wait
        )
    try:
        user = await staff.authenticate(hub, body.email, body.password)
    except Busy:
        guard.throttle.cancelled(account, address)
        return _refusal(503, "busy", "too many logins at once: try again in a moment", BUSY_RETRY_SECONDS)
    if user is None:
        raise ApiError(401, "invalid_credentials", "wrong email or password")
    guard.throttle.succeeded(account, address)
    token = hub.tokens.issue(user)
    response = json_response({"token": token, "user": user_json(user)})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=hub.tokens.ttl_seconds,
        httponly=True,
        samesite="Strict",
        path="/",
        secure=_cookie_is_secure(hub.settings),
    )
    return response


@api.route(
    "POST",
    "/api/v1/auth/logout",
    summary="Log out: every token of the user stops working, and the session cookie is cleared",
    auth=False,
    tag="auth",
    responses={200: "logged out (also without a valid token: the cookie is cleared all the same)"},
)
async def logout(request: web.Request) -> web.Response:
    hub = hub_of(request)
    user = await user_from_token(hub, bearer_token(request))
    if user is not None:
        await staff.end_sessions(hub, user)
    response = json_response({"ok": True})
    response.del_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="Strict", secure=_cookie_is_secure(hub.settings)
    )
    return response


@api.route("GET", "/api/v1/me", summary="The logged-in user", tag="auth")
async def me(request: web.Request) -> web.Response:
    return json_response({"user": user_json(await current_user(request))})
