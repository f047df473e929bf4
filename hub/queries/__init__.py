"""The read layer: the only code outside `hub.actions` that reads the store. REST handlers, the realtime layer,
connectors and bots all read through these functions, and every one of them asks `hub.access` first.

Each function takes the actor (a user, or `hub.access.SYSTEM` for connectors, bots and automations). A record the
actor may not see raises NotFound exactly like a missing one; lists are built from the policy's scopes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hub.store.port import Cursor

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    next_cursor: Cursor | None = None
