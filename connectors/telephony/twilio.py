"""Twilio voice status callbacks (and recording status callbacks), form-encoded, signed X-Twilio-Signature.

The signature, as Twilio computes it (twilio-python's RequestValidator): the full URL Twilio called, then for each
POST parameter name in sorted order each of its distinct values sorted, `name + value`; HMAC-SHA1 keyed with the
account's auth token; base64. The URL is the public one (HUB_PUBLIC_URL, so it works behind a proxy), accepted
with and without the port, as the SDK does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

from hub.calls import CallEvent, CallStatus

from .common import Ignored, Malformed, SignatureError, WebhookRequest, e164, to_int
from .config import TwilioConfig

NAME = "twilio"
HEADER = "X-Twilio-Signature"

STATUS = {
    "queued": CallStatus.ringing,
    "initiated": CallStatus.ringing,
    "ringing": CallStatus.ringing,
    "in-progress": CallStatus.answered,
    "completed": CallStatus.completed,
    "busy": CallStatus.busy,
    "failed": CallStatus.failed,
    "no-answer": CallStatus.missed,
    "canceled": CallStatus.missed,
}


def signature(token: str, url: str, params: list[tuple[str, str]]) -> str:
    data = url
    for name in sorted({n for n, _ in params}):
        for value in sorted({v for n, v in params if n == name}):
            data += name + value
    digest = hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_forms(url: str) -> list[str]:
    """The URL as given, without its port, and with the scheme's default port (Twilio signs either)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    default = 443 if parts.scheme == "https" else 80
    port = parts.port or default
    forms = [url, urlunsplit(parts._replace(netloc=prefix + host))]
    forms.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{port}")))
    return list(dict.fromkeys(forms))


def verify(config: TwilioConfig, request: WebhookRequest) -> list[tuple[str, str]]:
    given = request.headers.get(HEADER, "")
    if not given:
        raise SignatureError(f"{HEADER} is missing")
    params = request.form()
    for form in url_forms(request.url):
        if hmac.compare_digest(signature(config.auth_token, form, params).encode(), given.encode()):
            return params
    raise SignatureError(f"{HEADER} does not match")


def parse(params: list[tuple[str, str]], region: str) -> CallEvent:
    form = dict(params)
    sid = form.get("CallSid", "").strip()
    if not sid or len(sid) > 64:
        raise Malformed("CallSid is missing")
    raw_status = form.get("CallStatus", "").strip().lower()
    recording = form.get("RecordingUrl", "").strip()
    if not raw_status and not recording:
        raise Ignored("neither a call status nor a recording")
    status = STATUS.get(raw_status) if raw_status else None
    if raw_status and status is None:
        raise Malformed(f"unknown CallStatus {raw_status!r}")
    inbound = form.get("Direction", "inbound").strip().lower() == "inbound"
    ours, theirs = (form.get("To"), form.get("From")) if inbound else (form.get("From"), form.get("To"))
    occurred = None
    if form.get("Timestamp"):
        try:
            occurred = parsedate_to_datetime(form["Timestamp"])
        except (TypeError, ValueError):
            raise Malformed("Timestamp is not an RFC 2822 date") from None
        if occurred.tzinfo is None:
            raise Malformed("Timestamp has no time zone")
    seq = to_int(form.get("SequenceNumber"), "SequenceNumber") or 0
    duration = to_int(form.get("CallDuration") or form.get("RecordingDuration"), "CallDuration")
    kind = raw_status or f"recording-{form.get('RecordingSid', '')}-{form.get('RecordingStatus', '')}"
    values = {
        "provider": NAME,
        "call_id": sid,
        "event_id": f"{sid}:{kind}:{seq}",
        "direction": "in" if inbound else "out",
        "number": e164(theirs, region),
        "line": e164(ours, region),
        "status": status,
        "seq": seq,
        "duration": duration if raw_status in ("completed", "") else None,
        "recording_url": recording,
        "transcript": form.get("TranscriptionText", "")[:10_000],
    }
    if occurred is not None:
        values["occurred_at"] = occurred
    return CallEvent(**values)
