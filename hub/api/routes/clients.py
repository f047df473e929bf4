"""Clients: search, the card, its timeline across channels, its conversations, notes, merges."""

from __future__ import annotations

from typing import Any

from hub.actions import clients as client_actions
from hub.actions import messages
from hub.api import schemas
from hub.api.http import Ctx
from hub.api.routes import api
from hub.api.routes.models import (
    STAFF,
    ClientPatch,
    ClientSearch,
    MergeIn,
    MergeSuggestionsQuery,
    NoteIn,
    TimelinePage,
    items_json,
    page_json,
)
from hub.queries import clients as client_queries
from hub.queries import conversations as conversation_queries
from hub.queries import partners as partner_queries
from hub.queries import sla as sla_queries
from hub.representations import client_json, conversation_json, entry_json, merge_json

TAG = "clients"


@api.route(
    "GET",
    "/api/v1/clients",
    summary="Search clients by name, email or phone",
    tag=TAG,
    query=ClientSearch,
    response=schemas.CLIENT_LIST,
)
async def list_clients(ctx: Ctx, query: ClientSearch) -> Any:
    found = await client_queries.search(ctx.hub, ctx.user, query.q, limit=query.limit)
    hidden = await partner_queries.hidden_fields(ctx.hub, ctx.user)
    return items_json(found, lambda c: client_json(c, hidden))


@api.route("GET", "/api/v1/clients/{client_id}", summary="A client card", tag=TAG, response=schemas.CLIENT)
async def get_client(ctx: Ctx, client_id: str) -> Any:
    client = await client_queries.get(ctx.hub, ctx.user, client_id)
    return client_json(client, await partner_queries.hidden_fields(ctx.hub, ctx.user))


@api.route(
    "PATCH",
    "/api/v1/clients/{client_id}",
    summary="Change a client's name, kind, fields, tags, partners",
    tag=TAG,
    body=ClientPatch,
    response=schemas.CLIENT,
)
async def patch_client(ctx: Ctx, client_id: str, body: ClientPatch) -> Any:
    changes = body.model_dump(exclude_unset=True)
    return client_json(await client_actions.update_client(ctx.hub, ctx.user, client_id, **changes))


@api.route(
    "GET",
    "/api/v1/clients/{client_id}/timeline",
    summary="The client's timeline across channels, newest first",
    tag=TAG,
    query=TimelinePage,
    response=schemas.ENTRY_PAGE,
)
async def client_timeline(ctx: Ctx, client_id: str, query: TimelinePage) -> Any:
    page = await client_queries.timeline(ctx.hub, ctx.user, client_id, before=query.cursor, limit=query.limit)
    return page_json(page, entry_json)


@api.route(
    "GET",
    "/api/v1/clients/{client_id}/conversations",
    summary="The client's conversations",
    tag=TAG,
    response=schemas.CONVERSATION_LIST,
)
async def client_conversations(ctx: Ctx, client_id: str) -> Any:
    conversations = await client_queries.conversations(ctx.hub, ctx.user, client_id)
    slas = await sla_queries.of_conversations(ctx.hub, ctx.user, conversations)
    replies = await conversation_queries.reply_states(ctx.hub, ctx.user, conversations)
    return items_json(conversations, lambda c: conversation_json(c, slas[c.id], replies[c.id]))


@api.route(
    "POST",
    "/api/v1/clients/{client_id}/notes",
    summary="An internal note on the client's timeline",
    tag=TAG,
    body=NoteIn,
    status=201,
    response=schemas.ENTRY,
)
async def client_note(ctx: Ctx, client_id: str, body: NoteIn) -> Any:
    entry = await messages.add_note(
        ctx.hub, ctx.user, text=body.text, client_id=client_id, shared_with_partners=body.shared_with_partners
    )
    return entry_json(entry)


@api.route(
    "POST",
    "/api/v1/clients/{client_id}/merge",
    summary="Merge another client into this one",
    tag=TAG,
    body=MergeIn,
    response=schemas.CLIENT,
)
async def merge_client(ctx: Ctx, client_id: str, body: MergeIn) -> Any:
    return client_json(await client_actions.merge_clients(ctx.hub, ctx.user, client_id, body.other_id))


@api.route(
    "GET",
    "/api/v1/merge-suggestions",
    summary="Clients that may be the same person",
    tag=TAG,
    auth=STAFF,
    query=MergeSuggestionsQuery,
    response=schemas.MERGE_SUGGESTION_LIST,
)
async def merge_suggestions(ctx: Ctx, query: MergeSuggestionsQuery) -> Any:
    status = None if query.status == "all" else query.status
    found = await client_queries.merge_suggestions(
        ctx.hub, ctx.user, status=status, client_id=query.client_id
    )
    return items_json(found, merge_json)


@api.route(
    "POST",
    "/api/v1/merge-suggestions/{suggestion_id}/dismiss",
    summary="They are not the same person",
    tag=TAG,
    response=schemas.OK,
)
async def dismiss_merge(ctx: Ctx, suggestion_id: str) -> Any:
    await client_actions.dismiss_merge(ctx.hub, ctx.user, suggestion_id)
    return {"ok": True}
