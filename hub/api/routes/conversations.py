"""Conversations: the inbox, one conversation, its timeline, replies, notes, read marks, retries."""

from __future__ import annotations

from typing import Any

from hub.actions import conversations as conv_actions
from hub.actions import delivery as delivery_actions
from hub.actions import messages
from hub.api import schemas, uploads
from hub.api.http import ApiError, Ctx
from hub.api.routes import api
from hub.api.routes.models import (
    STAFF,
    ConversationPatch,
    InboxQuery,
    NoteEdit,
    NoteIn,
    ReplyIn,
    TimelinePage,
    page_json,
)
from hub.domain import Conversation
from hub.domain_views import FILTER_KEYS, parse_filters
from hub.queries import conversations as conversation_queries
from hub.queries import partners as partner_queries
from hub.queries import sla as sla_queries
from hub.representations import client_json, conversation_json, entry_json

TAG = "conversations"
CONVERSATION = "/api/v1/conversations/{conversation_id}"


@api.route(
    "GET",
    "/api/v1/conversations",
    summary="The inbox: conversations you may see, newest first, with their clients (`clients` by id)",
    tag=TAG,
    query=InboxQuery,
    response=schemas.INBOX_PAGE,
)
async def list_conversations(ctx: Ctx, query: InboxQuery) -> Any:
    wanted = parse_filters(query.model_dump(include=set(FILTER_KEYS), exclude_none=True), "query")
    filters = conversation_queries.InboxFilter.of(ctx.user, wanted)
    page = await conversation_queries.inbox(
        ctx.hub, ctx.user, filters, before=query.cursor, limit=query.limit
    )
    # the clients of the page in the same answer: the inbox shows names without a request per conversation
    hidden = await partner_queries.hidden_fields(ctx.hub, ctx.user)
    slas = await sla_queries.of_conversations(ctx.hub, ctx.user, page.items)  # one query for the page
    replies = await conversation_queries.reply_states(ctx.hub, ctx.user, page.items)
    return {
        "items": [conversation_json(c, slas[c.id], replies[c.id]) for c in page.items],
        "clients": {c.id: client_json(c, hidden) for c in page.clients},
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
    }


@api.route("GET", CONVERSATION, summary="A conversation", tag=TAG, response=schemas.CONVERSATION)
async def get_conversation(ctx: Ctx, conversation_id: str) -> Any:
    return await _with_sla(ctx, await conversation_queries.get(ctx.hub, ctx.user, conversation_id))


async def _with_sla(ctx: Ctx, conversation: Conversation) -> dict[str, Any]:
    """The conversation with its SLA clock and whether the reader can reply."""
    sla = await sla_queries.of_conversation(ctx.hub, ctx.user, conversation)
    reply = (await conversation_queries.reply_states(ctx.hub, ctx.user, [conversation]))[conversation.id]
    return conversation_json(conversation, sla, reply)


@api.route(
    "PATCH",
    CONVERSATION,
    summary="Change status, assignee (null unassigns), department (null unroutes), bot/human handler",
    description='`{"status": "snoozed", "snoozed_until": "<ISO time>"}` snoozes it until then (it wakes to open at '
    "that time, or at the customer's next message); pending waits for the customer (their message reopens it); "
    "any other status clears snoozed_until.",
    tag=TAG,
    body=ConversationPatch,
    response=schemas.CONVERSATION,
)
async def patch_conversation(ctx: Ctx, conversation_id: str, body: ConversationPatch) -> Any:
    conversation = await conversation_queries.get(ctx.hub, ctx.user, conversation_id)
    changes: dict[str, Any] = {"status": body.status, "handler": body.handler, "priority": body.priority}
    changes.update(
        body.model_dump(include={"assignee_id", "department_id", "snoozed_until"}, exclude_unset=True)
    )
    updated = await conv_actions.update_conversation(ctx.hub, ctx.user, conversation.id, **changes)
    return await _with_sla(ctx, (await conversation_queries.for_reader(ctx.hub, ctx.user, [updated]))[0])


@api.route(
    "POST",
    f"{CONVERSATION}/read",
    summary="Mark the conversation read",
    tag=TAG,
    response=schemas.CONVERSATION,
)
async def read_conversation(ctx: Ctx, conversation_id: str) -> Any:
    conversation = await conversation_queries.get(ctx.hub, ctx.user, conversation_id)
    return await _with_sla(ctx, await conv_actions.mark_read(ctx.hub, ctx.user, conversation.id))


@api.route(
    "GET",
    f"{CONVERSATION}/timeline",
    summary="This conversation's entries",
    tag=TAG,
    query=TimelinePage,
    response=schemas.ENTRY_PAGE,
)
async def conversation_timeline(ctx: Ctx, conversation_id: str, query: TimelinePage) -> Any:
    page = await conversation_queries.timeline(
        ctx.hub, ctx.user, conversation_id, before=query.cursor, limit=query.limit
    )
    return page_json(page, entry_json)


@api.route(
    "POST",
    f"{CONVERSATION}/replies",
    summary="Reply to the customer through the conversation's channel (delivery status: queued → sent/failed)",
    description='JSON `{"text"}`, or multipart/form-data: a `text` field and up to 10 `file` parts, each within '
    "HUB_MAX_FILE_BYTES (413 beyond); the files are kept in the attachment store and sent with the reply.",
    tag=TAG,
    body=ReplyIn,
    status=201,
    response=schemas.ENTRY,
    responses={
        409: "the conversation's channel cannot carry a reply now (`channel_not_connected`: no connector sends on "
        "it, no mailbox, a Telegram bot this hub does not run); the conversation's `reply` said so beforehand"
    },
)
async def reply(ctx: Ctx, conversation_id: str, body: ReplyIn) -> Any:
    conversation = await conversation_queries.get(ctx.hub, ctx.user, conversation_id)
    attachments = await uploads.keep(ctx.hub, body._files)
    return entry_json(
        await messages.send_reply(ctx.hub, ctx.user, conversation.id, body.text, attachments=attachments)
    )


@api.route(
    "POST",
    f"{CONVERSATION}/notes",
    summary="An internal note (never sent to the customer); @mentions notify",
    tag=TAG,
    body=NoteIn,
    status=201,
    response=schemas.ENTRY,
)
async def conversation_note(ctx: Ctx, conversation_id: str, body: NoteIn) -> Any:
    conversation = await conversation_queries.get(ctx.hub, ctx.user, conversation_id)
    entry = await messages.add_note(
        ctx.hub,
        ctx.user,
        text=body.text,
        conversation_id=conversation.id,
        shared_with_partners=body.shared_with_partners,
    )
    return entry_json(entry)


@api.route(
    "PATCH",
    "/api/v1/entries/{entry_id}",
    summary="Edit your own note; its earlier text is kept (meta.edits)",
    tag=TAG,
    auth=STAFF,
    body=NoteEdit,
    response=schemas.ENTRY,
    responses={403: "not your note"},
)
async def edit_note(ctx: Ctx, entry_id: str, body: NoteEdit) -> Any:
    return entry_json(await messages.edit_note(ctx.hub, ctx.user, entry_id, text=body.text))


@api.route(
    "POST",
    "/api/v1/entries/{entry_id}/retry",
    summary="Send a failed outgoing message again",
    tag=TAG,
    auth=STAFF,
    response=schemas.ENTRY,
    responses={409: "not a failed outgoing message"},
)
async def retry_entry(ctx: Ctx, entry_id: str) -> Any:
    updated = await delivery_actions.retry_entry(ctx.hub, ctx.user, entry_id)
    if updated is None:
        raise ApiError(409, "conflict", "only a failed outgoing message can be retried")
    return entry_json(updated)


# GET /api/v1/notifications (the bell) lives in hub.api.routes.notifications, the notification centre
