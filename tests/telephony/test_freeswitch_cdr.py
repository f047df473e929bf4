"""FreeSWITCH through the generic webhook, as docs/telephony.md ("FreeSWITCH") sets it up: mod_json_cdr's JSON CDR
(one per leg at hangup, FreeSWITCH's own shape) translated by the documented mapping and signed by the relay, and
the form a `curl` reporting hook (mod_curl) posts with a bearer token, `status` being FreeSWITCH's hangup_cause."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from telephony_helpers import FORM, PBX_TOKEN, call_entry, generic_headers, post

from hub.actions import staff

CLIENT = "+79161234567"


def json_cdr(uuid: str, *, billsec: int, hangup_cause: str, answer_epoch: int) -> dict:
    """An A-leg CDR as mod_json_cdr posts it with encode=false, encode-values=false (values are strings)."""
    return {
        "core-uuid": "2f9b3e2c-1111-4c3e-9c1a-6f6f6f6f6f6f",
        "switchname": "pbx1",
        "channel_data": {"state": "CS_REPORTING", "direction": "inbound", "state_number": "11"},
        "variables": {
            "uuid": uuid,
            "call_uuid": uuid,
            "direction": "inbound",
            "caller_id_number": "79161234567",
            "caller_id_name": "Ivan Petrov",
            "destination_number": "74951234567",
            "start_epoch": "1704110400",
            "answer_epoch": str(answer_epoch),
            "end_epoch": str(1704110400 + 5 + billsec),
            "duration": str(5 + billsec),
            "billsec": str(billsec),
            "hangup_cause": hangup_cause,
            "last_sent_callee_id_number": "101",
        },
        "callflow": [
            {
                "profile_index": "1",
                "caller_profile": {
                    "caller_id_number": "79161234567",
                    "destination_number": "74951234567",
                    "uuid": uuid,
                },
                "times": {
                    "created_time": "1704110400000000",
                    "hangup_time": str((1704110405 + billsec) * 10**6),
                },
            }
        ],
    }


def generic_from_cdr(cdr: dict) -> dict:
    """The mapping in docs/telephony.md (FreeSWITCH), as the relay there does it."""
    v = cdr["variables"]
    billsec = int(v.get("billsec") or 0)
    event = {
        "event_id": f"{v['uuid']}-cdr",
        "call_id": v.get("call_uuid") or v["uuid"],
        "direction": "out" if v.get("direction") == "outbound" else "in",
        "from": v.get("caller_id_number", ""),
        "to": v.get("destination_number", ""),
        "status": "completed" if billsec > 0 else v.get("hangup_cause", "failed"),
        "started_at": int(v["start_epoch"]),
        "ended_at": int(v["end_epoch"]),
        "duration": billsec,
        "name": v.get("caller_id_name", ""),
    }
    if v.get("answer_epoch", "0") != "0":
        event["answered_at"] = int(v["answer_epoch"])
        event["answered_by"] = v.get("last_sent_callee_id_number", "")
    return event


async def test_a_freeswitch_json_cdr_through_the_documented_mapping_is_one_call(server):
    await staff.create_department(server.hub, "Sales")
    cdr = json_cdr("a1b2c3d4-0001", billsec=42, hangup_cause="NORMAL_CLEARING", answer_epoch=1704110405)
    body = json.dumps(generic_from_cdr(cdr)).encode()
    status, answer = await post(server, "/webhooks/telephony/generic", body, generic_headers(body))
    assert status == 200 and answer["applied"] == 1, answer
    call = (await call_entry(server, "generic", "a1b2c3d4-0001")).meta["call"]
    assert (call["status"], call["direction"], call["number"]) == ("completed", "in", CLIENT)
    assert (call["duration"], call["answered_by"]) == (42, "101")
    # mod_json_cdr retries a post that failed: the same CDR again changes nothing
    status, answer = await post(server, "/webhooks/telephony/generic", body, generic_headers(body))
    assert status == 200 and answer["applied"] == 0

    missed = json_cdr("a1b2c3d4-0002", billsec=0, hangup_cause="ORIGINATOR_CANCEL", answer_epoch=0)
    body = json.dumps(generic_from_cdr(missed)).encode()
    assert (await post(server, "/webhooks/telephony/generic", body, generic_headers(body)))[0] == 200
    call = (await call_entry(server, "generic", "a1b2c3d4-0002")).meta["call"]
    assert call["status"] == "missed" and not call.get("answered_at")


async def test_the_form_a_freeswitch_reporting_hook_posts_with_a_bearer_token(server):
    headers = {**FORM, "Authorization": f"Bearer {PBX_TOKEN}"}
    for uuid, cause, billsec, expected in (
        ("fs-0003", "NORMAL_CLEARING", "30", "completed"),
        ("fs-0004", "NO_ANSWER", "0", "missed"),
        ("fs-0005", "USER_BUSY", "0", "busy"),
    ):
        # what `curl <url> append_headers 'Authorization: Bearer …' post <form>` sends once FreeSWITCH has
        # expanded ${uuid}, ${url_encode(${caller_id_number})}, ${hangup_cause}, ${billsec}
        form = {"event_id": f"{uuid}-end", "call_id": uuid, "direction": "in", "from": "+79161234567",
                "to": "+74951234567", "status": cause, "duration": billsec}  # fmt: skip
        status, answer = await post(server, "/webhooks/telephony/generic", urlencode(form), headers)
        assert status == 200 and answer["applied"] == 1, answer
        assert (await call_entry(server, "generic", uuid)).meta["call"]["status"] == expected
    wrong = {**headers, "Authorization": "Bearer not-the-token-of-this-pbx"}
    form = {"event_id": "fs-0006-end", "call_id": "fs-0006", "from": "+79161234567", "status": "NO_ANSWER"}
    status, _ = await post(server, "/webhooks/telephony/generic", urlencode(form), wrong)
    assert status == 403 and await call_entry(server, "generic", "fs-0006") is None
