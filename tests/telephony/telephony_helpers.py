"""Requests signed exactly as each provider documents it (Twilio's with the official SDK)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

PUBLIC_URL = "https://hub.example.com"
TWILIO_TOKEN = "12345"
ZADARMA_SECRET = "SECRET"
MANGO_KEY, MANGO_SALT = "mango-api-key", "mango-api-salt"
GENERIC_SECRET = "generic-secret-0123456789"
PBX_TOKEN = "asterisk-office-token-0123456789"
SALES_LINE = "+74951234567"
SUPPORT_LINE = "+74957654321"
UNROUTED_LINE = "+74950000000"

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def post(server, path: str, body: bytes | str, headers: dict[str, str]) -> tuple[int, dict]:
    data = body.encode() if isinstance(body, str) else body
    async with server.http.post(f"{server.url}{path}", data=data, headers=headers) as r:
        return r.status, (
            await r.json() if r.content_type == "application/json" else {"text": await r.text()}
        )


async def twilio(server, params: dict[str, str], *, url: str | None = None, signature: str | None = None):
    path = "/webhooks/telephony/twilio"
    signed_url = url or PUBLIC_URL + path
    sig = (
        signature
        if signature is not None
        else RequestValidator(TWILIO_TOKEN).compute_signature(signed_url, params)
    )
    headers = {**FORM, "X-Twilio-Signature": sig} if sig else FORM
    return await post(server, path, urlencode(params), headers)


def zadarma_signature(message: str, secret: str = ZADARMA_SECRET) -> str:
    # Zadarma: base64 of the hex HMAC-SHA1 (user-api-v1, lib/Webhook)
    hex_digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(hex_digest.encode()).decode()


ZADARMA_SIGNED = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}


async def zadarma(server, fields: dict[str, str], *, provider: str = "zadarma", signature: str | None = None):
    message = "".join(fields.get(f, "") for f in ZADARMA_SIGNED[fields["event"]])
    sig = zadarma_signature(message) if signature is None else signature
    headers = {**FORM, "Signature": sig} if sig else FORM
    return await post(server, f"/webhooks/telephony/{provider}", urlencode(fields), headers)


async def mango(server, kind: str, payload: dict, *, key: str = MANGO_KEY, salt: str = MANGO_SALT):
    raw = json.dumps(payload)
    sign = hashlib.sha256(
        (key + raw + salt).encode()
    ).hexdigest()  # Mango VPBX API: sha256(api_key + json + salt)
    body = urlencode({"vpbx_api_key": key, "sign": sign, "json": raw})
    return await post(server, f"/webhooks/telephony/mango/events/{kind}", body, FORM)


def generic_headers(body: bytes, *, at: int | None = None, secret: str = GENERIC_SECRET) -> dict[str, str]:
    stamp = str(int(time.time()) if at is None else at)
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature": f"sha256={mac}", "X-Hub-Timestamp": stamp}


async def generic(server, event: dict, *, at: int | None = None):
    body = json.dumps(event).encode()
    return await post(server, "/webhooks/telephony/generic", body, generic_headers(body, at=at))


async def call_entry(server, provider: str, call_id: str):
    return await server.hub.store.timeline.get_by_dedupe_key(f"phone:{provider}:{call_id}")
