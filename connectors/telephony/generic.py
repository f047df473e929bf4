"""Any PBX (Asterisk, FreeSWITCH, ...): one documented body per call event, JSON or form-encoded.

Signed `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` with `X-Hub-Timestamp` (unix
seconds; refused when more than 5 minutes away from the hub's clock), or `Authorization: Bearer <token>` with one
of the configured tokens, for a dialplan's CURL() that cannot compute an HMAC (use https).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.calls import CallEvent, CallStatus

from .common import Malformed, SignatureError, WebhookRequest, e164, from_unix
from .config import GenericConfig

NAME = "generic"
SIGNATURE_HEADER = "X-Hub-Signature"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
MAX_SKEW = timedelta(minutes=5)

# other spellings of a status: Twilio's, Asterisk's DIALSTATUS (lower-cased) as a hangup handler has it
ALIASES = {
    "answer": "completed",
    "cancel": "missed",
    "in-progress": "answered",
    "no-answer": "missed",
    "noanswer": "missed",
    "canceled": "missed",
    "cancelled": "missed",
    "congestion": "failed",
    "chanunavail": "failed",
    # FreeSWITCH's hangup_cause (lower-cased), as a reporting hook posts it
    "normal_clearing": "completed",
    "no_answer": "missed",
    "no_user_response": "missed",
    "originator_cancel": "missed",
    "user_busy": "busy",
    "call_rejected": "busy",
}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(config: GenericConfig, request: WebhookRequest, now: datetime) -> None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer " and config.tokens:
        token = auth[7:].strip().encode()
        # every token compared, so the time taken does not say which one nearly matched
        matches = [hmac.compare_digest(token, t.encode()) for t in config.tokens]
        if any(matches):
            return
        raise SignatureError("unknown bearer token")
    given = request.headers.get(SIGNATURE_HEADER, "")
    stamp = request.headers.get(TIMESTAMP_HEADER, "")
    if not given or not stamp or not config.secret:
        raise SignatureError(f"{SIGNATURE_HEADER} and {TIMESTAMP_HEADER} (or a bearer token) are required")
    expected = signature(config.secret, stamp, request.body)
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match")
    at = from_unix(stamp) if stamp.isdigit() else None
    if at is None or abs(now - at) > MAX_SKEW:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than 5 minutes away: a stale or replayed request")


class GenericEvent(BaseModel):
    """The body a PBX posts, one per event of a call."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    event_id: str = Field(
        min_length=1, max_length=200, description="unique per event: a replay carries the same"
    )
    call_id: str = Field(min_length=1, max_length=200, description="the same for every event of one call")
    direction: Literal["in", "out", "inbound", "outbound"] = "in"
    from_: str = Field("", alias="from", max_length=40)
    to: str = Field("", max_length=40)
    status: CallStatus | None = None
    seq: int = Field(0, ge=0, le=999_999)
    timestamp: datetime | None = None
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration: int | None = Field(None, ge=0, le=10**7)
    answered_by: str = Field("", max_length=100)
    recording_url: str = Field("", max_length=2000)
    transcript: str = Field("", max_length=100_000)
    name: str = Field("", max_length=200, description="the caller's name, when the PBX knows it")

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            return ALIASES.get(value, value) or None
        return value

    @field_validator("timestamp", "started_at", "answered_at", "ended_at", "duration", "seq", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("timestamp", "started_at", "answered_at", "ended_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone (or unix seconds)")
        return value

    @field_validator("recording_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


def parse(request: WebhookRequest, region: str) -> CallEvent:
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data: Any = request.form_dict()
    else:
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, RecursionError) as exc:
            raise Malformed("the body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise Malformed("the body must be a JSON object (or a form)")
    try:
        body = GenericEvent.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise Malformed(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
    outbound = body.direction in ("out", "outbound")
    number, line = (body.to, body.from_) if outbound else (body.from_, body.to)
    values: dict[str, Any] = {}
    if body.timestamp is not None:
        values["occurred_at"] = body.timestamp
    return CallEvent(
        provider=NAME,
        call_id=body.call_id,
        event_id=body.event_id,
        direction="out" if outbound else "in",
        number=e164(number, region),
        line=e164(line, region),
        status=body.status,
        seq=body.seq,
        started_at=body.started_at,
        answered_at=body.answered_at,
        ended_at=body.ended_at,
        duration=body.duration,
        answered_by=body.answered_by,
        recording_url=body.recording_url,
        transcript=body.transcript,
        display_name=body.name,
        **values,
    )
