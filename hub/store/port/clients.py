"""The store port: clients, their identities and merges, partner organisations and their grants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from hub.domain import (
    Client,
    Identity,
    MergeSuggestion,
)
from hub.domain_partners import Grant, Partner
from hub.store.port.common import PartnerScope, Scope


class ClientRepo(Protocol):
    async def create(self, client: Client) -> None:
        """Insert a new client (its id is new). Also indexes its search terms."""

    async def get(self, client_id: str) -> Client | None: ...

    async def get_many(self, client_ids: Sequence[str]) -> list[Client]:
        """The clients that exist among `client_ids`, in any order."""

    async def delete(self, client_id: str) -> None: ...

    async def update(self, client_id: str, changes: dict[str, Any]) -> Client | None:
        """Set the given fields (keys in CLIENT_MUTABLE); returns the client after the update, None if missing."""

    async def fill_name(self, client_id: str, name: str, *, at: datetime) -> Client | None:
        """Set the name (and updated_at = at) only while the client has none, in one conditional update; returns
        the client when it changed, else None (it had a name already, or does not exist)."""

    async def add_identity(self, client_id: str, identity: Identity) -> Client | None:
        """Add the identity to the client's list and refresh its search terms; returns the client after the
        update, or None when nothing changed (the client has the identity already, or does not exist)."""

    async def set_partner(
        self, client_id: str, partner_id: str, present: bool, *, at: datetime
    ) -> Client | None:
        """Add `partner_id` to (present) or remove it from the client's `partner_ids` in one atomic update (SQLite:
        one statement on the JSON array; MongoDB: `$addToSet` / `$pull`), so concurrent grants and revokes never
        lose one another; sets updated_at = at. The client after the change, None when nothing changed."""

    async def search(
        self,
        q: str,
        *,
        limit: int = 20,
        partner_id: str | None = None,
        region: str | None = None,
        conversation_scope: Scope | None = None,
        partner_scope: PartnerScope | None = None,
    ) -> list[Client]:
        """Clients whose search terms start with every word of `q` (see hub.identities.query_terms), most
        recently updated first. `partner_scope` limits to the clients it lets through (compiled in the query). An empty `q` lists clients. `region` reads a phone-like query written the local
        way ('8 916 123-45-67' with region RU) as the E.164 number phones are stored as. `partner_id` limits to
        clients shared with that partner. `conversation_scope` limits to clients with at least one conversation
        that the Scope lets through (an empty Scope: none). SQLite filters with a sub-select on conversations;
        MongoDB first reads the distinct client ids of the matching conversations (one more round trip, and a
        list as long as the number of such clients), then matches clients `$in` them.
        """


class PartnerRepo(Protocol):
    async def create(self, partner: Partner) -> None: ...

    async def get(self, partner_id: str) -> Partner | None: ...

    async def list(self) -> list[Partner]:
        """All organisations, by name."""

    async def update(self, partner_id: str, changes: dict[str, Any]) -> Partner | None:
        """Set `name` and/or `redacted_fields`; the organisation after the update, None if missing."""


class GrantRepo(Protocol):
    async def add(self, grant: Grant) -> tuple[Grant, bool]:
        """Store the grant unless the organisation has one for the same thing (`Grant.key`, a unique index
        decides): returns (the stored grant, created)."""

    async def get(self, grant_id: str) -> Grant | None: ...

    async def of_partner(self, partner_id: str, *, limit: int = 1000) -> list[Grant]:
        """The organisation's grants, oldest first."""

    async def of_client(self, client_id: str) -> list[Grant]:
        """The client grants naming this client (any organisation)."""

    async def delete(self, grant_id: str) -> Grant | None:
        """Remove it; the grant as it was, None when there was none."""


class IdentityRepo(Protocol):
    async def owners(self, identities: Sequence[Identity]) -> dict[Identity, str]:
        """Which client owns each of the identities that are known (one round trip)."""

    async def claim(self, identity: Identity, client_id: str) -> str:
        """Give the identity to `client_id` unless someone owns it already; returns the owner either way.
        Race-safe: a unique index on (kind, value) decides."""

    async def reassign(self, from_client_id: str, to_client_id: str) -> None:
        """Move every identity of one client to another (merging clients)."""


class MergeRepo(Protocol):
    async def suggest(self, suggestion: MergeSuggestion) -> bool:
        """Record the suggestion; False when an open or closed one for the same client pair exists (the pair is
        stored sorted, so (a, b) and (b, a) are the same)."""

    async def list(self, *, status: str | None = "open", limit: int = 100) -> list[MergeSuggestion]: ...

    async def get(self, suggestion_id: str) -> MergeSuggestion | None: ...

    async def for_pair(self, a: str, b: str) -> MergeSuggestion | None:
        """The suggestion (any status) for the client pair {a, b}, in either order: one look-up by the unique
        sorted pair key."""

    async def set_status(self, suggestion_id: str, status: str) -> MergeSuggestion | None: ...
