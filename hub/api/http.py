"""HTTP plumbing shared by every route: JSON errors, authentication, body parsing, the route table.

Routes are declared once with `ApiRoutes.route(...)`: that declaration registers the aiohttp handler and feeds the
OpenAPI document, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub.auth import InvalidToken
from hub.context import Hub
from hub.domain import User
from hub.errors import Conflict, Forbidden, HubError, Invalid, NotFound

log = logging.getLogger(__name__)

HUB_KEY = web.AppKey("hub", Hub)
USER_KEY = web.RequestKey("user", User)
SESSION_COOKIE = "hub_session"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
M = TypeVar("M", bound=BaseModel)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def error_response(status: int, code: str, message: str, details: Any = None) -> web.Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return json_response(body, status=status)


class ApiError(Exception):
    """An HTTP error a handler raises; the error middleware turns it into the JSON error body."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


_STATUS_OF: dict[type[HubError], int] = {NotFound: 404, Invalid: 400, Conflict: 409}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a JSON error: 4xx for the caller's mistakes, 500 (logged) for ours."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.details)
    except HubError as exc:
        return error_response(_STATUS_OF.get(type(exc), 400), exc.code, exc.message)
    except Forbidden as exc:
        return error_response(403, "forbidden", str(exc) or "not allowed")
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith(("/api/", "/webhooks/")):
            raise
        code = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status, "http_error"
        )
        return error_response(exc.status, code, exc.reason if exc.text is None else _plain(exc))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "internal error; it has been logged")


def _plain(exc: web.HTTPException) -> str:
    text = exc.text or exc.reason
    return text.removeprefix(f"{exc.status}: ")


# --- request helpers ----------------------------------------------------------------------------------------------


async def parse_body(request: web.Request, model: type[M]) -> M:
    """The request's JSON body validated into `model`; 400 with the reasons otherwise, 413 when too large."""
    if request.content_type not in ("application/json", "") and not request.content_type.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = await request.read()
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # '[[[[...' nested deeper than the parser's recursion limit
        raise ApiError(400, "malformed_json", "the body is nested too deeply") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid", "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
        first = details[0]
        raise ApiError(400, "invalid", f"{first['field'] or 'body'}: {first['message']}", details) from exc


def query_int(request: web.Request, name: str, default: int, *, lo: int = 1, hi: int = 200) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, "invalid", f"{name} must be a whole number") from exc
    if not lo <= value <= hi:
        raise ApiError(400, "invalid", f"{name} must be between {lo} and {hi}")
    return value


def hub_of(request: web.Request) -> Hub:
    return request.app[HUB_KEY]


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


async def user_from_token(hub: Hub, token: str | None) -> User | None:
    if not token:
        return None
    try:
        claims = hub.tokens.verify(token)
    except InvalidToken:
        return None
    user = await hub.store.users.get(claims.user_id)
    if user is None or not user.active or user.token_version != claims.version:
        return None
    return user


async def current_user(request: web.Request) -> User:
    user = request.get(USER_KEY)
    if user is not None:
        return user
    user = await user_from_token(hub_of(request), bearer_token(request))
    if user is None:
        raise ApiError(401, "unauthorized", "log in first: send 'Authorization: Bearer <token>'")
    request[USER_KEY] = user
    return user


# --- route table --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str = ""
    type: str = "string"


@dataclass
class RouteSpec:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None = None
    auth: bool = True
    query: tuple[QueryParam, ...] = ()
    tag: str = ""
    responses: dict[int, str] = field(default_factory=dict)


class ApiRoutes:
    def __init__(self) -> None:
        self.specs: list[RouteSpec] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        auth: bool = True,
        query: tuple[QueryParam, ...] = (),
        tag: str = "",
        responses: dict[int, str] | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.specs.append(
                RouteSpec(method, path, handler, summary, body, auth, query, tag, dict(responses or {}))
            )
            return handler

        return register

    def install(self, app: web.Application) -> None:
        for spec in self.specs:
            app.router.add_route(spec.method, spec.path, spec.handler)
