"""HTTP plumbing shared by every route: JSON errors, authentication, body and query parsing, the route table.

Routes are declared once with `ApiRoutes.route(...)`. The declaration registers the aiohttp handler, feeds the
OpenAPI document (hub.api.openapi) and is enforced before the handler runs: who may call (401/403), the path
parameters, the query parameters (a pydantic model, 400), the body (a pydantic model, 400/413/415). A typed handler
then gets what it declared as arguments and only calls a query or an action and shapes the answer:

    @api.route("GET", "/api/v1/conversations/{conversation_id}", summary="A conversation", response=CONVERSATION)
    async def get_conversation(ctx: Ctx, conversation_id: str) -> Any:
        return conversation_json(await conversation_queries.get(ctx.hub, ctx.user, conversation_id))

A handler whose only parameter is `request` is a plain aiohttp handler (the old way, still used by connectors and
hub.api.routes_auth): the declaration still enforces `auth` for it, documents it, and the handler parses the rest.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError, WithJsonSchema

from hub.auth import InvalidToken
from hub.context import Hub
from hub.domain import Role, User
from hub.errors import Conflict, Forbidden, HubError, Invalid, NotFound
from hub.store.port import Cursor

log = logging.getLogger(__name__)

HUB_KEY = web.AppKey("hub", Hub)
USER_KEY = web.RequestKey("user", User)
SESSION_COOKIE = "hub_session"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
M = TypeVar("M", bound=BaseModel)


_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}  # (copied by each response)


def json_response(data: Any, status: int = 200) -> web.Response:
    # the header given whole: aiohttp builds it from content_type= and charset= at each call (~1 µs)
    return web.Response(body=_dumps(data), status=status, headers=_JSON_HEADERS)


def _dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON: orjson (issue #13: ~4x faster than json.dumps for the REST answers), json.dumps for
    what orjson refuses (an int beyond 64 bits, a key that is not a string)."""
    try:
        return orjson.dumps(data)
    except TypeError:  # (orjson.JSONEncodeError is one)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


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
        status = next((code for kind, code in _STATUS_OF.items() if isinstance(exc, kind)), 400)
        details = getattr(exc, "details", None)
        return error_response(status, exc.code, exc.message, details)
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
    """The request's JSON body validated into `model`; 400 with the reasons otherwise, 413 when too large. A model
    with an async classmethod `from_multipart(request)` also takes multipart/form-data (a reply with files)."""
    content_type = request.content_type  # (parsed from the header at each access)
    if content_type == "multipart/form-data" and hasattr(model, "from_multipart"):
        return await model.from_multipart(request)  # type: ignore[attr-defined, no-any-return]
    if content_type not in ("application/json", "") and not content_type.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = await request.read()
    if raw:
        try:  # parsed and validated in one pass by pydantic (issue #13: ~2% of an ingest's CPU)
            return model.model_validate_json(raw)
        except ValidationError:
            pass  # the answer for a bad body, exactly as the steps below give it
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
        raise _invalid(exc, "body") from exc


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string validated into `model`; 400 naming the parameter otherwise. An empty value counts as
    absent (`?status=` is no filter); of a repeated parameter the last value counts."""
    data: dict[str, str] = {}
    for name in model.model_fields:
        values = request.query.getall(name, [])
        if values and values[-1] != "":
            data[name] = values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, "query") from exc


def _invalid(exc: ValidationError, where: str) -> ApiError:
    details = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_url=False)
    ]
    first = details[0]
    return ApiError(400, "invalid", f"{first['field'] or where}: {first['message']}", details)


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
    user = await hub.directory.user(hub.store, claims.user_id)
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


# --- query and body models ---------------------------------------------------------------------------------------


class Body(BaseModel):
    """A request body: unknown fields are refused (and the document says `additionalProperties: false`)."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query parameters: every field is one optional parameter; unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore")


def _decode_cursor(value: Any) -> Cursor:
    if isinstance(value, Cursor):
        return value
    if not isinstance(value, str):
        raise ValueError("cursor is not one this API gave out")
    try:
        return Cursor.decode(value)
    except (ValueError, OverflowError) as exc:
        raise ValueError("cursor is not one this API gave out") from exc


CursorParam = Annotated[
    Cursor,
    PlainValidator(_decode_cursor),
    WithJsonSchema({"type": "string", "description": "the `next_cursor` of the previous page"}),
]


# --- route table --------------------------------------------------------------------------------------------------

Auth = Literal["user"] | frozenset[Role] | None
ANY_USER: Auth = "user"
PUBLIC: Auth = None


@dataclass(frozen=True)
class QueryParam:
    """A documented query parameter of a plain handler (which parses it itself); typed routes use a `Query` model."""

    name: str
    description: str = ""
    type: str = "string"


@dataclass(frozen=True)
class Doc:
    """A documented response body: a JSON schema, named (a component of the document) or inline (`name=""`).
    `defs` are the components it refers to; `content_type` is the media type of the answer."""

    name: str
    schema: dict[str, Any]
    defs: dict[str, Any] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Ctx:
    """What a typed handler gets besides its declared parameters."""

    request: web.Request
    hub: Hub
    caller: User | None

    @property
    def user(self) -> User:
        """The logged-in caller (the declaration has checked it: routes with `auth=None` have no user)."""
        if self.caller is None:
            raise ApiError(401, "unauthorized", "log in first: send 'Authorization: Bearer <token>'")
        return self.caller


@dataclass
class RouteSpec:
    method: str
    path: str
    handler: Callable[..., Awaitable[Any]]
    summary: str
    body: type[BaseModel] | None = None
    auth: Auth = ANY_USER
    query: tuple[QueryParam, ...] = ()
    tag: str = ""
    responses: dict[int, Any] = field(default_factory=dict)
    query_model: type[BaseModel] | None = None
    response: Doc | type[BaseModel] | None = None
    status: int = 200
    description: str = ""
    typed: bool = False
    endpoint: Handler | None = None

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def needs_auth(self) -> bool:
        return self.auth is not None


def _auth(auth: Any) -> Auth:
    """True (the old default) is any logged-in user, False is public; roles may be given as strings."""
    if auth is True or auth == ANY_USER:
        return ANY_USER
    if auth is False or auth is None:
        return None
    if isinstance(auth, str | Role):
        return frozenset({Role(auth)})
    if isinstance(auth, Iterable):
        roles = frozenset(Role(r) for r in auth)
        if not roles:
            raise ValueError("auth: an empty set of roles lets nobody in")
        return roles
    raise TypeError(f"auth must be None, 'user' or a set of roles, not {auth!r}")


async def authorize(request: web.Request, auth: Auth) -> User | None:
    """Enforce a declaration's `auth`: 401 without a valid token, 403 when the caller's role is not listed."""
    if auth is None:
        return None
    user = await current_user(request)
    if auth != ANY_USER and user.role not in auth:
        allowed = ", ".join(sorted(r.value for r in auth))
        raise ApiError(403, "forbidden", f"only {allowed} may do this")
    return user


def _is_plain(handler: Callable[..., Any]) -> bool:
    names = list(inspect.signature(handler).parameters)
    return len(names) == 1 and names[0] in ("request", "_request")


def _check_signature(spec: RouteSpec) -> None:
    """A typed handler takes `ctx`, then exactly the path parameters, `query` and `body` it declares."""
    params = list(inspect.signature(spec.handler).parameters)
    expected = {*spec.path_params}
    if spec.body is not None:
        expected.add("body")
    if spec.query_model is not None:
        expected.add("query")
    if not params or params[0] != "ctx" or set(params[1:]) != expected:
        raise TypeError(
            f"{spec.method} {spec.path}: {spec.handler.__name__} must take (ctx, {', '.join(sorted(expected))}), "
            f"not ({', '.join(params)})"
        )


def _endpoint(spec: RouteSpec) -> Handler:
    """The aiohttp handler of a declaration: enforce it, then call the declared handler."""
    auth = spec.auth
    if not spec.typed:
        plain: Handler = spec.handler  # type: ignore[assignment]
        if auth is None:
            return plain

        async def guarded(request: web.Request) -> web.StreamResponse:
            await authorize(request, auth)
            return await plain(request)

        guarded.__name__ = plain.__name__
        return guarded

    handler = spec.handler
    path_params = spec.path_params
    body_model, query_model, status = spec.body, spec.query_model, spec.status

    async def endpoint(request: web.Request) -> web.StreamResponse:
        user = await authorize(request, auth)
        kwargs: dict[str, Any] = {name: request.match_info[name] for name in path_params}
        if query_model is not None:
            kwargs["query"] = parse_query(request, query_model)
        if body_model is not None:
            kwargs["body"] = await parse_body(request, body_model)
        result = await handler(Ctx(request, hub_of(request), user), **kwargs)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result, status=status)

    endpoint.__name__ = handler.__name__
    return endpoint


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
        auth: Any = ANY_USER,
        query: type[BaseModel] | tuple[QueryParam, ...] = (),
        tag: str = "",
        response: Doc | type[BaseModel] | None = None,
        status: int | None = None,
        responses: dict[int, Any] | None = None,
        description: str = "",
    ) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
        """Declare a route. `auth`: None (public), "user" (any logged-in user) or a set of roles. `body`, `query`:
        pydantic models validated before the handler runs. `response`: the schema of the success answer (status
        `status`, default 200, or 201 when `responses` names only 201 as success). `responses`: the other statuses
        the handler itself can answer, `{status: description}` or `{status: (description, Doc)}` for an answer
        that is not the JSON error (the declaration adds those it enforces: 400, 401, 403, 404, 413, 415)."""
        extra = dict(responses or {})
        allowed = _auth(auth)

        def register(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            typed = not _is_plain(handler)
            query_model = query if isinstance(query, type) and issubclass(query, BaseModel) else None
            params: tuple[QueryParam, ...] = () if query_model is not None else tuple(query)  # type: ignore[arg-type]
            if not typed and query_model is not None:
                raise TypeError(f"{method} {path}: a plain handler cannot take a query model")
            success = status or min((s for s in extra if 200 <= s < 300), default=200)
            spec = RouteSpec(
                method=method.upper(),
                path=path,
                handler=handler,
                summary=summary,
                body=body,
                auth=allowed,
                query=params,
                tag=tag,
                responses=extra,
                query_model=query_model,
                response=response,
                status=success,
                description=description,
                typed=typed,
            )
            if typed:
                _check_signature(spec)
            spec.endpoint = _endpoint(spec)
            self.specs.append(spec)
            return handler

        return register

    def install(self, app: web.Application) -> None:
        for spec in self.specs:
            app.router.add_route(spec.method, spec.path, spec.endpoint or _endpoint(spec))
