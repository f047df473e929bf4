"""The store port: search, canned replies and saved views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hub.domain import (
    TimelineEntry,
)
from hub.domain_canned import CannedResponse
from hub.domain_views import SavedView
from hub.store.port.common import PartnerScope, Scope


@dataclass(frozen=True, slots=True)
class SearchScope:
    """Which entries of all timelines a reader may find, as the search compiles it. An entry is visible when ANY of:
    - it belongs to a conversation that `conversations` lets through (None: any conversation);
    - `unthreaded` and it has no conversation (a client-level note) and, when `unthreaded_via` is given, its client
      has a conversation that `unthreaded_via` lets through (department visibility of client cards);
    - its client passes `clients` (a partner's clients shared whole: every entry of theirs).
    And when `shared_only`, a note only when meta['shared_with_partners'] is true (partners)."""

    conversations: Scope | None = None
    unthreaded: bool = True
    unthreaded_via: Scope | None = None
    clients: PartnerScope | None = None
    shared_only: bool = False


class SearchRepo(Protocol):
    """The full-text index of timeline entries. Entries are indexed by the timeline's own writes (insert,
    update_content) with hub.search_terms; `unindexed` / `index` back-fill entries stored before the index."""

    async def entries(
        self, whole: Sequence[str], prefix: str | None, *, scope: SearchScope | None = None, limit: int = 20
    ) -> list[TimelineEntry]:
        """Entries having every term of `whole` and a term starting with `prefix` (None: no prefix part), that
        `scope` (None: all) lets through (compiled into the query), newest first by (occurred_at, id)."""

    async def unindexed(self, *, limit: int = 200) -> list[TimelineEntry]:
        """Entries that have no search terms yet (stored before the index existed)."""

    async def index(self, terms: dict[str, list[str]]) -> int:
        """Set the search terms of these entries (entry id -> terms) where they have none yet; how many changed."""


CANNED_MUTABLE = frozenset({"title", "shortcut", "body", "language", "updated_at"})


@dataclass(frozen=True, slots=True)
class CannedQuery:
    """The canned replies a user may use: their own (`owner_id`), those of one of `department_ids` (or of any
    department: `all_departments`), and global ones (when `global_`). `q` (lower-cased) is found in the title or
    starts the shortcut; `language` keeps one language."""

    owner_id: str | None = None
    department_ids: tuple[str, ...] = ()
    global_: bool = True
    all_departments: bool = False  # admins: every department's replies
    q: str = ""
    language: str | None = None
    limit: int = 100


class CannedRepo(Protocol):
    """A shortcut is unique within a reply's scope (its owner, its department, or global): a unique index on
    (scope, shortcut) refuses a second one with DuplicateError, on create and update alike."""

    async def create(self, reply: CannedResponse) -> None: ...

    async def get(self, reply_id: str) -> CannedResponse | None: ...

    async def update(self, reply_id: str, changes: dict[str, Any]) -> CannedResponse | None:
        """Set fields (keys in CANNED_MUTABLE); the reply after it, None if missing."""

    async def delete(self, reply_id: str) -> bool: ...

    async def query(self, query: CannedQuery) -> list[CannedResponse]:
        """Matching replies by title (then id)."""


@dataclass(frozen=True, slots=True)
class ViewQuery:
    """The saved views a user sees: their own (`owner_id`), those shared with everyone (`everyone`), with one of
    `department_ids` (or with any department: `all_departments`). Nothing set: none."""

    owner_id: str | None = None
    everyone: bool = False
    department_ids: tuple[str, ...] = ()
    all_departments: bool = False
    limit: int = 200


class ViewRepo(Protocol):
    async def create(self, view: SavedView) -> None: ...

    async def get(self, view_id: str) -> SavedView | None: ...

    async def update(self, view_id: str, changes: dict[str, Any]) -> SavedView | None:
        """Set fields (keys in hub.domain_views.VIEW_MUTABLE) in one update; the view after it, None if missing."""

    async def delete(self, view_id: str) -> bool: ...

    async def query(self, query: ViewQuery) -> list[SavedView]:
        """Matching views by name (case-insensitive), then id."""
