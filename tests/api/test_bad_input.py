"""Bad input gets a 4xx JSON error, never a 500, and the server keeps serving. Each store."""

from __future__ import annotations

import asyncio
import base64
import logging

from api_helpers import push, timeline, unique, unique_phone

INBOUND = "/api/v1/inbound"
JSON = {"Content-Type": "application/json"}


def good_inbound(**changes):
    body = {"external_id": unique("msg"), "sender": {"phone": unique_phone()}, "text": "hi"}
    body.update(changes)
    return body


def sender(**fields):
    return good_inbound(sender=fields)


async def still_serving(admin) -> None:
    assert (await admin.get("/healthz")).body["status"] == "ok"
    result = await push(admin, text="after the bad input")
    assert [e["text"] for e in await timeline(admin, f"/api/v1/clients/{result['client_id']}")] == [
        "after the bad input"
    ]


async def test_bodies_that_are_not_a_json_object(admin):
    raw_bodies = {
        "truncated JSON": (b'{"external_id": "a", ', 400, "malformed_json"),
        "not JSON at all": (b"external_id=a&text=hi", 400, "malformed_json"),
        "invalid UTF-8": (b'{"external_id": "\xff\xfe"}', 400, "malformed_json"),
        "nested deeper than the parser goes": (b"[" * 100_000 + b"]" * 100_000, 400, "malformed_json"),
        "a lone surrogate in a string": (
            b'{"external_id": "a", "sender": {"phone": "+79161234567"}, "text": "\\ud800"}',
            400,
            "invalid",
        ),
        "a JSON array": (b'[{"external_id": "a"}]', 400, "invalid"),
        "a JSON string": (b'"hello"', 400, "invalid"),
        "null": (b"null", 400, "invalid"),
        "empty": (b"", 400, "invalid"),
    }
    for what, (raw, status, code) in raw_bodies.items():
        reply = await admin.post(INBOUND, data=raw, headers=JSON)
        assert reply.status == status, (what, reply.text)
        reply.error(status, code)

    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        reply = await admin.post(
            INBOUND, data=b'{"external_id": "a"}', headers={"Content-Type": content_type}
        )
        reply.error(415, "unsupported_media_type")
    await still_serving(admin)


async def test_invalid_fields_name_the_field(admin):
    cases = {
        "missing external_id": ({"sender": {"phone": unique_phone()}}, "external_id"),
        "blank external_id": (good_inbound(external_id="   "), "external_id"),
        "external_id too long": (good_inbound(external_id="x" * 257), "external_id"),
        "external_id an object": (good_inbound(external_id={"id": 1}), "external_id"),
        "missing sender": ({"external_id": unique("m"), "text": "hi"}, "sender"),
        "sender not an object": (good_inbound(sender="+79161234567"), "sender"),
        "sender with no identity": (sender(name="Nobody"), "sender"),
        "sender with empty identities": (sender(email="", phone="  "), "sender"),
        "invalid email": (sender(email="not-an-email"), "email"),
        "invalid phone": (sender(phone="12"), "phone"),
        "letters for a phone": (sender(phone="call me"), "phone"),
        "unknown field": (good_inbound(priority="high"), "priority"),
        "unknown sender field": (sender(phone=unique_phone(), fax="123"), "fax"),
        "text too long": (good_inbound(text="x" * 10_001), "text"),
        "text not a string": (good_inbound(text=42), "text"),
        "naive occurred_at": (good_inbound(occurred_at="2025-01-01T10:00:00"), "occurred_at"),
        "occurred_at not a date": (good_inbound(occurred_at="yesterday"), "occurred_at"),
        "occurred_at out of range": (good_inbound(occurred_at="0001-01-01T00:00:00+14:00"), "occurred_at"),
        "occurred_at past the last year": (
            good_inbound(occurred_at="9999-12-31T23:59:59-14:00"),
            "occurred_at",
        ),
        "occurred_at in year 1": (good_inbound(occurred_at="0001-01-01T00:00:00Z"), "occurred_at"),
    }
    for what, (body, field) in cases.items():
        reply = await admin.post(INBOUND, body)
        error = reply.error(400, "invalid")
        named = error["message"] + " " + " ".join(d.get("field", "") for d in error.get("details") or [])
        assert field in named, (what, error)
    await still_serving(admin)
    # none of the refused messages was stored
    assert all(c["name"] != "Nobody" for c in (await admin.ok("GET", "/api/v1/clients"))["items"])


async def test_a_body_over_the_size_limit_is_413(admin, settings):
    assert settings.max_body_bytes == 1024 * 1024
    big = good_inbound(text="x" * settings.max_body_bytes)
    reply = await admin.post(INBOUND, big)
    reply.error(413, "too_large")
    under = await admin.post(INBOUND, good_inbound(text="y" * 10_000, thread_key="t" * 256))
    assert under.status == 201, under.text
    await still_serving(admin)


async def test_bad_query_values_are_400(admin):
    pushed = await push(admin)
    forged = base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|x").decode()
    pages = (
        f"/api/v1/clients/{pushed['client_id']}/timeline",
        f"/api/v1/conversations/{pushed['conversation_id']}/timeline",
        "/api/v1/conversations",
    )
    for path in pages:
        for limit in ("0", "-1", "201", "10" * 20, "abc", "1.5", "1e3", " "):
            (await admin.get(path, params={"limit": limit})).error(400, "invalid")
        for cursor in (
            "garbage",
            "%%%",
            "é",
            "YQ",
            base64.urlsafe_b64encode(b"2025-01-01|").decode(),
            forged,
        ):
            reply = await admin.get(path, params={"cursor": cursor})
            assert reply.status == 400, (path, cursor, reply.text)
            reply.error(400, "invalid")
        assert (await admin.get(path, params={"limit": "200"})).status == 200
    (await admin.get("/api/v1/clients", params={"limit": "101"})).error(400, "invalid")
    (await admin.get("/api/v1/conversations", params={"status": "closed"})).error(400, "invalid")
    long_query = await admin.get("/api/v1/clients", params={"q": "a" * 5_000})
    assert long_query.status == 200 and long_query.body["items"] == []
    # a request line over aiohttp's 8 KiB limit is refused by the HTTP parser itself (plain text, not a 500)
    assert (await admin.get("/api/v1/clients", params={"q": "a" * 10_000})).status == 400
    await still_serving(admin)


async def test_unknown_ids_and_paths_are_404(admin):
    missing = "0" * 24
    for method, path, body in (
        ("GET", f"/api/v1/clients/{missing}", None),
        ("PATCH", f"/api/v1/clients/{missing}", {"name": "x"}),
        ("GET", f"/api/v1/clients/{missing}/timeline", None),
        ("GET", f"/api/v1/clients/{missing}/conversations", None),
        ("POST", f"/api/v1/clients/{missing}/notes", {"text": "x"}),
        ("GET", f"/api/v1/conversations/{missing}", None),
        ("GET", "/api/v1/conversations/not-an-id", None),
        ("PATCH", f"/api/v1/conversations/{missing}", {"status": "resolved"}),
        ("GET", f"/api/v1/conversations/{missing}/timeline", None),
        ("POST", f"/api/v1/conversations/{missing}/replies", {"text": "x"}),
        ("POST", f"/api/v1/conversations/{missing}/notes", {"text": "x"}),
        ("POST", f"/api/v1/conversations/{missing}/read", None),
        ("POST", f"/api/v1/entries/{missing}/retry", None),
        ("PATCH", f"/api/v1/users/{missing}", {"name": "x"}),
        ("PATCH", f"/api/v1/departments/{missing}", {"name": "x"}),
        ("POST", f"/api/v1/merge-suggestions/{missing}/dismiss", None),
        ("GET", "/api/v1/no-such-thing", None),
        ("GET", "/api/v2/clients", None),
    ):
        reply = await admin.call(method, path, **({"json": body} if body is not None else {}))
        assert reply.status == 404, (method, path, reply.text)
        reply.error(404)
    (await admin.call("DELETE", "/api/v1/me")).error(405, "method_not_allowed")
    (await admin.call("PUT", INBOUND, json=good_inbound())).error(405)
    await still_serving(admin)


async def test_bad_bodies_on_other_endpoints(admin):
    pushed = await push(admin)
    conversation = f"/api/v1/conversations/{pushed['conversation_id']}"
    for method, path, body, field in (
        ("POST", "/api/v1/auth/login", {"email": "admin@example.com"}, "password"),
        ("POST", "/api/v1/auth/login", {"email": 5, "password": "x"}, "email"),
        ("PATCH", conversation, {"status": "closed"}, "status"),
        ("PATCH", conversation, {"handler": "robot"}, "handler"),
        ("PATCH", conversation, {"colour": "red"}, "colour"),
        ("POST", f"{conversation}/replies", {"text": ""}, "text"),
        ("POST", f"{conversation}/replies", {}, "text"),
        (
            "POST",
            f"{conversation}/notes",
            {"text": "x", "shared_with_partners": "maybe"},
            "shared_with_partners",
        ),
        ("PATCH", f"/api/v1/clients/{pushed['client_id']}", {"kind": "robot"}, "kind"),
        ("PATCH", f"/api/v1/clients/{pushed['client_id']}", {"fields": {"a": [1, 2]}}, "fields"),
        ("PATCH", f"/api/v1/clients/{pushed['client_id']}", {"tags": ["t"] * 51}, "tags"),
        ("POST", "/api/v1/users", {"email": "x@example.com", "name": "X", "password": "short"}, "password"),
        (
            "POST",
            "/api/v1/users",
            {"email": "x@example.com", "name": "X", "password": "long-enough", "role": "owner"},
            "role",
        ),
        ("POST", "/api/v1/departments", {"name": "   "}, "name"),
        ("POST", "/api/v1/departments", {"name": "x" * 101}, "name"),
    ):
        reply = await admin.call(method, path, json=body)
        error = reply.error(400)
        named = error["message"] + " " + " ".join(d.get("field", "") for d in error.get("details") or [])
        assert field in named, (method, path, body, error)
    # a whitespace-only reply passes the schema but is still refused
    (await admin.post(f"{conversation}/replies", {"text": "   "})).error(400, "invalid")
    assert len(await timeline(admin, conversation)) == 1
    await still_serving(admin)


async def test_unparsable_requests_get_400_and_one_warning_line_not_a_traceback(sqlite_server, caplog):
    """Anyone can send bytes that are not HTTP; aiohttp answers 400 but used to log each at ERROR with a
    traceback, as if the hub had failed."""
    host, port = sqlite_server.url.removeprefix("http://").split(":")
    garbage = {
        "a control byte in the path": b"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
        "a header line over the limit": b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: "
        + b"a" * 20_000
        + b"\r\n\r\n",
        "not a request line": b"HELLO\r\n\r\n",
    }
    caplog.set_level(logging.DEBUG, logger="aiohttp.server")
    for name, raw in garbage.items():
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(raw)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        assert status_line.split(b" ")[1] == b"400", (name, status_line)
    # the 400 is written after the log call, so every record is in by now
    records = [r for r in caplog.records if r.name == "aiohttp.server" and r.levelno >= logging.INFO]
    assert records, "aiohttp logged nothing at all: the filter has nothing to prove"
    assert all(r.levelno == logging.WARNING and not r.exc_info for r in records), [
        (r.levelname, r.getMessage()) for r in records
    ]
    assert any("rejected a malformed request from 127.0.0.1 (400" in r.getMessage() for r in records)
