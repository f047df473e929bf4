"""Mango Office VPBX events: POST <url>/events/call, /events/summary, /events/recording with form fields
`vpbx_api_key`, `sign`, `json`, where sign = hex SHA-256 of api_key + json + api_salt over the raw `json` string.

`entry_id` names the whole call (`call_id` one leg of it); events of a call may arrive out of order and are ordered
by `seq`. /events/summary closes the call: `talk_time` 0 means nobody answered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from hub.calls import CallEvent, CallStatus

from .common import Ignored, Malformed, SignatureError, WebhookRequest, e164, from_unix, to_int
from .config import MangoConfig

NAME = "mango"
KINDS = ("call", "summary", "recording")
UNFINISHED = ("Started", "Continued")  # recording_state before Completed: no file yet
STATE = {"Appeared": CallStatus.ringing, "Connected": CallStatus.answered}


def sign(api_key: str, payload: str, api_salt: str) -> str:
    return hashlib.sha256((api_key + payload + api_salt).encode("utf-8")).hexdigest()


def verify(config: MangoConfig, request: WebhookRequest) -> dict[str, Any]:
    form = request.form_dict()
    key, given, payload = form.get("vpbx_api_key", ""), form.get("sign", ""), form.get("json")
    if not given or not key or payload is None:
        raise SignatureError("vpbx_api_key, sign and json are required")
    key_ok = hmac.compare_digest(key.encode(), config.api_key.encode())
    sign_ok = hmac.compare_digest(
        sign(config.api_key, payload, config.api_salt).encode(), given.lower().encode()
    )
    if not (key_ok and sign_ok):
        raise SignatureError("sign does not match")
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise Malformed("json is not valid JSON") from exc
    if not isinstance(data, dict):
        raise Malformed("json must be an object")
    return data


def _party(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _text(value: Any, limit: int = 128) -> str:
    return str(value).strip()[:limit] if isinstance(value, str | int) and not isinstance(value, bool) else ""


def parse(kind: str, data: dict[str, Any], region: str) -> CallEvent:
    if kind not in KINDS:
        raise Ignored(f"events/{kind} is not a call event")
    entry_id = _text(data.get("entry_id"))
    if not entry_id:
        raise Malformed("entry_id is missing")
    caller, callee = _party(data, "from"), _party(data, "to")
    seq = to_int(data.get("seq"), "seq") or 0
    if kind == "recording":
        recording = _text(data.get("recording_id"), 200)
        state = _text(data.get("recording_state"), 32)
        if state in UNFINISHED:
            raise Ignored("the recording is not finished yet")
        return CallEvent(
            provider=NAME,
            call_id=entry_id,
            event_id=f"recording:{recording}:{state}",
            direction="in",  # not said; the call's entry has its own
            number="",
            status=None,
            seq=seq,
            recording_id=recording,
        )
    if kind == "summary":
        direction = to_int(data.get("call_direction"), "call_direction")
        if direction not in (1, 2):
            raise Ignored("an internal call")
        outbound = direction == 2
        talk, end = from_unix(data.get("talk_time")), from_unix(data.get("end_time"))
        answered = talk is not None
        number = callee.get("number") if outbound else caller.get("number")
        line = data.get("line_number") or (caller.get("number") if outbound else callee.get("line_number"))
        return CallEvent(
            provider=NAME,
            call_id=entry_id,
            event_id=f"summary:{entry_id}",
            direction="out" if outbound else "in",
            number=e164(_text(number), region),
            line=e164(_text(line), region),
            status=CallStatus.completed if answered else CallStatus.missed,
            seq=seq,
            started_at=from_unix(data.get("create_time")),
            answered_at=talk,
            ended_at=end,
            duration=int((end - talk).total_seconds()) if answered and end and end >= talk else None,
            answered_by=_text(callee.get("extension"), 100) if answered and not outbound else "",
            disposition=_text(data.get("disconnect_reason"), 50),
        )
    state = _text(data.get("call_state"), 32)
    outbound = bool(caller.get("extension")) and not callee.get("extension")
    number = callee.get("number") if outbound else caller.get("number")
    line = caller.get("number") if outbound else callee.get("line_number")
    status = STATE.get(state)
    timestamp = from_unix(data.get("timestamp"))
    return CallEvent(
        provider=NAME,
        call_id=entry_id,
        event_id=f"call:{entry_id}:{_text(data.get('call_id'))}:{seq}:{state}",
        direction="out" if outbound else "in",
        number=e164(_text(number), region),
        line=e164(_text(line), region),
        status=status,
        seq=seq,
        started_at=timestamp if status is CallStatus.ringing else None,
        answered_at=timestamp if status is CallStatus.answered else None,
        answered_by=_text(callee.get("extension"), 100)
        if status is CallStatus.answered and not outbound
        else "",
        **({"occurred_at": timestamp} if timestamp else {}),
    )
