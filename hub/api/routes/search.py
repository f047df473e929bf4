"""The inbox search: clients and message text in one answer (hub.queries.search applies the access policy)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hub.api.http import Ctx, Query
from hub.api.routes import api
from hub.api.routes.models import limit
from hub.api.schemas import CLIENT, ENTRY, Doc, object_doc, ref
from hub.queries import partners as partner_queries
from hub.queries import search as search_queries
from hub.representations import client_json, entry_json
from hub.search_terms import MAX_QUERY_CHARS

TAG = "search"
_NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}]}
_SEGMENT = {
    "type": "object",
    "required": ["text", "mark"],
    "properties": {"text": {"type": "string"}, "mark": {"type": "boolean", "description": "a matching word"}},
}
_SUMMARY = {
    "anyOf": [
        {
            "type": "object",
            "required": ["id", "channel", "status", "subject", "department_id", "assignee_id"],
            "properties": {
                "id": {"type": "string"},
                "channel": {"type": "string"},
                "status": {"type": "string"},
                "subject": {"type": "string"},
                "department_id": _NULLABLE_STRING,
                "assignee_id": _NULLABLE_STRING,
            },
        },
        {"type": "null"},
    ],
    "description": "the entry's conversation (null: a client-level entry)",
}
HIT = object_doc(
    "SearchHit",
    {
        "entry": ref(ENTRY.name),
        "conversation": _SUMMARY,
        "client": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        },
        "snippet": {
            "type": "array",
            "items": _SEGMENT,
            "description": "the text around the first match, in pieces; the matching words have mark = true",
        },
    },
    {ENTRY.name: ENTRY.schema, **ENTRY.defs},
)
RESULT = Doc(
    "SearchResult",
    {
        "type": "object",
        "title": "SearchResult",
        "required": ["clients", "entries"],
        "properties": {
            "clients": {"type": "array", "items": ref(CLIENT.name)},
            "entries": {"type": "array", "items": ref(HIT.name)},
        },
    },
    {CLIENT.name: CLIENT.schema, **CLIENT.defs, HIT.name: HIT.schema, **HIT.defs},
)


class SearchQuery(Query):
    q: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        description="words (the last one may be half typed); a phone number in any format; an email",
    )
    limit: int = limit(20, 50)


def _conversation_summary(hit: search_queries.EntryHit) -> dict[str, Any] | None:
    c = hit.conversation
    if c is None:
        return None
    return {
        "id": c.id,
        "channel": c.channel,
        "status": c.status.value,
        "subject": c.subject,
        "department_id": c.department_id,
        "assignee_id": c.assignee_id,
    }


@api.route(
    "GET",
    "/api/v1/search",
    summary="Search clients (name, phone, email) and message text across every timeline you may read",
    description="Russian and English words match their other forms (счёта finds счёт, orders finds order); "
    "entries come newest first with a snippet around the match.",
    tag=TAG,
    query=SearchQuery,
    response=RESULT,
)
async def search(ctx: Ctx, query: SearchQuery) -> Any:
    found = await search_queries.search(ctx.hub, ctx.user, query.q, limit=query.limit)
    hidden = await partner_queries.hidden_fields(ctx.hub, ctx.user)
    return {
        "clients": [client_json(c, hidden) for c in found.clients],
        "entries": [
            {
                "entry": entry_json(hit.entry),
                "conversation": _conversation_summary(hit),
                "client": {"id": hit.entry.client_id, "name": hit.client.name if hit.client else ""},
                "snippet": [{"text": s.text, "mark": s.mark} for s in hit.snippet],
            }
            for hit in found.entries
        ],
    }
