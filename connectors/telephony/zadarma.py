"""Zadarma (and Novofon, the same API) PBX notifications: form-encoded POSTs, header `Signature`.

The signature, as Zadarma computes it (its user-api-v1 webhook classes): base64 of the **hex** HMAC-SHA1 — the
40-character hex string, not the raw digest — of the event's documented fields concatenated, keyed with the API
secret. The signed fields cover neither the outcome nor a timestamp, so replays are deduplicated by the event's
identity (the hash of its whole body: a replay is the same body). The URL check is `GET ?zd_echo=X` answered X.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from hub.calls import CallEvent, CallStatus

from .common import Ignored, Malformed, SignatureError, WebhookRequest, body_event_id, e164, to_int
from .config import ZadarmaConfig

HEADER = "Signature"

# the fields each event's signature covers, in order
SIGNED: dict[str, tuple[str, ...]] = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}

# `disposition` of NOTIFY_END / NOTIFY_OUT_END -> the call's outcome
DISPOSITION = {
    "answered": CallStatus.completed,
    "busy": CallStatus.busy,
    "cancel": CallStatus.missed,
    "no answer": CallStatus.missed,
    "noanswer": CallStatus.missed,
    "failed": CallStatus.failed,
    "no money": CallStatus.failed,
    "unallocated number": CallStatus.failed,
    "no limit": CallStatus.failed,
    "no day limit": CallStatus.failed,
    "line limit": CallStatus.failed,
    "no money, no limit": CallStatus.failed,
}


def signature(secret: str, message: str) -> str:
    hex_digest = hmac.new(secret.encode(), message.encode("utf-8"), hashlib.sha1).hexdigest()
    return base64.b64encode(hex_digest.encode()).decode()


def verify(config: ZadarmaConfig, request: WebhookRequest) -> dict[str, str]:
    given = request.headers.get(HEADER, "")
    if not given:
        raise SignatureError(f"{HEADER} is missing")
    form = request.form_dict()
    event = form.get("event", "")
    fields = SIGNED.get(event)
    if fields is None:
        # a notification whose signature we do not know how to check: never acted on
        raise Ignored(f"event {event!r} is not a call event")
    expected = signature(config.secret, "".join(form.get(f, "") for f in fields))
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SignatureError(f"{HEADER} does not match")
    return form


def parse(name: str, form: dict[str, str], request: WebhookRequest, region: str) -> CallEvent:
    event = form["event"]
    call_id = form.get("pbx_call_id", "").strip()
    if not call_id or len(call_id) > 128:
        raise Malformed("pbx_call_id is missing")
    outbound = event.startswith("NOTIFY_OUT_")
    status: CallStatus | None
    if event in ("NOTIFY_START", "NOTIFY_INTERNAL", "NOTIFY_OUT_START"):
        status = CallStatus.ringing
    elif event == "NOTIFY_ANSWER":
        status = CallStatus.answered
    elif event in ("NOTIFY_END", "NOTIFY_OUT_END"):
        disposition = form.get("disposition", "").strip().lower()
        status = DISPOSITION.get(disposition, CallStatus.failed if disposition else CallStatus.completed)
    else:  # NOTIFY_RECORD
        status = None
    if outbound:
        number, line = form.get("destination"), form.get("caller_id")
    else:
        number, line = form.get("caller_id"), form.get("called_did")
    answered_by = form.get("destination", "") if event == "NOTIFY_ANSWER" else ""
    if event == "NOTIFY_END" and form.get("disposition", "").strip().lower() == "answered":
        answered_by = form.get("internal", "")
    recording = (
        form.get("call_id_with_rec", "") if event == "NOTIFY_RECORD" or form.get("is_recorded") == "1" else ""
    )
    return CallEvent(
        provider=name,
        call_id=call_id,
        event_id=body_event_id(request),
        direction="out" if outbound else "in",
        number="" if event == "NOTIFY_RECORD" else e164(number, region),
        line=e164(line, region),
        status=status,
        duration=to_int(form.get("duration"), "duration"),
        answered_by=answered_by.strip()[:100],
        recording_id=recording.strip()[:200],
        disposition=form.get("disposition", "").strip()[:50],
    )
