"""Phone calls, provider-neutral: what a telephony connector hands to the hub (`CallEvent`, like InboundMessage
for messages) and how far along a call each status is.

A call is one timeline entry (kind `call`, channel `phone`) whose state lives in `entry.meta['call']`; every event
of the provider is applied to it by `hub.actions.calls.record_call_event`, in whatever order they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hub.domain import utcnow

CHANNEL = "phone"


class CallStatus(StrEnum):
    ringing = "ringing"
    answered = "answered"
    completed = "completed"
    missed = "missed"
    busy = "busy"
    failed = "failed"


# how far along a call each status is: a status never replaces a more advanced one
STAGE: dict[CallStatus, int] = {
    CallStatus.ringing: 1,
    CallStatus.answered: 2,
    CallStatus.completed: 3,
    CallStatus.missed: 3,
    CallStatus.busy: 3,
    CallStatus.failed: 3,
}
ENDED = frozenset({CallStatus.completed, CallStatus.missed, CallStatus.busy, CallStatus.failed})
MAX_SEQ = 999_999


def call_rank(status: CallStatus | None, seq: int = 0) -> int:
    """The order of an event within its call: the stage of its status, then the provider's sequence number (Mango
    `seq`, Twilio `SequenceNumber`) among events of the same stage. An event without a status ranks by seq only."""
    stage = STAGE[status] if status is not None else 0
    return stage * (MAX_SEQ + 1) + max(0, min(int(seq), MAX_SEQ))


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One event of one call, as a connector verified and parsed it.

    `call_id` names the whole call at the provider (unique per provider); `event_id` names this event, so that a
    replay of it is applied once (providers whose signatures carry no timestamp are replayable). `number` is the
    other party in E.164 ("" for an event that does not name it, like a recording: it only updates a known call), `line` our number (E.164, or "" when the provider does not say). `status` None: the event
    only adds facts (a recording, a transcript)."""

    provider: str
    call_id: str
    event_id: str
    direction: str  # "in" (the client called) or "out" (we called the client)
    number: str
    line: str = ""
    status: CallStatus | None = None
    seq: int = 0
    occurred_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration: int | None = None
    answered_by: str = ""
    recording_url: str = ""
    # the provider's id of the recording, when it gives no link (Zadarma's call_id_with_rec, Mango's recording_id)
    recording_id: str = ""
    transcript: str = ""
    disposition: str = ""
    display_name: str = ""
    # the user who placed an outbound call from the hub (click-to-call)
    placed_by: str = ""

    def __post_init__(self) -> None:
        if self.direction not in ("in", "out"):
            raise ValueError("direction must be 'in' or 'out'")
        if not self.provider or not self.call_id or not self.event_id:
            raise ValueError("provider, call_id and event_id are required")
        if self.number and not self.number.startswith("+"):
            raise ValueError("number must be in E.164 ('' when the event does not say)")

    @property
    def rank(self) -> int:
        return call_rank(self.status, self.seq)

    def fields(self) -> dict[str, str | int]:
        """The facts this event states (scalars only; what it does not say is left out)."""
        values: dict[str, str | int | None] = {
            "provider": self.provider,
            "call_id": self.call_id,
            # an event that does not name the other party (a recording) says nothing of the call's direction
            "direction": self.direction if self.number else None,
            "number": self.number or None,
            "line": self.line or None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration": self.duration,
            "answered_by": self.answered_by or None,
            "recording_url": self.recording_url or None,
            "recording_id": self.recording_id or None,
            "transcript": self.transcript or None,
            "disposition": self.disposition or None,
            "placed_by": self.placed_by or None,
        }
        return {k: v for k, v in values.items() if v is not None}
