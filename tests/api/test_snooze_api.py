"""Snooze and pending over REST (both stores, a settable clock): PATCH status snoozed with snoozed_until, the list's
status filter, the system entries, the wake at its time (open, "snooze ended", the assignee's notification), a
customer's message waking it or answering pending; bad times are a clear 400, a hidden conversation a 404."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from api_helpers import new_department, new_user, push, timeline
from support import Clock, eventually

from hub.app import SNOOZE_TIMERS_KEY


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@pytest.fixture
async def org(server, admin):
    server.hub.clock = Clock()
    sales = await new_department(admin, "Sales")
    anna = await new_user(admin, "agent", [sales["id"]], name="Anna")
    other = await new_user(admin, "agent", [(await new_department(admin, "Support"))["id"]])
    pushed = await push(admin, phone="+79161230001", text="where is my order?")
    cid = pushed["conversation_id"]
    await admin.ok(
        "PATCH",
        f"/api/v1/conversations/{cid}",
        {"department_id": sales["id"], "assignee_id": anna.user["id"]},
    )
    return {"anna": anna, "other": other, "cid": cid, "path": f"/api/v1/conversations/{cid}"}


def move_clock(server, **delta) -> None:
    server.hub.clock.now += timedelta(**delta)
    server.app[SNOOZE_TIMERS_KEY].wake()  # the running timer sleeps on the real clock: look again now


async def system_codes(api, path) -> list[str]:
    return [e["meta"]["code"] for e in reversed(await timeline(api, path)) if e["kind"] == "system"]


async def test_snooze_wakes_at_its_time_with_an_entry_and_a_notification(server, org):
    anna, path = org["anna"], org["path"]
    until = server.hub.clock.now + timedelta(hours=1)
    snoozed = await anna.ok("PATCH", path, {"status": "snoozed", "snoozed_until": iso(until)})
    assert (snoozed["status"], snoozed["snoozed_until"]) == ("snoozed", iso(until))
    listed = await anna.ok("GET", "/api/v1/conversations", params={"status": "snoozed"})
    assert [c["id"] for c in listed["items"]] == [org["cid"]]
    assert [c["snoozed_until"] for c in listed["items"]] == [iso(until)]
    entries = [e for e in await timeline(anna, path) if e["kind"] == "system"]
    assert entries[0]["meta"] == {"code": "snoozed", "params": {"actor": "Anna", "until": iso(until)}}

    move_clock(server, minutes=59)
    assert (await anna.ok("GET", path))["status"] == "snoozed"
    move_clock(server, minutes=1)

    async def woken():
        got = await anna.ok("GET", path)
        return got if got["status"] == "open" else None

    after = await eventually(woken, what="the snooze to end")
    assert after["snoozed_until"] is None
    assert (await system_codes(anna, path))[-2:] == ["snoozed", "snooze_ended"]
    notes = await anna.ok("GET", "/api/v1/notifications")
    [ended] = [n for n in notes["items"] if n["kind"] == "snooze_ended"]
    assert ended["conversation_id"] == org["cid"] and ended["params"]["until"] == iso(until)


async def test_pending_waits_for_the_customer_and_another_status_clears_the_snooze(server, admin, org):
    anna, path = org["anna"], org["path"]
    until = iso(server.hub.clock.now + timedelta(days=1))
    await anna.ok("PATCH", path, {"status": "snoozed", "snoozed_until": until})
    pending = await anna.ok("PATCH", path, {"status": "pending"})
    assert (pending["status"], pending["snoozed_until"]) == ("pending", None)
    assert (await system_codes(anna, path))[-2:] == ["snoozed", "pending"]
    listed = await anna.ok("GET", "/api/v1/conversations", params={"status": "pending"})
    assert [c["id"] for c in listed["items"]] == [org["cid"]]
    # the agent's reply keeps it pending; the customer's answer puts it back in the inbox
    await anna.ok("POST", f"{path}/replies", {"text": "could you send a photo?"}, status=201)
    assert (await anna.ok("GET", path))["status"] == "pending"
    await push(admin, phone="+79161230001", text="here it is")
    assert (await anna.ok("GET", path))["status"] == "open"


async def test_a_customer_message_wakes_a_snoozed_conversation_early(server, admin, org):
    anna, path = org["anna"], org["path"]
    until = iso(server.hub.clock.now + timedelta(hours=3))
    await anna.ok("PATCH", path, {"status": "snoozed", "snoozed_until": until})
    await push(admin, phone="+79161230001", text="any news?")
    got = await anna.ok("GET", path)
    assert (got["status"], got["snoozed_until"]) == ("open", None)
    # a person can also wake it before its time
    await anna.ok("PATCH", path, {"status": "snoozed", "snoozed_until": until})
    await anna.ok("PATCH", path, {"status": "open"})
    assert (await system_codes(anna, path))[-1] == "unsnoozed"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"status": "snoozed"}, "needs snoozed_until"),
        ({"status": "snoozed", "snoozed_until": None}, "needs snoozed_until"),
        ({"status": "snoozed", "snoozed_until": "PAST"}, "in the future"),
        ({"status": "snoozed", "snoozed_until": "FAR"}, "within a year"),
        ({"status": "snoozed", "snoozed_until": "2031-01-01T09:00:00"}, "snoozed_until"),  # no time zone
        ({"status": "snoozed", "snoozed_until": "tomorrow"}, "snoozed_until"),
        ({"status": "snoozed", "snoozed_until": 1893456000}, "snoozed_until"),
        ({"status": "open", "snoozed_until": "SOON"}, "goes with status snoozed"),
    ],
)
async def test_bad_snoozes_are_a_clear_400(server, org, body, says):
    now = server.hub.clock.now
    times = {
        "PAST": iso(now - timedelta(minutes=1)),
        "FAR": iso(now + timedelta(days=400)),
        "SOON": iso(now + timedelta(hours=1)),
    }
    body = {k: times.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    error = (await org["anna"].patch(org["path"], body)).error(400)
    assert says in error["message"]
    assert (await org["anna"].ok("GET", org["path"]))["status"] == "open"


async def test_an_agent_who_cannot_see_it_gets_404(server, org):
    until = iso(server.hub.clock.now + timedelta(hours=1))
    for body in ({"status": "snoozed", "snoozed_until": until}, {"status": "pending"}):
        (await org["other"].patch(org["path"], body)).error(404)
    assert (await org["anna"].ok("GET", org["path"]))["status"] == "open"
