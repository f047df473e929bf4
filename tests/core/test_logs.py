"""HUB_LOG_FORMAT=json: one JSON object per line with the request id; every HTTP answer carries X-Request-Id (the
caller's when it is a sane token)."""

from __future__ import annotations

import json
import logging

from hub.logs import REQUEST_ID, JsonFormatter


def test_a_json_line_carries_the_request_id_and_the_exception():
    formatter = JsonFormatter()
    token = REQUEST_ID.set("abc123")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.LogRecord(
                "hub.x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=True
            )
            import sys

            record.exc_info = sys.exc_info()
        line = json.loads(formatter.format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["level"] == "ERROR" and line["logger"] == "hub.x" and line["message"] == "failed here"
    assert line["request_id"] == "abc123" and "ValueError: boom" in line["exception"]
    plain = json.loads(
        formatter.format(logging.LogRecord("hub.y", logging.INFO, __file__, 1, "ok", (), None))
    )
    assert "request_id" not in plain


async def test_every_answer_has_a_request_id(server):
    async with server.http.get(f"{server.url}/healthz", headers={"X-Request-Id": "from-the-proxy.42"}) as r:
        assert r.headers["X-Request-Id"] == "from-the-proxy.42"
    async with server.http.get(
        f"{server.url}/healthz", headers={"X-Request-Id": "bad id\u00e9 <script>"}
    ) as r:
        rid = r.headers["X-Request-Id"]
        assert rid != "bad id\u00e9 <script>" and len(rid) == 16
    async with server.http.get(f"{server.url}/api/v1/me") as r:  # errors too
        assert r.status == 401 and len(r.headers["X-Request-Id"]) == 16
