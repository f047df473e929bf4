"""Recordings: a webhook that names a recording url answers at once; the file is fetched afterwards from the
provider's own host (a stand-in), at most once, bounded in size, and becomes the call entry's attachment, served
through the entry's access-checked file route. A download that fails leaves the link and says why."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from provider_standins import MANGO_API_KEY, MANGO_API_SALT, TWILIO_AUTH, TWILIO_SID, ZADARMA_KEY, Standin
from support import eventually, make_settings, start_app
from telephony_helpers import (
    FORM,
    GENERIC_SECRET,
    PUBLIC_URL,
    SALES_LINE,
    ZADARMA_SECRET,
    generic_headers,
    mango,
    post,
    zadarma,
)
from twilio.request_validator import RequestValidator

import connectors.telephony.recordings as recordings_module
from hub.actions import staff
from hub.domain import Role

CLIENT = "+79161234567"
LIMIT = 4096


@pytest.fixture
async def standin():
    fake = Standin(zadarma_secret=ZADARMA_SECRET, big_bytes=LIMIT * 3)
    runner, fake.url = await start_app(fake.app())
    yield fake
    await runner.cleanup()


@pytest.fixture
def settings(tmp_path, standin, monkeypatch):
    monkeypatch.setattr(recordings_module, "RETRY_DELAYS", (0.01, 0.02))
    return make_settings(
        tmp_path,
        public_url=PUBLIC_URL,
        max_file_bytes=LIMIT,
        telephony={
            "twilio": {"auth_token": TWILIO_AUTH, "account_sid": TWILIO_SID, "caller_id": SALES_LINE,
                       "api_url": standin.url},
            "generic": {"secret": GENERIC_SECRET, "recording_hosts": [standin.url]},
            "zadarma": {"secret": ZADARMA_SECRET, "api_key": ZADARMA_KEY, "api_url": standin.url},
            "mango": {"api_key": MANGO_API_KEY, "api_salt": MANGO_API_SALT, "api_url": standin.url + "/vpbx"},
        },
    )  # fmt: skip


async def generic_call(server, call_id: str, recording_url: str, event_id: str = "") -> dict:
    event = {"event_id": event_id or f"{call_id}-end", "call_id": call_id, "direction": "in", "from": CLIENT,
             "to": SALES_LINE, "status": "completed", "duration": 30, "recording_url": recording_url}  # fmt: skip
    body = json.dumps(event).encode()
    status, answer = await post(server, "/webhooks/telephony/generic", body, generic_headers(body))
    assert status == 200, answer
    return answer


async def twilio_recording(server, sid: str, recording_url: str) -> dict:
    params = {"AccountSid": TWILIO_SID, "CallSid": sid, "CallStatus": "completed", "Direction": "inbound",
              "From": CLIENT, "To": SALES_LINE, "CallDuration": "12", "RecordingUrl": recording_url,
              "RecordingSid": recording_url.rsplit("/", 1)[-1]}  # fmt: skip
    url = PUBLIC_URL + "/webhooks/telephony/twilio"
    headers = {**FORM, "X-Twilio-Signature": RequestValidator(TWILIO_AUTH).compute_signature(url, params)}
    status, answer = await post(server, "/webhooks/telephony/twilio", urlencode(params), headers)
    assert status == 200, answer
    return answer


async def settled(server, provider: str, call_id: str) -> dict:
    """The call once its download is over (stored or failed)."""

    async def probe():
        entry = await server.hub.store.timeline.get_by_dedupe_key(f"phone:{provider}:{call_id}")
        done = entry is not None and entry.meta["call"].get("recording_file") in ("stored", "failed")
        return entry if done else None

    return await eventually(probe, within=10, what=f"the recording of {call_id}")


async def test_a_twilio_recording_is_fetched_once_with_basic_auth_and_served_through_its_entry(
    server, standin
):
    recording = f"{standin.url}/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE0001"
    answer = await twilio_recording(server, "CA-rec", recording)
    assert answer["applied"] == 1
    entry = await settled(server, "twilio", "CA-rec")
    call = entry.meta["call"]
    assert call["recording_file"] == "stored" and call["recording_url"] == recording
    assert [a.content_type for a in entry.attachments] == ["audio/mpeg"]
    assert standin.recording_gets == ["RE0001.mp3"]  # Twilio's media url as .mp3, with its basic auth
    # the provider retries the webhook: nothing is fetched again (the next call's download is the barrier)
    assert (await twilio_recording(server, "CA-rec", recording))["applied"] == 0
    await twilio_recording(
        server, "CA-rec2", f"{standin.url}/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE0002"
    )
    await settled(server, "twilio", "CA-rec2")
    assert sorted(standin.recording_gets) == ["RE0001.mp3", "RE0002.mp3"]
    # served through the entry's door: the admin gets the bytes, an agent who may not see the call a 404
    key = entry.attachments[0].url.rsplit("/", 1)[-1]
    headers = await server.login()
    async with server.http.get(f"{server.url}/api/v1/entries/{entry.id}/files/{key}", headers=headers) as r:
        assert r.status == 200 and await r.read() == standin.wav
    hub = server.hub
    sales = await staff.create_department(hub, "Sales")
    other = await staff.create_department(hub, "Other")
    await hub.store.conversations.update(entry.conversation_id, {"department_id": sales.id})
    await staff.create_user(hub, email="a@example.com", name="A", role=Role.agent, password="agent-password",
                            department_ids=[other.id])  # fmt: skip
    agent = await server.login("a@example.com", "agent-password")
    async with server.http.get(f"{server.url}/api/v1/entries/{entry.id}/files/{key}", headers=agent) as r:
        assert r.status == 404


@pytest.mark.parametrize(
    ("name", "reason", "gets"),
    [("big.mp3", "too_large", 1), ("missing.mp3", "not_found", 1), ("html.mp3", "not_audio", 1)],
)
async def test_a_download_that_fails_keeps_the_link_and_says_why(server, standin, name, reason, gets):
    url = f"{standin.url}/recordings/{name}"
    await generic_call(server, "pbx-1", url)
    entry = await settled(server, "generic", "pbx-1")
    call = entry.meta["call"]
    assert (call["recording_file"], call["recording_error"]) == ("failed", reason)
    assert call["recording_url"] == url and call["status"] == "completed"
    assert entry.attachments == []
    assert standin.recording_gets == [name] * gets  # a permanent failure is not retried


async def test_a_server_error_is_retried_with_backoff(server, standin):
    standin.flaky_failures = 2
    await generic_call(server, "pbx-2", f"{standin.url}/recordings/flaky.wav")
    entry = await settled(server, "generic", "pbx-2")
    assert entry.meta["call"]["recording_file"] == "stored"
    assert [a.size for a in entry.attachments] == [len(standin.wav)]
    assert standin.recording_gets == ["flaky.wav"] * 3


async def test_urls_off_the_providers_hosts_are_never_fetched(server, standin):
    for call_id, url in (
        ("pbx-3", "http://169.254.169.254/latest/meta-data/"),
        ("pbx-4", f"{standin.url.replace('127.0.0.1', 'localhost')}/recordings/ok.wav"),
        ("pbx-5", f"http://user:pw@{standin.url.removeprefix('http://')}/recordings/ok.wav"),
    ):
        await generic_call(server, call_id, url)
        entry = await settled(server, "generic", call_id)
        assert (entry.meta["call"]["recording_file"], entry.meta["call"]["recording_error"]) == (
            "failed",
            "host_not_allowed",
        )
    assert standin.recording_gets == []


async def test_a_zadarma_recording_is_fetched_by_its_id_through_the_api_once(server, standin):
    start = {"event": "NOTIFY_START", "pbx_call_id": "in_rec", "call_start": "2024-01-01 12:00:00",
             "caller_id": "79161234567", "called_did": "74951234567"}  # fmt: skip
    end = {**start, "event": "NOTIFY_END", "disposition": "answered", "duration": "20", "is_recorded": "1",
           "call_id_with_rec": "ok.1704110400.1"}  # fmt: skip
    record = {"event": "NOTIFY_RECORD", "pbx_call_id": "in_rec", "call_id_with_rec": "ok.1704110400.1"}
    for body in (start, end, record):  # the end and NOTIFY_RECORD both name the recording
        assert (await zadarma(server, body))[0] == 200
    entry = await settled(server, "zadarma", "in_rec")
    assert entry.meta["call"]["recording_file"] == "stored"
    assert [a.content_type for a in entry.attachments] == ["audio/wav"]
    # a recording Zadarma does not have: the call says so (and is the barrier for the first one's requests)
    other = {**record, "pbx_call_id": "in_rec2", "call_id_with_rec": "gone.1"}
    assert (await zadarma(server, {**start, "pbx_call_id": "in_rec2"}))[0] == 200
    assert (await zadarma(server, other))[0] == 200
    failed = await settled(server, "zadarma", "in_rec2")
    assert (failed.meta["call"]["recording_file"], failed.meta["call"]["recording_error"]) == (
        "failed",
        "not_found",
    )
    assert failed.meta["call"]["recording_id"] == "gone.1"
    assert standin.refused == []
    assert [r["call_id"] for r in standin.zadarma_record_requests] == ["ok.1704110400.1", "gone.1"]
    assert standin.recording_gets == ["ok.1704110400.1.mp3"]


async def mango_recorded_call(server, entry_id: str, recording_id: str) -> dict:
    """An answered Mango call, then its recording's events: Started (no file yet), then Completed."""
    summary = {"entry_id": entry_id, "call_direction": 1, "from": {"number": "79161234567"},
               "to": {"extension": "101"}, "line_number": "74951234567", "create_time": 1704110400,
               "talk_time": 1704110405, "end_time": 1704110435, "seq": 5}  # fmt: skip
    assert (await mango(server, "summary", summary))[1]["applied"] == 1
    recording = {"entry_id": entry_id, "call_id": f"{entry_id}-leg", "extension": "101", "seq": 3,
                 "recording_id": recording_id, "recording_state": "Started", "timestamp": 1704110406}  # fmt: skip
    status, answer = await mango(server, "recording", recording)
    assert status == 200 and "ignored" in answer
    status, answer = await mango(server, "recording", {**recording, "recording_state": "Completed", "seq": 4})
    assert status == 200, answer
    return answer


async def test_a_mango_recording_is_fetched_by_its_id_with_a_signed_request_once(server, standin):
    assert (await mango_recorded_call(server, "MTpyZWM=", "ok-MToxMDA1"))["applied"] == 1
    entry = await settled(server, "mango", "MTpyZWM=")
    call = entry.meta["call"]
    assert (call["recording_file"], call["recording_id"]) == ("stored", "ok-MToxMDA1")
    assert [(a.content_type, a.size) for a in entry.attachments] == [("audio/wav", len(standin.wav))]
    # Mango retries the event: nothing is asked again; the next call's download is the barrier
    recording = {"entry_id": "MTpyZWM=", "call_id": "MTpyZWM=-leg", "extension": "101", "seq": 4,
                 "recording_id": "ok-MToxMDA1", "recording_state": "Completed", "timestamp": 1704110406}  # fmt: skip
    assert (await mango(server, "recording", recording))[1]["applied"] == 0
    await mango_recorded_call(server, "MTpyZWM2", "direct-MToxMDA2")  # Mango answers with the file itself
    direct = await settled(server, "mango", "MTpyZWM2")
    assert direct.meta["call"]["recording_file"] == "stored" and len(direct.attachments) == 1
    assert standin.refused == []  # every request signed as Mango checks it
    assert standin.mango_record_requests == [
        {"recording_id": "ok-MToxMDA1", "action": "download"},
        {"recording_id": "direct-MToxMDA2", "action": "download"},
    ]
    assert standin.recording_gets == ["ok-MToxMDA1.wav", "direct-MToxMDA2"]
    key = entry.attachments[0].url.rsplit("/", 1)[-1]
    async with server.http.get(
        f"{server.url}/api/v1/entries/{entry.id}/files/{key}", headers=await server.login()
    ) as r:
        assert r.status == 200 and await r.read() == standin.wav


@pytest.mark.parametrize(
    ("recording_id", "reason"),
    [("gone-MToz", "not_found"), ("big-MTo0", "too_large"), ("elsewhere-MTo1", "host_not_allowed")],
)
async def test_a_mango_recording_that_cannot_be_had_keeps_the_id_and_says_why(
    server, standin, recording_id, reason
):
    await mango_recorded_call(server, "MTpmYWls", recording_id)
    entry = await settled(server, "mango", "MTpmYWls")
    call = entry.meta["call"]
    assert (call["recording_file"], call["recording_error"]) == ("failed", reason)
    assert call["recording_id"] == recording_id and call["status"] == "completed"
    assert entry.attachments == []
    assert len(standin.mango_record_requests) == 1  # a permanent failure is not retried
    assert not any(
        get.startswith("ok-elsewhere") for get in standin.recording_gets
    )  # never followed off-host
