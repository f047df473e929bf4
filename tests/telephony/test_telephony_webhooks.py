"""Signed call webhooks from each provider, built exactly as the provider documents its signature, against a
running hub: the lifecycle of one call out of order, replays, forged and stale signatures, bad bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from multidict import MultiDict
from telephony_helpers import (
    FORM,
    PBX_TOKEN,
    PUBLIC_URL,
    SALES_LINE,
    TWILIO_TOKEN,
    call_entry,
    generic,
    generic_headers,
    mango,
    post,
    twilio,
    zadarma,
    zadarma_signature,
)
from twilio.request_validator import RequestValidator

from connectors.telephony import twilio as twilio_module
from connectors.telephony import zadarma as zadarma_module
from hub.actions import staff

CLIENT = "+79161234567"


@pytest.fixture
async def departments(server):
    hub = server.hub
    return {name: await staff.create_department(hub, name) for name in ("Sales", "Support")}


# --- the vectors of RECIPES.md, against the vendors' own code ------------------------------------------------------


def test_twilio_signature_matches_the_official_sdk_and_its_vector():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert RequestValidator("12345").compute_signature(url, params) == expected
    assert twilio_module.signature("12345", url, list(params.items())) == expected
    # a repeated parameter: each distinct value, sorted, as the SDK does
    repeated = [("b", "2"), ("a", "y"), ("a", "x"), ("a", "y")]
    sdk = RequestValidator(TWILIO_TOKEN).compute_signature(url, MultiDict(repeated))
    assert twilio_module.signature(TWILIO_TOKEN, url, repeated) == sdk


def test_zadarma_signature_is_base64_of_the_hex_digest():
    # caller_id + called_did + call_start, concatenated as they are (RECIPES.md prints a space before the date
    # for reading; the vector is of the plain concatenation)
    message = "+79001234567" + "+74951234567" + "2024-01-01 12:00:00"
    expected = "Y2VmNWRmZDdlY2I1NTZmMGU3MTYxZGRiMjM0ZDE0YTc5YWUwNDg1Ng=="
    assert zadarma_module.signature("SECRET", message) == expected
    assert zadarma_signature(message) == expected
    raw = base64.b64encode(hmac.new(b"SECRET", message.encode(), hashlib.sha1).digest()).decode()
    assert expected != raw  # not the raw digest


# --- Twilio --------------------------------------------------------------------------------------------------------


def twilio_params(status: str, seq: int, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": "AC123",
        "CallSid": "CA-life",
        "CallStatus": status,
        "Direction": "inbound",
        "From": CLIENT,
        "To": SALES_LINE,
        "SequenceNumber": str(seq),
        "Timestamp": f"Mon, 04 Nov 2024 10:00:0{seq} +0000",
        **extra,
    }


async def test_twilio_call_lifecycle_out_of_order_joins_one_entry(server, departments):
    # completed (with the duration and the recording) arrives before answered, and ringing last
    for params in (
        twilio_params("completed", 3, CallDuration="134", RecordingUrl="https://api.twilio.com/rec/RE1"),
        twilio_params("in-progress", 2),
        twilio_params("ringing", 1),
    ):
        status, body = await twilio(server, params)
        assert status == 200, body
        assert body["applied"] == 1
    entry = await call_entry(server, "twilio", "CA-life")
    call = entry.meta["call"]
    assert entry.kind == "call" and entry.channel == "phone"
    assert call["status"] == "completed"
    assert call["duration"] == 134
    assert call["recording_url"] == "https://api.twilio.com/rec/RE1"
    assert (call["number"], call["line"], call["direction"]) == (CLIENT, SALES_LINE, "in")
    assert len(call["events"]) == 3
    conversation = await server.hub.store.conversations.get(entry.conversation_id)
    assert conversation.channel == "phone" and conversation.department_id == departments["Sales"].id


async def test_twilio_replay_is_applied_once(server, departments):
    params = twilio_params("ringing", 1)
    assert (await twilio(server, params))[1]["applied"] == 1
    status, body = await twilio(server, params)
    assert status == 200 and body["applied"] == 0
    entry = await call_entry(server, "twilio", "CA-life")
    assert entry.meta["call"]["events"] == ["CA-life:ringing:1"]


async def test_twilio_signature_over_the_url_with_its_port_is_accepted(server, departments):
    url = PUBLIC_URL.replace("hub.example.com", "hub.example.com:443") + "/webhooks/telephony/twilio"
    status, body = await twilio(server, twilio_params("ringing", 1), url=url)
    assert status == 200, body


@pytest.mark.parametrize(
    "how", ["unsigned", "forged", "other token", "internal url", "tampered"], ids=lambda how: how
)
async def test_twilio_bad_signatures_are_403_and_store_nothing(server, departments, how):
    params = twilio_params("ringing", 1)
    path = "/webhooks/telephony/twilio"
    signature = {
        "unsigned": "",
        "forged": "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
        "other token": RequestValidator("other").compute_signature(PUBLIC_URL + path, params),
        # the URL the hub itself sees behind the proxy is not the one Twilio signed
        "internal url": RequestValidator(TWILIO_TOKEN).compute_signature(server.url + path, params),
        "tampered": RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + path, params),
    }[how]
    if how == "tampered":
        params = {**params, "From": "+79990000000"}
    status, body = await twilio(server, params, signature=signature)
    assert status == 403, body
    assert body["error"]["code"] == "bad_signature"
    assert await call_entry(server, "twilio", "CA-life") is None


async def test_twilio_malformed_is_400(server):
    status, body = await twilio(server, {"CallSid": "CA1", "CallStatus": "exploded"})
    assert status == 400 and body["error"]["code"] == "invalid"
    status, body = await twilio(server, {"CallSid": "CA1", "CallStatus": "ringing", "Timestamp": "yesterday"})
    assert status == 400


# --- Zadarma / Novofon ---------------------------------------------------------------------------------------------

START = "2024-01-01 12:00:00"


def zd(event: str, **fields: str) -> dict[str, str]:
    return {"event": event, "pbx_call_id": "in_abc", "call_start": START, **fields}


async def test_zadarma_lifecycle_end_before_answer_and_a_replay(server, departments):
    end = zd(
        "NOTIFY_END",
        caller_id="79161234567",
        called_did="74951234567",
        internal="101",
        duration="42",
        disposition="answered",
        is_recorded="1",
        call_id_with_rec="1700000000.123",
    )
    assert (await zadarma(server, end))[1]["applied"] == 1
    assert (await zadarma(server, zd("NOTIFY_ANSWER", caller_id="79161234567", destination="102")))[0] == 200
    assert (await zadarma(server, zd("NOTIFY_START", caller_id="79161234567", called_did="74951234567")))[
        0
    ] == 200
    status, body = await zadarma(server, end)  # the signature has no timestamp: a replay is deduplicated
    assert status == 200 and body["applied"] == 0
    call = (await call_entry(server, "zadarma", "in_abc")).meta["call"]
    assert call["status"] == "completed"
    assert call["duration"] == 42
    assert call["answered_by"] == "101"  # NOTIFY_END is the more advanced event: its word stands
    assert call["recording_id"] == "1700000000.123"
    assert (call["number"], call["line"]) == (CLIENT, SALES_LINE)
    assert len(call["events"]) == 3


@pytest.mark.parametrize(
    ("disposition", "outcome"),
    [("busy", "busy"), ("cancel", "missed"), ("no answer", "missed"), ("failed", "failed")],
)
async def test_zadarma_disposition_is_the_outcome(server, departments, disposition, outcome):
    end = zd(
        "NOTIFY_END",
        caller_id="+79161234567",
        called_did="+74951234567",
        duration="0",
        disposition=disposition,
    )
    assert (await zadarma(server, end))[0] == 200
    assert (await call_entry(server, "zadarma", "in_abc")).meta["call"]["status"] == outcome


async def test_zadarma_forged_signature_is_403_and_stores_nothing(server, departments):
    start = zd("NOTIFY_START", caller_id="79161234567", called_did="74951234567")
    for signature in ("", zadarma_signature("something else"), base64.b64encode(b"x" * 40).decode()):
        status, body = await zadarma(server, start, signature=signature)
        assert status == 403, body
    # Novofon has its own secret: Zadarma's signature does not open it
    status, _ = await zadarma(server, start, provider="novofon")
    assert status == 403
    assert await call_entry(server, "zadarma", "in_abc") is None
    assert await call_entry(server, "novofon", "in_abc") is None


async def test_zadarma_url_check_echoes(server):
    async with server.http.get(f"{server.url}/webhooks/telephony/zadarma?zd_echo=abc123") as r:
        assert r.status == 200 and await r.text() == "abc123"
    async with server.http.get(f"{server.url}/webhooks/telephony/mango?zd_echo=abc123") as r:
        assert r.status == 404


# --- Mango Office --------------------------------------------------------------------------------------------------


def mango_call(seq: int, state: str, **extra) -> dict:
    return {
        "entry_id": "MToxMDA=",
        "call_id": "leg-1",
        "timestamp": 1700000000 + seq,
        "seq": seq,
        "call_state": state,
        "location": "abonent",
        "from": {"number": "79161234567"},
        "to": {"extension": "101", "number": "sip:101@vpbx", "line_number": "74951234567"},
        **extra,
    }


async def test_mango_events_out_of_order_are_ordered_by_seq(server, departments):
    summary = {
        "entry_id": "MToxMDA=",
        "call_direction": 1,
        "from": {"number": "79161234567"},
        "to": {"extension": "101", "number": "sip:101@vpbx"},
        "line_number": "74951234567",
        "create_time": 1700000001,
        "talk_time": 1700000002,
        "end_time": 1700000062,
        "entry_result": 1,
        "disconnect_reason": 1110,
    }
    assert (await mango(server, "summary", summary))[1]["applied"] == 1
    assert (await mango(server, "call", mango_call(3, "Disconnected")))[0] == 200
    assert (await mango(server, "call", mango_call(2, "Connected")))[0] == 200
    assert (await mango(server, "call", mango_call(1, "Appeared")))[0] == 200
    status, body = await mango(server, "call", mango_call(2, "Connected"))
    assert status == 200 and body["applied"] == 0
    call = (await call_entry(server, "mango", "MToxMDA=")).meta["call"]
    assert call["status"] == "completed"
    assert call["duration"] == 60
    assert call["answered_by"] == "101"
    assert (call["number"], call["line"]) == (CLIENT, SALES_LINE)


async def test_mango_unanswered_summary_is_a_missed_call(server, departments):
    summary = {
        "entry_id": "MToyMDA=",
        "call_direction": 1,
        "from": {"number": "79161234567"},
        "to": {"number": "74951234567"},
        "line_number": "74951234567",
        "create_time": 1700000001,
        "talk_time": 0,
        "end_time": 1700000030,
    }
    assert (await mango(server, "summary", summary))[0] == 200
    assert (await call_entry(server, "mango", "MToyMDA=")).meta["call"]["status"] == "missed"


async def test_mango_wrong_sign_or_key_is_403(server, departments):
    for key, salt in (("mango-api-key", "wrong salt"), ("wrong key", "mango-api-salt")):
        status, body = await mango(server, "call", mango_call(1, "Appeared"), key=key, salt=salt)
        assert status == 403, body
    status, _ = await post(server, "/webhooks/telephony/mango/events/call", urlencode({"json": "{}"}), FORM)
    assert status == 403
    assert await call_entry(server, "mango", "MToxMDA=") is None


# --- generic (Asterisk, FreeSWITCH, ...) ---------------------------------------------------------------------------


def generic_event(event_id: str, status: str, **extra) -> dict:
    return {"event_id": event_id, "call_id": "pbx-1", "direction": "in", "from": CLIENT, "to": SALES_LINE,
            "status": status, **extra}  # fmt: skip


async def test_generic_signed_events_and_transcript(server, departments):
    done = generic_event("e3", "completed", duration=30, transcript="Клиент просит перезвонить завтра")
    assert (await generic(server, done))[1]["applied"] == 1
    assert (await generic(server, generic_event("e1", "ringing")))[0] == 200
    call = (await call_entry(server, "generic", "pbx-1")).meta["call"]
    assert call["status"] == "completed"
    assert call["transcript"] == "Клиент просит перезвонить завтра"


async def test_generic_stale_or_forged_signature_is_403(server, departments):
    event = generic_event("e1", "ringing")
    status, body = await generic(server, event, at=int(time.time()) - 6 * 60)
    assert status == 403 and "5 minutes" in body["error"]["message"]
    raw = json.dumps(event).encode()
    headers = generic_headers(raw, secret="not the secret")
    assert (await post(server, "/webhooks/telephony/generic", raw, headers))[0] == 403
    headers = generic_headers(raw)
    assert (await post(server, "/webhooks/telephony/generic", raw + b" ", headers))[0] == 403
    bearer = {"Authorization": "Bearer not-a-configured-token-123", "Content-Type": "application/json"}
    assert (await post(server, "/webhooks/telephony/generic", raw, bearer))[0] == 403
    assert await call_entry(server, "generic", "pbx-1") is None


async def test_generic_form_with_a_bearer_token_as_an_asterisk_dialplan_sends_it(server, departments):
    # what the dialplan in docs/telephony.md posts with CURL(): a form, and a bearer token
    body = urlencode(generic_event("1700000000.1-ring", "ringing", seq=1))
    headers = {**FORM, "Authorization": f"Bearer {PBX_TOKEN}"}
    status, answer = await post(server, "/webhooks/telephony/generic", body, headers)
    assert status == 200 and answer["applied"] == 1, answer
    assert (await call_entry(server, "generic", "pbx-1")).meta["call"]["status"] == "ringing"
    # the hangup handler: DIALSTATUS as Asterisk spells it
    end = {**generic_event("1700000000.1-end", "ANSWER"), "duration": "65", "answered_by": "101"}
    status, answer = await post(server, "/webhooks/telephony/generic", urlencode(end), headers)
    assert status == 200 and answer["applied"] == 1, answer
    call = (await call_entry(server, "generic", "pbx-1")).meta["call"]
    assert (call["status"], call["duration"], call["answered_by"]) == ("completed", 65, "101")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({"call_id": "x"}).encode(), json.dumps({**generic_event("e", "exploded")}).encode(),
     b"[" * 100_000],
)  # fmt: skip
async def test_generic_malformed_is_400_json(server, body):
    status, answer = await post(server, "/webhooks/telephony/generic", body, generic_headers(body))
    assert status == 400, answer
    assert answer["error"]["code"] == "invalid"


async def test_unknown_or_unconfigured_provider_is_404(server):
    for path in ("/webhooks/telephony/skype", "/webhooks/telephony/twilio/events/call"):
        status, body = await post(server, path, b"x=1", FORM)
        assert status == 404 and body["error"]["code"] == "not_found"


# --- the client's phone conversation -------------------------------------------------------------------------------


async def test_calls_join_the_known_clients_phone_conversation(server, departments):
    headers = await server.login()
    async with server.http.post(
        f"{server.url}/api/v1/inbound",
        headers=headers,
        json={"external_id": "m1", "sender": {"phone": "8 916 123-45-67", "name": "Иван"}, "text": "hi"},
    ) as r:
        assert r.status == 201, await r.text()
        client_id = (await r.json())["client_id"]
    await generic(server, generic_event("a1", "completed"))
    await generic(server, {**generic_event("b1", "missed"), "call_id": "pbx-2"})
    first = await call_entry(server, "generic", "pbx-1")
    second = await call_entry(server, "generic", "pbx-2")
    assert first.client_id == second.client_id == client_id
    assert first.conversation_id == second.conversation_id


async def test_an_unknown_number_makes_a_client(server, departments):
    await generic(server, {**generic_event("x1", "ringing"), "from": "+12125551234"})
    entry = await call_entry(server, "generic", "pbx-1")
    client = await server.hub.store.clients.get(entry.client_id)
    assert [i.key for i in client.identities] == ["phone:+12125551234"]


async def test_a_phone_conversation_has_no_text_replies(server, departments):
    await generic(server, generic_event("e1", "completed"))
    entry = await call_entry(server, "generic", "pbx-1")
    headers = await server.login()
    async with server.http.post(
        f"{server.url}/api/v1/conversations/{entry.conversation_id}/replies",
        headers=headers,
        json={"text": "hi"},
    ) as r:
        assert r.status == 400
        assert "no text replies" in (await r.json())["error"]["message"]
    page = await server.hub.store.timeline.conversation_page(entry.conversation_id)
    assert [e.kind for e in page] == ["call"]  # nothing queued
    async with server.http.post(
        f"{server.url}/api/v1/conversations/{entry.conversation_id}/notes",
        headers=headers,
        json={"text": "called"},
    ) as r:
        assert r.status == 201  # notes still work
