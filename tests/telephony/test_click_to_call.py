"""Click-to-call: POST /api/v1/calls asks the provider's API (a stand-in that checks the auth as the provider
documents it) to connect the agent and the client; the provider's signed status webhooks then update that same
call entry, and reaching a client with an open callback task completes it."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from provider_standins import TWILIO_AUTH, TWILIO_SID, ZADARMA_KEY, Standin
from support import make_settings, start_app
from telephony_helpers import (
    FORM,
    GENERIC_SECRET,
    PUBLIC_URL,
    SALES_LINE,
    ZADARMA_SECRET,
    generic_headers,
    post,
    zadarma,
)
from twilio.request_validator import RequestValidator

from hub.actions import staff
from hub.domain import Role

CLIENT = "+79161234567"
AGENT_LINE = "+74959990001"


@pytest.fixture
def dial_provider() -> str:
    return "twilio"


@pytest.fixture
async def standin():
    fake = Standin(zadarma_secret=ZADARMA_SECRET)
    runner, fake.url = await start_app(fake.app())
    yield fake
    await runner.cleanup()


@pytest.fixture
def settings(tmp_path, standin, dial_provider):
    return make_settings(
        tmp_path,
        public_url=PUBLIC_URL,
        client_visibility="department",
        telephony={
            "twilio": {"auth_token": TWILIO_AUTH, "account_sid": TWILIO_SID, "caller_id": SALES_LINE,
                       "api_url": standin.url},
            "zadarma": {"secret": ZADARMA_SECRET, "api_key": ZADARMA_KEY, "api_url": standin.url},
            "generic": {"secret": GENERIC_SECRET},
            "dial_provider": dial_provider,
            "agents": {"admin@example.com": AGENT_LINE if dial_provider == "twilio" else "101"},
            "numbers": {SALES_LINE: "Sales"},
        },
    )  # fmt: skip


async def new_client(server, headers, sender: dict) -> str:
    body = {"external_id": f"m-{sorted(sender.items())}", "sender": sender, "text": "hello"}
    async with server.http.post(f"{server.url}/api/v1/inbound", headers=headers, json=body) as r:
        assert r.status == 201, await r.text()
        return (await r.json())["client_id"]


async def call(server, headers, body: dict) -> tuple[int, dict]:
    async with server.http.post(f"{server.url}/api/v1/calls", headers=headers, json=body) as r:
        return r.status, await r.json()


async def twilio_status(server, sid: str, status: str, seq: int, **extra: str) -> dict:
    params = {"AccountSid": TWILIO_SID, "CallSid": sid, "CallStatus": status, "Direction": "outbound-api",
              "From": SALES_LINE, "To": CLIENT, "SequenceNumber": str(seq), **extra}  # fmt: skip
    url = PUBLIC_URL + "/webhooks/telephony/twilio"
    signature = RequestValidator(TWILIO_AUTH).compute_signature(url, params)
    status_code, body = await post(
        server, "/webhooks/telephony/twilio", urlencode(params), {**FORM, "X-Twilio-Signature": signature}
    )
    assert status_code == 200, body
    return body


async def stored(server, entry_id: str):
    entry = await server.hub.store.timeline.get(entry_id)
    assert entry is not None
    return entry


async def test_twilio_click_to_call_then_its_status_callbacks_update_the_same_entry(server, standin):
    headers = await server.login()
    client_id = await new_client(server, headers, {"phone": "8 916 123-45-67", "name": "Иван"})
    status, placed = await call(server, headers, {"client_id": client_id})
    assert status == 202, placed
    # the stand-in got one request, authenticated as Twilio documents it
    assert standin.refused == [] and len(standin.twilio_calls) == 1
    form = standin.twilio_calls[0]
    assert form["To"] == [CLIENT] and form["From"] == [SALES_LINE]
    assert form["StatusCallback"] == [PUBLIC_URL + "/webhooks/telephony/twilio"]
    assert sorted(form["StatusCallbackEvent"]) == ["answered", "completed", "initiated", "ringing"]
    assert f"<Number>{AGENT_LINE}</Number>" in form["Twiml"][0]
    sid = placed["call_id"]
    assert sid.startswith("CA") and placed["provider"] == "twilio" and placed["status"] == "ringing"
    for i, state in enumerate(("initiated", "ringing", "in-progress", "completed")):
        await twilio_status(server, sid, state, i, **({"CallDuration": "61"} if state == "completed" else {}))
    entry = await stored(server, placed["id"])
    call_meta = entry.meta["call"]
    assert (call_meta["status"], call_meta["direction"], call_meta["duration"]) == ("completed", "out", 61)
    assert call_meta["number"] == CLIENT and call_meta["call_id"] == sid
    me = (await server.hub.store.users.get_by_email("admin@example.com")).id
    assert call_meta["placed_by"] == me
    page = await server.hub.store.timeline.conversation_page(entry.conversation_id)
    assert [e.id for e in page] == [placed["id"]]  # one call, one entry


@pytest.mark.parametrize("dial_provider", ["zadarma"])
async def test_zadarma_callback_request_then_webhooks_join_it_and_complete_the_callback_task(server, standin):
    headers = await server.login()
    await staff.create_department(server.hub, "Sales")
    # a missed call from the client: a callback task
    start = {"event": "NOTIFY_START", "pbx_call_id": "in_1", "call_start": "2024-01-01 12:00:00",
             "caller_id": "79161234567", "called_did": "74951234567"}  # fmt: skip
    assert (await zadarma(server, start))[0] == 200
    assert (
        await zadarma(server, {**start, "event": "NOTIFY_END", "disposition": "cancel", "duration": "0"})
    )[0] == 200
    missed = await server.hub.store.timeline.get_by_dedupe_key("phone:zadarma:in_1")
    async with server.http.get(
        f"{server.url}/api/v1/tasks", headers=headers, params={"client_id": missed.client_id}
    ) as r:
        tasks = (await r.json())["items"]
    assert [(t["kind"], t["status"]) for t in tasks] == [("callback", "open")]
    # the agent calls back from the phone conversation
    status, placed = await call(server, headers, {"conversation_id": missed.conversation_id})
    assert status == 202, placed
    assert standin.refused == []
    assert standin.zadarma_calls == [{"from": "101", "to": "79161234567", "format": "json"}]
    # the PBX rings the agent, then the client: its webhooks name the call by its own id
    out = {"event": "NOTIFY_OUT_START", "pbx_call_id": "out_77", "call_start": "2024-01-01 12:05:00",
           "internal": "101", "destination": "79161234567", "caller_id": "74951234567"}  # fmt: skip
    end = {**out, "event": "NOTIFY_OUT_END", "disposition": "answered", "duration": "95"}
    assert (await zadarma(server, end))[1]["applied"] == 1  # the end before the start: still the same call
    assert (await zadarma(server, out))[1]["applied"] == 1
    entry = await stored(server, placed["id"])
    assert entry.meta["call"]["status"] == "completed" and entry.meta["call"]["duration"] == 95
    assert entry.conversation_id == missed.conversation_id
    assert await server.hub.store.timeline.get_by_dedupe_key("phone:zadarma:out_77") is None
    async with server.http.get(f"{server.url}/api/v1/tasks/{tasks[0]['id']}", headers=headers) as r:
        assert (await r.json())["status"] == "done"


async def test_a_refusal_of_the_provider_is_a_502_with_its_reason(server, standin):
    standin.twilio_refuses = True
    headers = await server.login()
    client_id = await new_client(server, headers, {"phone": CLIENT})
    status, body = await call(server, headers, {"client_id": client_id})
    assert status == 502 and body["error"]["code"] == "provider_refused"
    assert "not a valid phone number" in body["error"]["message"]


async def test_no_phone_wrong_number_and_bad_bodies_are_400(server, standin):
    headers = await server.login()
    mail_only = await new_client(server, headers, {"email": "anna@example.com"})
    status, body = await call(server, headers, {"client_id": mail_only})
    assert status == 400 and body["error"]["code"] == "no_phone"
    client_id = await new_client(server, headers, {"phone": CLIENT})
    status, body = await call(server, headers, {"client_id": client_id, "number": "+12125551234"})
    assert status == 400 and body["error"]["code"] == "not_a_client_number"
    for bad in ({}, {"client_id": client_id, "conversation_id": "x"}, {"client_id": client_id, "extra": 1}):
        status, body = await call(server, headers, bad)
        assert status == 400, bad
    assert standin.twilio_calls == []


async def test_a_client_the_agent_may_not_see_is_404(server, standin):
    hub = server.hub
    sales = await staff.create_department(hub, "Sales")
    other = await staff.create_department(hub, "Other")
    admin = await server.login()
    client_id = await new_client(server, admin, {"phone": CLIENT})
    conversations = await hub.store.conversations.query(
        __import__("hub.store.port", fromlist=["ConversationQuery"]).ConversationQuery(client_id=client_id)
    )
    await hub.store.conversations.update(conversations[0].id, {"department_id": sales.id})
    await staff.create_user(hub, email="agent@example.com", name="Agent", role=Role.agent, password="agent-password",
                            department_ids=[other.id])  # fmt: skip
    agent = await server.login("agent@example.com", "agent-password")
    for body in ({"client_id": client_id}, {"conversation_id": conversations[0].id}):
        status, answer = await call(server, agent, body)
        assert status == 404 and answer["error"]["code"] == "not_found", answer
    assert standin.twilio_calls == []
    # the same agent in Sales may call (and has no line of their own: the hub says so)
    await staff.update_user(hub, (await hub.store.users.get_by_email("agent@example.com")).id,
                            department_ids=[sales.id])  # fmt: skip
    status, answer = await call(server, agent, {"client_id": client_id})
    assert status == 400 and answer["error"]["code"] == "no_agent_line", answer


async def test_without_a_provider_that_places_calls_it_is_400_in_the_hubs_language(tmp_path):
    from aiohttp import ClientSession
    from support import RunningHub

    from hub.app import create_app

    settings = make_settings(tmp_path, language="ru", telephony={"twilio": {"auth_token": "t"}})
    app = await create_app(settings)
    runner, url = await start_app(app)
    try:
        async with ClientSession() as http:
            server = RunningHub(url, app, http)
            headers = await server.login()
            client_id = await new_client(server, headers, {"phone": CLIENT})
            status, body = await call(server, headers, {"client_id": client_id})
    finally:
        await runner.cleanup()
    assert status == 400 and body["error"]["code"] == "calls_not_configured"
    assert "не настроен" in body["error"]["message"]


async def test_a_phone_conversation_calls_its_own_number_and_a_client_its_first(server, standin):
    headers = await server.login()
    second = "+79167654321"
    client_id = await new_client(server, headers, {"phone": CLIENT, "email": "ivan@example.com"})
    assert await new_client(server, headers, {"email": "ivan@example.com", "phone": second}) == client_id
    # a call from the second number: its phone conversation
    event = {"event_id": "e1", "call_id": "pbx-9", "direction": "in", "from": second, "to": SALES_LINE,
             "status": "missed"}  # fmt: skip
    body = json.dumps(event).encode()
    assert (await post(server, "/webhooks/telephony/generic", body, generic_headers(body)))[0] == 200
    missed = await server.hub.store.timeline.get_by_dedupe_key("phone:generic:pbx-9")
    assert missed.client_id == client_id
    status, placed = await call(server, headers, {"conversation_id": missed.conversation_id})
    assert status == 202, placed
    assert placed["number"] == second and placed["conversation_id"] == missed.conversation_id
    status, placed = await call(server, headers, {"client_id": client_id})
    assert status == 202 and placed["number"] == CLIENT
    assert [c["To"] for c in standin.twilio_calls] == [[second], [CLIENT]]


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (
            {"twilio": {"auth_token": "s3cr3t-token", "account_sid": "AC123"}},
            "HUB_TELEPHONY.twilio.account_sid",
        ),
        ({"twilio": {"auth_token": "s3cr3t-token", "account_sid": TWILIO_SID}}, "caller_id"),
        ({"zadarma": {"secret": "s3cr3t-token", "api_url": "ftp://x"}}, "HUB_TELEPHONY.zadarma.api_url"),
        ({"zadarma": {"secret": "s3cr3t-token"}, "dial_provider": "zadarma"}, "zadarma.api_key"),
        ({"agents": {"not an email": "101"}}, "HUB_TELEPHONY.agents"),
        ({"generic": {"secret": "s3cr3t-token", "recording_hosts": ["pbx.example.com"]}}, "recording_hosts"),
    ],
)
def test_a_wrong_setting_is_named_without_its_secret(raw, named):
    from connectors.telephony.config import load_config
    from hub.config import ConfigurationError

    with pytest.raises(ConfigurationError) as caught:
        load_config(raw, "RU")
    text = str(caught.value.problems if hasattr(caught.value, "problems") else caught.value)
    assert named in text and "s3cr3t" not in text


async def test_twilio_placing_calls_needs_the_public_url(tmp_path, standin):
    from hub.app import create_app
    from hub.config import ConfigurationError

    twilio = {"auth_token": TWILIO_AUTH, "account_sid": TWILIO_SID, "caller_id": SALES_LINE}
    with pytest.raises(ConfigurationError, match="HUB_PUBLIC_URL"):
        await create_app(make_settings(tmp_path, telephony={"twilio": twilio}))
