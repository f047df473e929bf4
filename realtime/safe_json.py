"""The JSON module python-socketio decodes packets with: the standard one, except that a packet nested deeper
than the parser's recursion limit is a malformed packet (ValueError, dropped quietly) rather than a
RecursionError traceback in the logs."""

from __future__ import annotations

import json
from typing import Any


def dumps(obj: Any, *args: Any, **kwargs: Any) -> str:
    return json.dumps(obj, *args, **kwargs)


def loads(data: str | bytes, *args: Any, **kwargs: Any) -> Any:
    try:
        return json.loads(data, *args, **kwargs)
    except RecursionError as exc:
        raise ValueError("the packet is nested too deeply") from exc
