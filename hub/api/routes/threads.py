"""Threads: move an entry to another conversation of its client, split one off into a new conversation, and write
a new email to a client from the client card (a new conversation; not a reply)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StrictBool, StringConstraints

from hub.actions import outreach, threading
from hub.api import schemas
from hub.api.http import Body, Ctx, parse_body
from hub.api.routes import api
from hub.api.routes.models import STAFF
from hub.queries import conversations as conversation_queries
from hub.representations import conversation_json, entry_json

TAG = "conversations"
_ID = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class MoveIn(Body):
    conversation_id: _ID


class SplitIn(Body):
    following: StrictBool = False


class EmailIn(Body):
    mailbox: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = (
        None
    )
    to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)] | None = None
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


MOVED = schemas.object_doc(
    "EntriesMoved",
    {
        "conversation": schemas.ref(schemas.CONVERSATION.name),
        "source": schemas.ref(schemas.CONVERSATION.name),
        "entries": {"type": "array", "items": schemas.ref(schemas.ENTRY.name)},
    },
    {
        schemas.CONVERSATION.name: schemas.CONVERSATION.schema,
        schemas.ENTRY.name: schemas.ENTRY.schema,
        **schemas.CONVERSATION.defs,
        **schemas.ENTRY.defs,
    },
)
STARTED = schemas.object_doc(
    "ConversationStarted",
    {"conversation": schemas.ref(schemas.CONVERSATION.name), "entry": schemas.ref(schemas.ENTRY.name)},
    dict(MOVED.defs),
)


async def _moved(ctx: Ctx, result: threading.Moved) -> dict[str, Any]:
    target, source = await conversation_queries.for_reader(ctx.hub, ctx.user, [result.target, result.source])
    return {
        "conversation": conversation_json(target),
        "source": conversation_json(source),
        "entries": [entry_json(e) for e in result.entries],
    }


@api.route(
    "POST",
    "/api/v1/entries/{entry_id}/move",
    summary="Move an entry into another conversation of the same client and channel",
    tag=TAG,
    auth=STAFF,
    body=MoveIn,
    response=MOVED,
    responses={409: "the entry was moved meanwhile"},
)
async def move_entry(ctx: Ctx, entry_id: str, body: MoveIn) -> Any:
    return await _moved(ctx, await threading.move_entry(ctx.hub, ctx.user, entry_id, body.conversation_id))


@api.route(
    "POST",
    "/api/v1/entries/{entry_id}/split",
    summary="Split the entry off into a new conversation of the client",
    description='Optional body `{"following": true}`: the entries that arrived after it in its conversation move '
    "with it. Answers the new conversation, the old one and the moved entries.",
    tag=TAG,
    auth=STAFF,
    status=201,
    response=MOVED,
    responses={
        400: "a malformed body, or an entry that cannot move (a system entry, one outside any conversation)",
        409: "the entry was moved meanwhile",
    },
)
async def split_entry(ctx: Ctx, entry_id: str) -> Any:
    body = await parse_body(ctx.request, SplitIn) if ctx.request.can_read_body else SplitIn()
    return await _moved(
        ctx, await threading.split_conversation(ctx.hub, ctx.user, entry_id, following=body.following)
    )


@api.route(
    "POST",
    "/api/v1/clients/{client_id}/emails",
    summary="Write a new email to the client (a new email conversation; sent like a reply, with delivery status)",
    description="`mailbox`: one of HUB_MAILBOXES by name (default: the first); `to`: one of the client's email "
    "addresses (default: the first).",
    tag="clients",
    auth=STAFF,
    body=EmailIn,
    status=201,
    response=STARTED,
)
async def write_email(ctx: Ctx, client_id: str, body: EmailIn) -> Any:
    started = await outreach.write_to_client(
        ctx.hub,
        ctx.user,
        client_id,
        "email",
        subject=body.subject,
        text=body.text,
        options={"mailbox": body.mailbox, "to": body.to},
    )
    return {"conversation": conversation_json(started.conversation), "entry": entry_json(started.entry)}
