"""The JSON shapes of domain objects, shared by the REST API and realtime events (they must be identical)."""

from __future__ import annotations

from typing import Any

from hub.domain import Client, Conversation, Department, MergeSuggestion, TimelineEntry, User
from hub.files import entry_file_url


def client_json(client: Client) -> dict[str, Any]:
    return client.model_dump(mode="json")


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return conversation.model_dump(mode="json", exclude={"bot_state"})


def entry_json(entry: TimelineEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json", exclude={"dedupe_key", "settled"})
    if data.get("delivery"):
        data["delivery"].pop("lease_until", None)
    for attachment in data.get("attachments") or ():
        # files are downloaded through their entry, so the entry's access decides who gets them
        attachment["url"] = entry_file_url(entry.id, attachment.get("url"))
    return data


def mention_notification_json(entry: TimelineEntry) -> dict[str, Any]:
    """A mention as the bell shows it: the `notification` socket event and GET /api/v1/notifications."""
    return {
        "kind": "mention",
        "entry_id": entry.id,
        "client_id": entry.client_id,
        "conversation_id": entry.conversation_id,
        "from": entry.author.name,
        "text": entry.text[:200],
        "at": entry.occurred_at.isoformat().replace("+00:00", "Z"),
    }


def user_json(user: User) -> dict[str, Any]:
    return user.public()


def department_json(department: Department) -> dict[str, Any]:
    return department.model_dump(mode="json")


def merge_json(suggestion: MergeSuggestion) -> dict[str, Any]:
    return suggestion.model_dump(mode="json")
