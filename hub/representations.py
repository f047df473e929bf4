"""The JSON shapes of domain objects, shared by the REST API and realtime events (they must be identical)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.domain import Client, Conversation, Department, MergeSuggestion, TimelineEntry, User
from hub.domain_partners import Grant, Partner
from hub.domain_views import SavedView
from hub.files import entry_file_url


def client_json(client: Client, hidden: Iterable[str] | None = None) -> dict[str, Any]:
    """`hidden` None: the card as staff get it. Otherwise the card as a partner organisation gets it (REST and
    sockets alike): without the other organisations it is shared with, and without the organisation's redacted
    fields — identity kinds ("phone", "email", ...) and field names."""
    data = client.model_dump(mode="json")
    if hidden is None:
        return data
    hidden = set(hidden)
    data["partner_ids"] = []
    data["identities"] = [i for i in data["identities"] if i["kind"] not in hidden]
    data["fields"] = {k: v for k, v in data["fields"].items() if k not in hidden}
    return data


def conversation_json(
    conversation: Conversation, sla: dict[str, Any] | None = None, reply: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`sla`: the conversation's SLA clock as hub.queries.sla gives it (None: no policy applies, or not shown).
    `reply`: whether the reader can reply, as hub.queries.conversations.reply_states gives it (REST reads carry
    it; a push does not, the pages keep what they read)."""
    data = conversation.model_dump(mode="json", exclude={"bot_state"})
    data["sla"] = sla
    if reply is not None:
        data["reply"] = reply
    return data


def entry_json(entry: TimelineEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json", exclude={"dedupe_key", "settled"})
    if data.get("delivery"):
        data["delivery"].pop("lease_until", None)
    for attachment in data.get("attachments") or ():
        # files are downloaded through their entry, so the entry's access decides who gets them
        attachment["url"] = entry_file_url(entry.id, attachment.get("url"))
    return data


def user_json(user: User) -> dict[str, Any]:
    return user.public()


def department_json(department: Department) -> dict[str, Any]:
    return department.model_dump(mode="json")


def merge_json(suggestion: MergeSuggestion) -> dict[str, Any]:
    return suggestion.model_dump(mode="json")


def partner_json(partner: Partner) -> dict[str, Any]:
    return partner.model_dump(mode="json")


def grant_json(grant: Grant) -> dict[str, Any]:
    return grant.model_dump(mode="json")


def saved_view_json(view: SavedView, can_edit: bool) -> dict[str, Any]:
    """A saved view with only the filters that are set, and whether its reader may change it."""
    data = view.model_dump(mode="json")
    data["filters"] = view.filters.compact()
    data["can_edit"] = can_edit
    return data
