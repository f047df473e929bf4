"""REST API v1, the core routes: one module per resource, the shared request models in `models`.

`api` is the core route table (hub.app copies it, connectors and bots add theirs); `Body` is the base of request
bodies (hub.api.routes_auth declares its own with it). Handlers read through `hub.queries`, write through
`hub.actions`, and never ask the access policy themselves: the declaration enforces who may call, the queries and
actions decide what they may see and do.
"""

from __future__ import annotations

from hub.api.http import ApiRoutes, Body

api = ApiRoutes()

from hub.api.routes import (  # noqa: E402  (they register on `api`)
    bots,  # noqa: F401  (registers the bot flows' list)
    calls,  # noqa: F401  (registers click-to-call)
    canned,  # noqa: F401  (registers the canned replies)
    channels,  # noqa: F401  (registers the channels' health route)
    clients,
    conversations,
    files,
    notifications,
    partners,
    routing,  # noqa: F401  (registers the routing rules and queue routes)
    search,  # noqa: F401  (registers the inbox search)
    service,
    sla,  # noqa: F401  (registers the SLA policies and breach counts)
    staff,
    tasks,
    threads,  # noqa: F401  (registers moves, splits and new emails to clients)
    views,  # noqa: F401  (registers the saved views and their counts)
)

__all__ = [
    "Body",
    "api",
    "clients",
    "conversations",
    "files",
    "notifications",
    "partners",
    "service",
    "staff",
    "tasks",
]
