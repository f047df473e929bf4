"""Twilio voice status callbacks (and recording status callbacks), form-encoded, signed X-Twilio-Signature.

The signature, as Twilio computes it (twilio-python's RequestValidator): the full URL Twilio called, then for each
POST parameter name in sorted order each of its distinct values sorted, `name + value`; HMAC-SHA1 keyed with the
account's auth token; base64. The URL is the public one (HUB_PUBLIC_URL, so it works behind a proxy), accepted
with and without the port, as the SDK does.

A JSON body (Twilio's JSON-bodied callbacks) is signed differently: the URL carries `bodySHA256`, the hex SHA-256
of the raw body, and the signature covers that URL alone (no parameters). Both must match; the JSON object's
scalar members are then read like the form's parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit, urlunsplit

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
    is_json = request.content_type == "application/json"
    if is_json:
        body_hash = parse_qs(urlsplit(request.url).query).get("bodySHA256", [""])[0]
        if not body_hash:
            raise SignatureError("a JSON body needs bodySHA256 in the URL")
        actual = hashlib.sha256(request.body).hexdigest()
        if not hmac.compare_digest(actual.encode(), body_hash.lower().encode()):
            raise SignatureError("bodySHA256 does not match the body")
    params = [] if is_json else request.form()
    for form in url_forms(request.url):
        if hmac.compare_digest(signature(config.auth_token, form, params).encode(), given.encode()):
            return json_params(request.body) if is_json else params
    raise SignatureError(f"{HEADER} does not match")


def json_params(body: bytes) -> list[tuple[str, str]]:
    """A signed JSON body's scalar members as (name, value) pairs, as the form's parameters would be."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Malformed("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise Malformed("the body must be a JSON object")
    pairs: list[tuple[str, str]] = []
    for name, value in data.items():
        if isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif isinstance(value, str | int | float):
            pairs.append((name, str(value)))
    return pairs


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
