"""Click-to-call: an agent asks the hub to connect them with a client by phone.

`place_call` goes through the access policy (a client or conversation the user may not see is NotFound), picks the
client's number (one of their phone identities: the one given, else the phone conversation's own, else the
first), asks the configured dialer (a telephony
connector's `hub.dialing.Dialer`) and records the call as an outbound call entry on the client's phone
conversation (hub.actions.calls), which the provider's status webhooks then update.

A provider that names the call only in its webhooks (Zadarma's callback request answers without an id) gets a
pending dial per number in the store's documents; `adopt_placed_call` maps that provider's first outbound event to
this number (within PENDING_MINUTES) onto the hub's call, and remembers the provider's id for its later events.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from hub import access
from hub.actions.calls import record_call_event
from hub.calls import CallEvent, CallStatus
from hub.context import Hub
from hub.dialing import PENDING_MINUTES, DialError, DialRequest
from hub.domain import IdentityKind, TimelineEntry, User, new_id
from hub.identities import InvalidIdentity, normalize_phone


async def place_call(
    hub: Hub,
    user: User,
    *,
    client_id: str | None = None,
    conversation_id: str | None = None,
    number: str | None = None,
) -> TimelineEntry:
    """Place a call from `user` to the client (of the conversation); returns the call's timeline entry."""
    language = hub.settings.language
    if conversation_id is not None:
        conversation, _ = await access.conversation_for(hub, user, conversation_id)
        client_id = conversation.client_id
    if client_id is None:
        raise ValueError("client_id or conversation_id is required")
    client = await access.client_for(hub, user, client_id)
    phones = [i.value for i in client.identities if i.kind == IdentityKind.phone]
    if not phones:
        raise DialError("no_phone", language)
    target = phones[0]
    if number is None and conversation_id is not None and conversation.thread_key in phones:
        target = conversation.thread_key  # a phone conversation is one number's: call that one
    if number is not None:
        try:
            target = normalize_phone(number, hub.settings.default_region)
        except InvalidIdentity:
            target = number.strip()
        if target not in phones:
            raise DialError("not_a_client_number", language, number=number.strip()[:40])
    dialer = hub.dialer
    if dialer is None:
        raise DialError("calls_not_configured", language)
    call_ref = f"hub-{new_id()}"
    named_later = not getattr(dialer, "names_calls", True)
    pending_key = f"dial:{dialer.provider}:{target}"
    if named_later:  # before the request: its first webhook may come before the answer
        await hub.store.documents.put(
            pending_key, {"call_id": call_ref, "at": hub.clock().isoformat()}, at=hub.clock()
        )
    request = DialRequest(
        call_ref=call_ref, number=target, user_id=user.id, user_email=user.email, language=language
    )
    try:
        placed = await dialer.dial(request)
    except DialError:
        if named_later:  # nothing was placed: no webhook of this number may join the call
            await hub.store.documents.put(pending_key, {"call_id": call_ref, "at": ""}, at=hub.clock())
        raise
    call_id = placed.call_id or call_ref
    event = CallEvent(
        provider=placed.provider,
        call_id=call_id,
        event_id=f"{call_id}:placed",
        direction="out",
        number=target,
        line=placed.line,
        status=CallStatus.ringing,
        placed_by=user.id,
    )
    department_id = conversation.department_id if conversation_id is not None else None
    result = await record_call_event(hub, event, department_id=department_id)
    assert result is not None  # an event that names the number always has its entry
    return result.entry


async def adopt_placed_call(hub: Hub, event: CallEvent) -> CallEvent:
    """The event as it applies to a call the hub placed with a provider that names calls only in its webhooks:
    the same event with the hub's call id, or the event unchanged."""
    documents = hub.store.documents
    bound = await documents.get(f"dial-id:{event.provider}:{event.call_id}")
    if bound is not None:
        return dataclasses.replace(event, call_id=bound["call_id"])
    if event.direction != "out" or not event.number:
        return event
    key = f"dial:{event.provider}:{event.number}"
    pending = await documents.get(key)
    if pending is None or not pending.get("at") or pending.get("bound", event.call_id) != event.call_id:
        return event
    placed_at = datetime.fromisoformat(pending["at"])
    if hub.clock() - placed_at > timedelta(minutes=PENDING_MINUTES):
        return event
    now = hub.clock()
    await documents.put(f"dial-id:{event.provider}:{event.call_id}", {"call_id": pending["call_id"]}, at=now)
    await documents.put(key, {**pending, "bound": event.call_id}, at=now)
    return dataclasses.replace(event, call_id=pending["call_id"])
