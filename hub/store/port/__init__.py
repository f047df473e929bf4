"""The store port: one repository per aggregate. Two adapters implement it (sqlite, mongo) and pass one contract suite.

Rules every adapter follows:
- Correctness comes from unique constraints and single-document atomic updates (upserts, conditional updates),
  never from multi-document transactions.
- Every call is one round trip to the database where possible, and counts itself in `Store.stats.round_trips`.
- Datetimes go in and come out timezone-aware UTC with millisecond precision.
- Lists are returned newest first where they are time-ordered; pages are cursor based (see `Cursor`).
- Every `limit` must be >= 1 (`check_limit`): anything else raises ValueError, on every adapter.

The protocols live by aggregate in this package's modules (common, clients, conversations, staff, work,
channels, inbox); everything is importable from `hub.store.port` as before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.store.port.channels import (
    DocumentRepo,
    EmailCodeRepo,
    MailboxRepo,
)
from hub.store.port.clients import (
    ClientRepo,
    GrantRepo,
    IdentityRepo,
    MergeRepo,
    PartnerRepo,
)
from hub.store.port.common import (
    CALL_EVENT_MEMORY,
    CLIENT_MUTABLE,
    CONVERSATION_MUTABLE,
    DEPARTMENT_MUTABLE,
    TOUCH_MEMORY,
    USER_MUTABLE,
    ConversationQuery,
    Cursor,
    DuplicateError,
    EntryScope,
    PartnerScope,
    Scope,
    StoreError,
    StoreStats,
    check_limit,
    dump_fields,
)
from hub.store.port.conversations import (
    ConversationRepo,
    FirstEntry,
    InboundLookup,
    InboundRepo,
    NewSender,
    ReadRepo,
    TimelineRepo,
)
from hub.store.port.inbox import (
    CANNED_MUTABLE,
    CannedQuery,
    CannedRepo,
    SearchRepo,
    SearchScope,
    ViewQuery,
    ViewRepo,
)
from hub.store.port.staff import (
    AssignmentRepo,
    DepartmentRepo,
    UserRepo,
)
from hub.store.port.work import (
    TASK_MUTABLE,
    NotificationRepo,
    PartnerTaskScope,
    SlaRepo,
    TaskQuery,
    TaskRepo,
    TaskScope,
)

__all__ = [
    "dump_fields",
    "AssignmentRepo",
    "CALL_EVENT_MEMORY",
    "CANNED_MUTABLE",
    "CLIENT_MUTABLE",
    "CONVERSATION_MUTABLE",
    "CannedQuery",
    "CannedRepo",
    "ClientRepo",
    "ConversationQuery",
    "ConversationRepo",
    "Cursor",
    "DEPARTMENT_MUTABLE",
    "DepartmentRepo",
    "DocumentRepo",
    "DuplicateError",
    "EmailCodeRepo",
    "EntryScope",
    "GrantRepo",
    "IdentityRepo",
    "FirstEntry",
    "InboundLookup",
    "InboundRepo",
    "NewSender",
    "MailboxRepo",
    "MergeRepo",
    "NotificationRepo",
    "PartnerRepo",
    "PartnerScope",
    "PartnerTaskScope",
    "ReadRepo",
    "Scope",
    "SearchRepo",
    "SearchScope",
    "SlaRepo",
    "Store",
    "StoreError",
    "StoreStats",
    "TASK_MUTABLE",
    "TOUCH_MEMORY",
    "TaskQuery",
    "TaskRepo",
    "TaskScope",
    "TimelineRepo",
    "USER_MUTABLE",
    "UserRepo",
    "ViewQuery",
    "ViewRepo",
    "check_limit",
]


@dataclass
class Store:
    """The whole store: what the core gets from an adapter."""

    clients: ClientRepo
    identities: IdentityRepo
    conversations: ConversationRepo
    timeline: TimelineRepo
    users: UserRepo
    departments: DepartmentRepo
    merges: MergeRepo
    stats: StoreStats = field(default_factory=StoreStats)
    tasks: TaskRepo = None  # type: ignore[assignment]  # every adapter sets it; a default keeps old callers
    notifications: NotificationRepo = None  # type: ignore[assignment]
    mailboxes: MailboxRepo = None  # type: ignore[assignment]  # email sync state (hub.domain_email)
    partners: PartnerRepo = None  # type: ignore[assignment]
    grants: GrantRepo = None  # type: ignore[assignment]
    reads: ReadRepo = None  # type: ignore[assignment]
    assignment: AssignmentRepo = None  # type: ignore[assignment]
    documents: DocumentRepo = None  # type: ignore[assignment]
    search: SearchRepo = None  # type: ignore[assignment]
    canned: CannedRepo = None  # type: ignore[assignment]
    sla: SlaRepo = None  # type: ignore[assignment]  # SLA clocks and breaches (hub.domain_sla)
    views: ViewRepo = None  # type: ignore[assignment]  # saved inbox views (hub.domain_views)
    inbound: InboundRepo = None  # type: ignore[assignment]  # the ingest's combined steps
    email_codes: EmailCodeRepo = None  # type: ignore[assignment]  # one-time email codes (hub.domain_verification)
    name: str = ""
    _closers: list[Any] = field(default_factory=list)

    async def close(self) -> None:
        for close in self._closers:
            await close()
