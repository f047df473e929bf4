"""realtime.lanes carries a conversation's events between hub processes as JSON: every event the actions publish
for a conversation (a new conversation and its first message, an assignment, a re-route, a snooze, a read, a split)
comes back out of `encode`/`decode_many` equal to what was published, so each process's listeners push the same as the
publisher's would. `changes` values travel in their JSON form (a datetime as its ISO text)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import TypeAdapter

from hub.actions import staff
from hub.actions.conversations import mark_read, update_conversation
from hub.actions.ingest import ingest
from hub.actions.threading import split_conversation
from hub.domain import ConversationStatus, IdentityKind, Role
from hub.identities import make_identity
from hub.inbound import InboundMessage
from realtime.dispatch import conversation_key
from realtime.lanes import _event_types, decode_many, encode


async def test_every_conversation_event_of_the_actions_survives_the_trip(hub):
    sales = await staff.create_department(hub, "Sales")
    admin = await staff.create_user(
        hub, email="lanes-admin@example.com", name="Admin", role=Role.admin, password="password-123"
    )
    who = (make_identity(IdentityKind.telegram, 4242),)
    first = await ingest(
        hub,
        InboundMessage(
            channel="telegram", provider_message_id="l-1", thread_key="t", identities=who, text="first"
        ),
    )
    second = await ingest(
        hub,
        InboundMessage(
            channel="telegram", provider_message_id="l-2", thread_key="t", identities=who, text="second"
        ),
    )
    conversation_id = first.entry.conversation_id
    await update_conversation(hub, admin, conversation_id, assignee_id=admin.id, department_id=sales.id)
    await update_conversation(
        hub,
        admin,
        conversation_id,
        status=ConversationStatus.snoozed,
        snoozed_until=hub.clock() + timedelta(hours=2),
    )
    await mark_read(hub, admin, conversation_id)
    await split_conversation(hub, admin, second.entry.id)

    lane_events = [e for e in hub.recorded.events if conversation_key(e)]
    kinds = {type(e).__name__ for e in lane_events}
    assert {
        "ConversationCreated",
        "EntryAdded",
        "ConversationUpdated",
        "ConversationRead",
        "EntriesMoved",
    } <= kinds
    types = _event_types()
    for event in lane_events:
        [(handler, back)] = decode_many(encode("h", event), types)
        assert handler == "h"
        changes = getattr(event, "changes", None)
        if changes is not None:  # Any values: compared in their JSON form
            adapter = TypeAdapter(dict[str, tuple[object, object]])
            assert adapter.dump_python(back.changes, mode="json") == adapter.dump_python(changes, mode="json")
            assert type(back) is type(event)
            assert {f: getattr(back, f) for f in event.__dataclass_fields__ if f != "changes"} == {
                f: getattr(event, f) for f in event.__dataclass_fields__ if f != "changes"
            }
        else:
            assert type(back) is type(event) and back == event
