"""Twilio's JSON-bodied callbacks: the URL carries `bodySHA256` (the hex SHA-256 of the raw body) and
X-Twilio-Signature covers that URL alone. Signed here with the official SDK's RequestValidator."""

from __future__ import annotations

import hashlib
import json

from telephony_helpers import PUBLIC_URL, TWILIO_TOKEN, call_entry, post
from twilio.request_validator import RequestValidator

from connectors.telephony import twilio as twilio_module
from connectors.telephony.common import SignatureError, WebhookRequest

PATH = "/webhooks/telephony/twilio"
JSON = {"Content-Type": "application/json"}


def signed(body: bytes, *, token: str = TWILIO_TOKEN) -> tuple[str, str]:
    """The query Twilio adds and the signature over the URL with it, as the SDK computes them."""
    query = f"?bodySHA256={hashlib.sha256(body).hexdigest()}"
    return query, RequestValidator(token).compute_signature(PUBLIC_URL + PATH + query, {})


def request_of(url: str, body: bytes, signature: str) -> WebhookRequest:
    from multidict import CIMultiDict, CIMultiDictProxy

    headers = CIMultiDictProxy(CIMultiDict({"X-Twilio-Signature": signature}))
    return WebhookRequest(url=url, headers=headers, body=body, content_type="application/json")


def test_the_sdk_vector_for_a_json_body_validates_here():
    # the SDK's own test vector: token 12345, this URL and body
    body = b'{"property": "value", "boolean": true}'
    digest = hashlib.sha256(body).hexdigest()
    assert digest == "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    url = f"https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256={digest}"
    sdk = RequestValidator("12345")
    assert sdk.compute_signature(url, {}) == "a9nBmqA0ju/hNViExpshrM61xv4="
    assert sdk.validate(url, body.decode(), "a9nBmqA0ju/hNViExpshrM61xv4=")
    config = twilio_module.TwilioConfig(auth_token="12345")
    params = twilio_module.verify(config, request_of(url, body, "a9nBmqA0ju/hNViExpshrM61xv4="))
    assert dict(params) == {"property": "value", "boolean": "true"}
    # the SDK refuses an altered body, and so does the hub
    altered = b'{"property": "other", "boolean": true}'
    assert not sdk.validate(url, altered.decode(), "a9nBmqA0ju/hNViExpshrM61xv4=")
    try:
        twilio_module.verify(config, request_of(url, altered, "a9nBmqA0ju/hNViExpshrM61xv4="))
    except SignatureError as exc:
        assert "bodySHA256" in str(exc)
    else:
        raise AssertionError("an altered JSON body was accepted")


def call(status: str, seq: int) -> dict:
    return {"CallSid": "CA-json", "CallStatus": status, "Direction": "inbound", "From": "+79161234567",
            "To": "+74951234567", "SequenceNumber": seq}  # fmt: skip


async def test_a_signed_json_callback_is_recorded(server):
    body = json.dumps(call("ringing", 1)).encode()
    query, signature = signed(body)
    status, answer = await post(server, PATH + query, body, {**JSON, "X-Twilio-Signature": signature})
    assert status == 200 and answer["applied"] == 1, answer
    entry = await call_entry(server, "twilio", "CA-json")
    assert entry.meta["call"]["status"] == "ringing"
    assert entry.meta["call"]["number"] == "+79161234567"


async def test_a_json_callback_with_an_altered_body_or_no_body_hash_is_403(server):
    body = json.dumps(call("ringing", 1)).encode()
    query, signature = signed(body)
    altered = json.dumps(call("completed", 1)).encode()
    headers = {**JSON, "X-Twilio-Signature": signature}
    status, answer = await post(server, PATH + query, altered, headers)
    assert status == 403 and answer["error"]["code"] == "bad_signature", answer
    # the URL without its bodySHA256, signed as such: a JSON body needs the hash
    bare = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + PATH, {})
    status, _ = await post(server, PATH, body, {**JSON, "X-Twilio-Signature": bare})
    assert status == 403
    # a right hash under another account's token
    _, other = signed(body, token="another token")
    status, _ = await post(server, PATH + query, body, {**JSON, "X-Twilio-Signature": other})
    assert status == 403
    assert await call_entry(server, "twilio", "CA-json") is None


async def test_a_signed_json_body_that_is_not_an_object_is_400(server):
    body = b"[1, 2]"
    query, signature = signed(body)
    status, answer = await post(server, PATH + query, body, {**JSON, "X-Twilio-Signature": signature})
    assert status == 400 and answer["error"]["code"] == "invalid", answer
