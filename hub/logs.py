"""Logging: plain text (the default) or, with HUB_LOG_FORMAT=json, one JSON object per line. Each HTTP request gets
a request id (the caller's `X-Request-Id` when it is a sane token, else a new one), answered in `X-Request-Id` and
carried by every log line written while the request is handled, including the pushes it causes (their tasks copy
the request's context)."""

from __future__ import annotations

import json
import logging
import os
import re
from contextvars import ContextVar
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from hub.domain import random_hex

REQUEST_ID: ContextVar[str] = ContextVar("hub_request_id", default="")
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
HEADER = "X-Request-Id"


def request_id() -> str:
    return REQUEST_ID.get()


@web.middleware
async def request_ids(request: web.Request, handler):
    given = request.headers.get(HEADER, "")
    rid = given if _SANE.fullmatch(given) else random_hex(8)
    token = REQUEST_ID.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[HEADER] = rid
        raise
    finally:
        REQUEST_ID.reset(token)
    if not response.prepared:
        response.headers[HEADER] = rid
    return response


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = REQUEST_ID.get()
        if rid:
            line["request_id"] = rid
        worker = os.environ.get("HUB_WORKER_INDEX")
        if worker is not None:
            line["worker"] = int(worker) if worker.isdigit() else worker
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        rid = REQUEST_ID.get()
        record.request_id = f" [{rid}]" if rid else ""
        return True


class MalformedRequestFilter(logging.Filter):
    """aiohttp answers a request it cannot parse (a bad request line, an over-long header, a stray byte) with a 400
    and logs it at ERROR with a traceback, as if the hub had failed. Anyone on the internet can send those: they
    become one WARNING line naming the client and the reason, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 400) < 500:
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg = "rejected a malformed request from %s (%s %s)"
            record.args = (remote, exc.code, (exc.message or type(exc).__name__).splitlines()[0][:200])
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_malformed_requests() -> None:
    """Installs `MalformedRequestFilter` on aiohttp's server logger once (every app and `hub serve` call it)."""
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequestFilter) for f in server_log.filters):
        server_log.addFilter(MalformedRequestFilter())


def configure(level: str, fmt: str) -> None:
    """The root logger for `hub serve` and friends."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s%(request_id)s: %(message)s")
        )
        handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    quiet_malformed_requests()
