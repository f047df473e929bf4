"""REST API v1. Handlers stay thin: parse, ask permissions, call an action, shape the answer."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hub import queries
from hub.access import (
    can_manage_staff,
    can_merge_clients,
    can_view_merge_suggestions,
    can_work_conversation,
    require,
)
from hub.actions import clients as client_actions
from hub.actions import conversations as conv_actions
from hub.actions import messages, staff
from hub.actions.delivery import retry_now
from hub.api.http import (
    ApiError,
    ApiRoutes,
    QueryParam,
    current_user,
    hub_of,
    json_response,
    parse_body,
    query_int,
)
from hub.context import Hub
from hub.domain import (
    ClientKind,
    Conversation,
    ConversationStatus,
    FieldValue,
    Handler,
    Role,
    User,
)
from hub.errors import NotFound
from hub.queries import clients as client_queries
from hub.queries import conversations as conversation_queries
from hub.queries import entries as entry_queries
from hub.queries import notifications as notification_queries
from hub.queries import staff as staff_queries
from hub.representations import (
    client_json,
    conversation_json,
    department_json,
    entry_json,
    mention_notification_json,
    merge_json,
    user_json,
)
from hub.store.port import Cursor

api = ApiRoutes()

Text = Annotated[str, StringConstraints(max_length=10_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- clients ------------------------------------------------------------------------------------------------------


@api.route(
    "GET",
    "/api/v1/clients",
    summary="Search clients by name, email or phone",
    tag="clients",
    query=(QueryParam("q", "words that prefix a name, email or phone"), QueryParam("limit", type="integer")),
)
async def list_clients(request: web.Request) -> web.Response:
    user = await current_user(request)
    limit = query_int(request, "limit", 20, hi=100)
    found = await client_queries.search(hub_of(request), user, request.query.get("q", ""), limit=limit)
    return json_response({"items": [client_json(c) for c in found]})


@api.route("GET", "/api/v1/clients/{client_id}", summary="A client card", tag="clients")
async def get_client(request: web.Request) -> web.Response:
    user = await current_user(request)
    client = await client_queries.get(hub_of(request), user, request.match_info["client_id"])
    return json_response(client_json(client))


class ClientPatch(Body):
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    kind: ClientKind | None = None
    fields: dict[Annotated[str, StringConstraints(min_length=1, max_length=100)], FieldValue] | None = None
    tags: list[Annotated[str, StringConstraints(max_length=50)]] | None = Field(None, max_length=50)
    partner_ids: list[str] | None = None


@api.route(
    "PATCH",
    "/api/v1/clients/{client_id}",
    summary="Change a client's name, kind, fields, tags, partners",
    body=ClientPatch,
    tag="clients",
)
async def patch_client(request: web.Request) -> web.Response:
    user = await current_user(request)
    body = await parse_body(request, ClientPatch)
    client = await client_actions.update_client(
        hub_of(request), user, request.match_info["client_id"], **body.model_dump(exclude_unset=True)
    )
    return json_response(client_json(client))


def _cursor(request: web.Request) -> Cursor | None:
    raw = request.query.get("cursor")
    if not raw:
        return None
    try:
        cursor = Cursor.decode(raw)
        cursor.at.astimezone(UTC)  # a forged '0001-01-01T00:00+14:00' cannot be turned into UTC by the stores
    except (ValueError, OverflowError) as exc:
        raise ApiError(400, "invalid", "cursor is not one this API gave out") from exc
    return cursor


def _page(items: list[Any], limit: int, key: Any) -> str | None:
    return key(items[-1]).encode() if len(items) == limit else None


def _page_json(page: queries.Page[Any], shape: Any) -> dict[str, Any]:
    return {
        "items": [shape(item) for item in page.items],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
    }


@api.route(
    "GET",
    "/api/v1/clients/{client_id}/timeline",
    summary="The client's timeline across channels, newest first",
    tag="clients",
    query=(QueryParam("cursor"), QueryParam("limit", type="integer")),
)
async def client_timeline(request: web.Request) -> web.Response:
    user = await current_user(request)
    page = await client_queries.timeline(
        hub_of(request),
        user,
        request.match_info["client_id"],
        before=_cursor(request),
        limit=query_int(request, "limit", 50),
    )
    return json_response(_page_json(page, entry_json))


@api.route(
    "GET", "/api/v1/clients/{client_id}/conversations", summary="The client's conversations", tag="clients"
)
async def client_conversations(request: web.Request) -> web.Response:
    user = await current_user(request)
    found = await client_queries.conversations(hub_of(request), user, request.match_info["client_id"])
    return json_response({"items": [conversation_json(c) for c in found]})


class NoteIn(Body):
    text: Text
    shared_with_partners: bool = False


@api.route(
    "POST",
    "/api/v1/clients/{client_id}/notes",
    summary="An internal note on the client's timeline",
    body=NoteIn,
    tag="clients",
    responses={201: "the note"},
)
async def client_note(request: web.Request) -> web.Response:
    user = await current_user(request)
    body = await parse_body(request, NoteIn)
    entry = await messages.add_note(
        hub_of(request),
        user,
        text=body.text,
        client_id=request.match_info["client_id"],
        shared_with_partners=body.shared_with_partners,
    )
    return json_response(entry_json(entry), status=201)


class MergeIn(Body):
    other_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


@api.route(
    "POST",
    "/api/v1/clients/{client_id}/merge",
    summary="Merge another client into this one",
    body=MergeIn,
    tag="clients",
)
async def merge_client(request: web.Request) -> web.Response:
    user = await current_user(request)
    body = await parse_body(request, MergeIn)
    kept = await client_actions.merge_clients(
        hub_of(request), user, request.match_info["client_id"], body.other_id
    )
    return json_response(client_json(kept))


@api.route(
    "GET",
    "/api/v1/merge-suggestions",
    summary="Clients that may be the same person",
    tag="clients",
    query=(QueryParam("status", "open (default), merged, dismissed or all"),),
)
async def merge_suggestions(request: web.Request) -> web.Response:
    user = await current_user(request)
    require(can_merge_clients(user))
    if not can_view_merge_suggestions(hub_of(request), user):
        return json_response({"items": []})
    status = request.query.get("status", "open")
    if status not in ("open", "merged", "dismissed", "all"):
        raise ApiError(400, "invalid", "status must be open, merged, dismissed or all")
    found = await hub_of(request).store.merges.list(status=None if status == "all" else status)
    return json_response({"items": [merge_json(s) for s in found]})


@api.route(
    "POST",
    "/api/v1/merge-suggestions/{suggestion_id}/dismiss",
    summary="They are not the same person",
    tag="clients",
)
async def dismiss_merge(request: web.Request) -> web.Response:
    user = await current_user(request)
    await client_actions.dismiss_merge(hub_of(request), user, request.match_info["suggestion_id"])
    return json_response({"ok": True})


# --- conversations ------------------------------------------------------------------------------------------------


@api.route(
    "GET",
    "/api/v1/conversations",
    summary="The inbox: conversations you may see, newest first, with their clients (`clients` by id)",
    tag="conversations",
    query=(
        QueryParam("status", "open, pending, snoozed or resolved"),
        QueryParam("assignee", "a user id, 'me' or 'none'"),
        QueryParam("department", "a department id"),
        QueryParam("cursor"),
        QueryParam("limit", type="integer"),
    ),
)
async def list_conversations(request: web.Request) -> web.Response:
    hub = hub_of(request)
    user = await current_user(request)
    status = request.query.get("status") or None
    if status is not None and status not in ConversationStatus.__members__:
        raise ApiError(400, "invalid", "status must be one of open, pending, snoozed, resolved")
    assignee = request.query.get("assignee") or None
    limit = query_int(request, "limit", 50)
    filters = conversation_queries.InboxFilter(
        status=ConversationStatus(status) if status else None,
        assignee_id=user.id if assignee == "me" else (None if assignee in (None, "none") else assignee),
        unassigned=assignee == "none",
        department_id=request.query.get("department") or None,
    )
    page = await conversation_queries.inbox(hub, user, filters, before=_cursor(request), limit=limit)
    # the clients of the page in the same answer: the inbox shows names without a request per conversation
    return json_response(
        {
            "items": [conversation_json(c) for c in page.items],
            "clients": {c.id: client_json(c) for c in page.clients},
            "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
        }
    )


async def _visible_conversation(request: web.Request) -> tuple[Hub, User, Conversation]:
    hub = hub_of(request)
    user = await current_user(request)
    conversation = await conversation_queries.get(hub, user, request.match_info["conversation_id"])
    return hub, user, conversation


@api.route("GET", "/api/v1/conversations/{conversation_id}", summary="A conversation", tag="conversations")
async def get_conversation(request: web.Request) -> web.Response:
    _hub, _user, conversation = await _visible_conversation(request)
    return json_response(conversation_json(conversation))


class ConversationPatch(Body):
    status: ConversationStatus | None = None
    assignee_id: str | None = None
    department_id: str | None = None
    handler: Handler | None = None


@api.route(
    "PATCH",
    "/api/v1/conversations/{conversation_id}",
    summary="Change status, assignee (null unassigns), department (null unroutes), bot/human handler",
    body=ConversationPatch,
    tag="conversations",
)
async def patch_conversation(request: web.Request) -> web.Response:
    hub, user, conversation = await _visible_conversation(request)
    body = await parse_body(request, ConversationPatch)
    given = body.model_fields_set
    kwargs: dict[str, Any] = {"status": body.status, "handler": body.handler}
    if "assignee_id" in given:
        kwargs["assignee_id"] = body.assignee_id
    if "department_id" in given:
        kwargs["department_id"] = body.department_id
    updated = await conv_actions.update_conversation(hub, user, conversation.id, **kwargs)
    return json_response(conversation_json(updated))


@api.route(
    "POST",
    "/api/v1/conversations/{conversation_id}/read",
    summary="Mark the conversation read",
    tag="conversations",
)
async def read_conversation(request: web.Request) -> web.Response:
    hub, user, conversation = await _visible_conversation(request)
    return json_response(conversation_json(await conv_actions.mark_read(hub, user, conversation.id)))


@api.route(
    "GET",
    "/api/v1/conversations/{conversation_id}/timeline",
    summary="This conversation's entries",
    tag="conversations",
    query=(QueryParam("cursor"), QueryParam("limit", type="integer")),
)
async def conversation_timeline(request: web.Request) -> web.Response:
    user = await current_user(request)
    page = await conversation_queries.timeline(
        hub_of(request),
        user,
        request.match_info["conversation_id"],
        before=_cursor(request),
        limit=query_int(request, "limit", 50),
    )
    return json_response(_page_json(page, entry_json))


class ReplyIn(Body):
    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


@api.route(
    "POST",
    "/api/v1/conversations/{conversation_id}/replies",
    summary="Reply to the customer through the conversation's channel (delivery status: queued → sent/failed)",
    body=ReplyIn,
    tag="conversations",
    responses={201: "the queued entry"},
)
async def reply(request: web.Request) -> web.Response:
    hub, user, conversation = await _visible_conversation(request)
    body = await parse_body(request, ReplyIn)
    entry = await messages.send_reply(hub, user, conversation.id, body.text)
    return json_response(entry_json(entry), status=201)


@api.route(
    "POST",
    "/api/v1/conversations/{conversation_id}/notes",
    summary="An internal note (never sent to the customer); @mentions notify",
    body=NoteIn,
    tag="conversations",
    responses={201: "the note"},
)
async def conversation_note(request: web.Request) -> web.Response:
    hub, user, conversation = await _visible_conversation(request)
    body = await parse_body(request, NoteIn)
    entry = await messages.add_note(
        hub,
        user,
        text=body.text,
        conversation_id=conversation.id,
        shared_with_partners=body.shared_with_partners,
    )
    return json_response(entry_json(entry), status=201)


@api.route(
    "POST",
    "/api/v1/entries/{entry_id}/retry",
    summary="Send a failed outgoing message again",
    tag="conversations",
)
async def retry_entry(request: web.Request) -> web.Response:
    hub = hub_of(request)
    user = await current_user(request)
    entry, conversation = await entry_queries.get(hub, user, request.match_info["entry_id"])
    if conversation is None:
        raise NotFound("no such entry")
    require(can_work_conversation(user, conversation))
    updated = await retry_now(hub, entry.id)
    if updated is None:
        raise ApiError(409, "conflict", "only a failed outgoing message can be retried")
    return json_response(entry_json(updated))


@api.route(
    "GET",
    "/api/v1/notifications",
    summary="Your mentions (the bell), newest first",
    tag="conversations",
    query=(QueryParam("cursor"), QueryParam("limit", type="integer")),
)
async def notifications(request: web.Request) -> web.Response:
    user = await current_user(request)
    page = await notification_queries.mentions(
        hub_of(request), user, before=_cursor(request), limit=query_int(request, "limit", 30, hi=100)
    )
    return json_response(_page_json(page, mention_notification_json))


# --- staff --------------------------------------------------------------------------------------------------------


@api.route("GET", "/api/v1/users", summary="Staff and partners", tag="staff")
async def list_users(request: web.Request) -> web.Response:
    user = await current_user(request)
    return json_response({"items": [user_json(u) for u in await staff_queries.users(hub_of(request), user)]})


class UserIn(Body):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    name: Name
    role: Role = Role.agent
    password: Annotated[str, StringConstraints(min_length=8, max_length=1024)]
    department_ids: list[str] = Field(default_factory=list)


@api.route(
    "POST",
    "/api/v1/users",
    summary="Add a user (admins)",
    body=UserIn,
    tag="staff",
    responses={201: "the user", 409: "the email is taken"},
)
async def create_user(request: web.Request) -> web.Response:
    user = await current_user(request)
    body = await parse_body(request, UserIn)
    created = await staff.create_user(hub_of(request), actor=user, **body.model_dump())
    return json_response(user_json(created), status=201)


class UserPatch(Body):
    name: Name | None = None
    role: Role | None = None
    password: Annotated[str, StringConstraints(min_length=8, max_length=1024)] | None = None
    department_ids: list[str] | None = None
    active: bool | None = None


@api.route("PATCH", "/api/v1/users/{user_id}", summary="Change a user (admins)", body=UserPatch, tag="staff")
async def patch_user(request: web.Request) -> web.Response:
    user = await current_user(request)
    body = await parse_body(request, UserPatch)
    updated = await staff.update_user(
        hub_of(request), request.match_info["user_id"], actor=user, **body.model_dump()
    )
    return json_response(user_json(updated))


@api.route("GET", "/api/v1/departments", summary="Departments", tag="staff")
async def list_departments(request: web.Request) -> web.Response:
    user = await current_user(request)
    found = await staff_queries.departments(hub_of(request), user)
    return json_response({"items": [department_json(d) for d in found]})


class DepartmentIn(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


@api.route(
    "POST",
    "/api/v1/departments",
    summary="Add a department (admins)",
    body=DepartmentIn,
    tag="staff",
    responses={201: "the department", 409: "the name is taken"},
)
async def create_department(request: web.Request) -> web.Response:
    user = await current_user(request)
    require(can_manage_staff(user), "only admins manage departments")
    body = await parse_body(request, DepartmentIn)
    department = await staff.create_department(hub_of(request), body.name)
    return json_response(department_json(department), status=201)


@api.route(
    "PATCH",
    "/api/v1/departments/{department_id}",
    summary="Rename a department (admins)",
    body=DepartmentIn,
    tag="staff",
)
async def rename_department(request: web.Request) -> web.Response:
    user = await current_user(request)
    require(can_manage_staff(user), "only admins manage departments")
    body = await parse_body(request, DepartmentIn)
    department = await staff.rename_department(
        hub_of(request), request.match_info["department_id"], body.name
    )
    return json_response(department_json(department))


@api.route(
    "GET",
    "/api/v1/entries/{entry_id}/files/{key}",
    summary="An attachment of a timeline entry (served to those who may see the entry)",
    tag="clients",
)
async def get_file(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    path = await entry_queries.attachment(
        hub_of(request), user, request.match_info["entry_id"], request.match_info["key"]
    )
    return web.FileResponse(
        path, headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"}
    )


# --- service ------------------------------------------------------------------------------------------------------


@api.route("GET", "/healthz", summary="Liveness and store health", auth=False, tag="service")
async def healthz(request: web.Request) -> web.Response:
    hub = hub_of(request)
    try:
        await hub.store.users.count()
    except Exception as exc:
        return json_response(
            {"status": "unhealthy", "store": hub.store.name, "error": str(exc)[:200]}, status=503
        )
    return json_response({"status": "ok", "store": hub.store.name, "channels": hub.channels.channels})
