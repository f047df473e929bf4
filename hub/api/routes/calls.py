"""Calls: click-to-call. The hub asks the configured telephony provider to connect the agent and the client; the
call is an outbound call entry on the client's phone conversation, updated by the provider's webhooks."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints, model_validator

from hub.actions import dialing
from hub.api.http import ApiError, Body, Ctx
from hub.api.routes import api
from hub.api.routes.models import STAFF, Id
from hub.api.schemas import ENTRY, object_doc, ref
from hub.dialing import DialError
from hub.representations import entry_json

Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]

PLACED = object_doc(
    "PlacedCall",
    {
        "id": {"type": "string", "description": "the call's timeline entry"},
        "call_id": {
            "type": "string",
            "description": "the provider's id of the call (or the hub's, until the provider names it)",
        },  # fmt: skip
        "provider": {"type": "string"},
        "number": {"type": "string"},
        "conversation_id": {"type": "string"},
        "status": {"type": "string"},
        "entry": ref(ENTRY.name),
    },
    {ENTRY.name: ENTRY.schema, **ENTRY.defs},
)


class CallIn(Body):
    client_id: Id | None = None
    conversation_id: Id | None = None
    number: Number | None = None

    @model_validator(mode="after")
    def _one_target(self) -> CallIn:
        if (self.client_id is None) == (self.conversation_id is None):
            raise ValueError("give exactly one of client_id and conversation_id")
        return self


@api.route(
    "POST",
    "/api/v1/calls",
    summary="Call a client: the telephony provider connects your line with the client's number (one of the "
    "client's phone numbers, the first by default)",
    tag="clients",
    auth=STAFF,
    body=CallIn,
    status=202,
    response=PLACED,
    responses={
        400: "calls are not configured, the client has no phone (or not this one), or your line is not set up",
        404: "no such client or conversation (or one you may not see)",
        502: "the provider refused the call or did not answer",
    },
)
async def place_call(ctx: Ctx, body: CallIn) -> Any:
    try:
        entry = await dialing.place_call(
            ctx.hub,
            ctx.user,
            client_id=body.client_id,
            conversation_id=body.conversation_id,
            number=body.number,
        )
    except DialError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    call = entry.meta.get("call") or {}
    return {
        "id": entry.id,
        "call_id": call.get("call_id"),
        "provider": call.get("provider"),
        "number": call.get("number"),
        "conversation_id": entry.conversation_id,
        "status": call.get("status"),
        "entry": entry_json(entry),
    }
