"""The inbox's first data, embedded in the page: on a slow link every round trip before the list shows costs.

The inbox asks for the users, the departments and the first page of its default tab before it can draw the list;
`preload` answers those same GET requests while the page is rendered, by calling the REST handlers themselves (so
the JSON is exactly what the API would answer, through the same access policy), keyed by the path the page's
`api()` would request. The page takes each answer once (static/inbox/preload.js); anything else, a reconnect or a
tab the agent picked before, goes over the network as before. A path the page does not ask for is harmless: it is
never used.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from hub.access import sees_everything
from hub.api.http import ApiError, Ctx
from hub.api.routes import conversations, staff
from hub.api.routes.models import InboxQuery
from hub.context import Hub
from hub.domain import User

log = logging.getLogger(__name__)
PAGE = 50  # static/inbox/core.js PAGE


def default_list_query(user: User) -> dict[str, str]:
    """The query of the tab the inbox opens on when the agent has not picked one (static/inbox/list.js TABS)."""
    query = {} if sees_everything(user) else {"assignee": "none", "handler": "human"}
    # the order URLSearchParams gives: the tab's query, then limit, then status
    return {**query, "limit": str(PAGE), "status": "open"}


async def preload(request: web.Request, hub: Hub, user: User) -> dict[str, Any]:
    ctx = Ctx(request, hub, user)
    query = default_list_query(user)
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "/api/v1/users": lambda: staff.list_users(ctx),
        "/api/v1/departments": lambda: staff.list_departments(ctx),
        f"/api/v1/conversations?{urlencode(query)}": lambda: conversations.list_conversations(
            ctx, InboxQuery.model_validate(query)
        ),
    }
    answers: dict[str, Any] = {}
    for path, call in calls.items():
        try:
            answers[path] = await call()
        except ApiError as exc:  # the page asks again and shows the API's own error
            log.debug("inbox preload %s: %s", path, exc)
    return answers
