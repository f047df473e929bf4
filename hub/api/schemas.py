"""The documented response bodies of the main resources, derived from the domain models (so they follow them) minus
what `hub.representations` leaves out of the JSON."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hub.api.http import Doc
from hub.domain import Client, Conversation, Department, MergeSuggestion, TimelineEntry, User

REF = "#/components/schemas/{model}"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def model_doc(model: type[BaseModel], name: str = "", *, exclude: tuple[str, ...] = ()) -> Doc:
    """The JSON schema of `model` as the API serializes it, without the `exclude`d fields."""
    schema = model.model_json_schema(mode="serialization", ref_template=REF)
    defs = schema.pop("$defs", {})
    for key in exclude:
        schema["properties"].pop(key, None)
        if key in schema.get("required", ()):
            schema["required"].remove(key)
    if not schema.get("required"):
        schema.pop("required", None)
    name = name or model.__name__
    schema["title"] = name
    return Doc(name, schema, defs)


def list_of(item: Doc, name: str, **extra: Any) -> Doc:
    """`{"items": [item, ...]}` (and the `extra` properties)."""
    properties = {"items": {"type": "array", "items": ref(item.name)}, **extra}
    schema = {"type": "object", "required": ["items"], "properties": properties, "title": name}
    return Doc(name, schema, {item.name: item.schema, **item.defs})


def page_of(item: Doc, name: str, **extra: Any) -> Doc:
    """A cursor page: `{"items": [...], "next_cursor": "..." | null}` (null: the last page)."""
    cursor = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "pass as ?cursor= for the next page",
    }
    doc = list_of(item, name, next_cursor=cursor, **extra)
    doc.schema["required"].append("next_cursor")
    return doc


def object_doc(name: str, properties: dict[str, Any], defs: dict[str, Any] | None = None) -> Doc:
    schema = {"type": "object", "required": list(properties), "properties": properties, "title": name}
    return Doc(name, schema, defs or {})


CLIENT = model_doc(Client)
CONVERSATION = model_doc(Conversation, exclude=("bot_state",))
_TIME_OR_NULL = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
# the conversation's SLA clock (hub.representations_sla.sla_json); null: no policy applies
CONVERSATION.schema["properties"]["sla"] = {
    "anyOf": [
        {
            "type": "object",
            "required": [
                "policy",
                "first_response_due_at",
                "resolution_due_at",
                "breached",
                "warning_minutes",
            ],
            "properties": {
                "policy": {"type": "string"},
                "first_response_due_at": _TIME_OR_NULL,
                "resolution_due_at": _TIME_OR_NULL,
                "breached": {"type": "array", "items": {"enum": ["first_response", "resolution"]}},
                "warning_minutes": {"type": "integer", "minimum": 0},
                # only while the clock is paused (the conversation is snoozed or pending)
                "paused_at": {"type": "string", "format": "date-time"},
            },
        },
        {"type": "null"},
    ]
}
# whether the reader can reply before they type (hub.queries.conversations.reply_states); REST reads only
CONVERSATION.schema["properties"]["reply"] = {
    "type": "object",
    "required": ["allowed", "problem"],
    "properties": {
        "allowed": {"type": "boolean"},
        "problem": {
            "anyOf": [
                {
                    "type": "object",
                    "required": ["code", "params", "text"],
                    "description": "forbidden | no_text | not_connected | telegram.no_bot (static/i18n.json "
                    "reply.problem.<code>)",
                    "properties": {
                        "code": {"type": "string"},
                        "params": {"type": "object", "additionalProperties": {"type": "string"}},
                        "text": {"type": "string"},
                    },
                },
                {"type": "null"},
            ]
        },
    },
}
ENTRY = model_doc(TimelineEntry, "Entry", exclude=("dedupe_key",))
USER = model_doc(User, exclude=("password_hash", "token_version"))
DEPARTMENT = model_doc(Department)
MERGE_SUGGESTION = model_doc(MergeSuggestion)
NOTIFICATION = object_doc(
    "Notification",
    {
        "kind": {"const": "mention"},
        "entry_id": {"type": "string"},
        "client_id": {"type": "string"},
        "conversation_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "from": {"type": "string"},
        "text": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
    },
)
OK = object_doc("Ok", {"ok": {"const": True}})

CLIENT_LIST = list_of(CLIENT, "ClientList")
CONVERSATION_LIST = list_of(CONVERSATION, "ConversationList")
USER_LIST = list_of(USER, "UserList")
DEPARTMENT_LIST = list_of(DEPARTMENT, "DepartmentList")
MERGE_SUGGESTION_LIST = list_of(MERGE_SUGGESTION, "MergeSuggestionList")
ENTRY_PAGE = page_of(ENTRY, "EntryPage")
NOTIFICATION_PAGE = page_of(NOTIFICATION, "NotificationPage")
INBOX_PAGE = page_of(
    CONVERSATION,
    "InboxPage",
    clients={
        "type": "object",
        "additionalProperties": ref(CLIENT.name),
        "description": "the page's clients by id",
    },
)
INBOX_PAGE.defs[CLIENT.name] = CLIENT.schema
INBOX_PAGE.defs.update(CLIENT.defs)
INBOX_PAGE.schema["required"].append("clients")

FILE = Doc("", {"type": "string", "format": "binary"}, content_type="*/*")
HEALTH = object_doc(
    "Health",
    {"status": {"enum": ["ok", "unhealthy"]}, "store": {"type": "string"}},
)
HEALTH.schema["properties"].update(
    channels={"type": "array", "items": {"type": "string"}}, error={"type": "string"}
)
