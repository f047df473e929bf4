"""MongoDB adapter of the store port (motor; also runs on mongomock-motor for tests).

Correctness comes from unique indexes, upserts and single-document (conditional) updates; no transactions,
no `$text`, no change streams, no `array_filters`: the same code runs on mongomock-motor and a real MongoDB 7.

Documents: `_id` is the model's `id`; enums are stored as their string values, datetimes as BSON dates (UTC,
milliseconds). A few denormalized fields help the queries and are ignored by the models on the way back:
- clients: `name_terms` (search terms of the name), `identity_terms` (search terms of the identities) and
  `terms` = their union, the multikey-indexed field that `search` prefix-matches;
- conversations: `sort_at` = last_message_at or created_at, the sort key of `query`; `applied_entry_ids`, the
  ids of the last TOUCH_MEMORY entries `touch(entry_id=...)` applied (so it applies each once);
- timeline: `settle_lease_until` while someone completes an unsettled entry (`settled: false`);
- users: `email_key` (lower-cased email, unique); departments: `name_key` (lower-cased name, unique);
- merge suggestions: `pair_key` ("a|b" of the sorted client ids, unique);
- identities live in their own collection, `_id` = "kind:value" (unique by construction), plus `client_id`;
- `counters`: one document per sequence (`_id` "timeline": the last timeline `seq` handed out).

Each aggregate has its module (clients, identities, conversations, timeline, staff, merges) with its repository
and its INDEXES; a new aggregate is one more module listed in `_MODULES` and in `open_mongo_store`.

Every awaited database operation adds one to `Store.stats.round_trips` (index creation in `open_mongo_store`
is setup and is not counted).
"""

from typing import Any

from hub.store.mongo import canned as canned_collections
from hub.store.mongo import clients, conversations, identities, merges, notifications, staff, tasks, timeline
from hub.store.mongo import email_codes as email_code_collections
from hub.store.mongo import mailboxes as mailbox_collections
from hub.store.mongo import partners as partner_collections
from hub.store.mongo import routing as routing_collections
from hub.store.mongo import search as search_collections
from hub.store.mongo import sla as sla_collections
from hub.store.mongo import views as view_collections
from hub.store.mongo.canned import MongoCannedRepo
from hub.store.mongo.clients import MongoClientRepo
from hub.store.mongo.conversations import MongoConversationRepo
from hub.store.mongo.email_codes import MongoEmailCodeRepo
from hub.store.mongo.identities import MongoIdentityRepo
from hub.store.mongo.inbound import MongoInboundRepo
from hub.store.mongo.mailboxes import MongoMailboxRepo
from hub.store.mongo.merges import MongoMergeRepo
from hub.store.mongo.notifications import MongoNotificationRepo
from hub.store.mongo.partners import MongoGrantRepo, MongoPartnerRepo
from hub.store.mongo.routing import MongoAssignmentRepo, MongoDocumentRepo, MongoReadRepo
from hub.store.mongo.search import MongoSearchRepo
from hub.store.mongo.sla import MongoSlaRepo
from hub.store.mongo.staff import MongoDepartmentRepo, MongoUserRepo
from hub.store.mongo.tasks import MongoTaskRepo
from hub.store.mongo.timeline import MongoTimelineRepo
from hub.store.mongo.views import MongoViewRepo
from hub.store.port import Store, StoreStats

__all__ = ["open_mongo_store", "open_mongo_store_url"]

# each aggregate's module declares the indexes of its collections: {collection: [(keys, unique)]}
_INDEXES: dict[str, list[tuple[Any, ...]]] = {}
_MODULES = (
    clients,
    identities,
    conversations,
    timeline,
    staff,
    merges,
    tasks,
    notifications,
    partner_collections,
)
_MODULES += (routing_collections,)
_MODULES += (mailbox_collections,)
_MODULES += (search_collections,)
_MODULES += (canned_collections,)
_MODULES += (view_collections,)
_MODULES += (sla_collections,)
_MODULES += (email_code_collections,)
for _module in _MODULES:
    for _collection, _indexes in _module.INDEXES.items():  # several modules may index one collection
        _INDEXES.setdefault(_collection, []).extend(_indexes)


async def open_mongo_store(db: Any) -> Store:
    """A Store on a motor database (or a mongomock-motor one). Creates the indexes (idempotent)."""
    for collection, indexes in _INDEXES.items():
        for keys, unique, *options in indexes:
            await db[collection].create_index(keys, unique=unique, **(options[0] if options else {}))
    stats = StoreStats()
    store = Store(
        clients=MongoClientRepo(db["clients"], stats, db["conversations"]),
        identities=MongoIdentityRepo(db["identities"], stats),
        conversations=MongoConversationRepo(db["conversations"], stats, db["clients"], db["sla_clocks"]),
        timeline=MongoTimelineRepo(db["timeline"], stats, db["counters"]),
        users=MongoUserRepo(db["users"], stats),
        departments=MongoDepartmentRepo(db["departments"], stats),
        merges=MongoMergeRepo(db["merge_suggestions"], stats),
        mailboxes=MongoMailboxRepo(db["mailboxes"], stats),
        tasks=MongoTaskRepo(db["tasks"], stats, db["conversations"]),
        notifications=MongoNotificationRepo(db["notifications"], stats),
        partners=MongoPartnerRepo(db["partners"], stats),
        grants=MongoGrantRepo(db["grants"], stats),
        reads=MongoReadRepo(db["read_markers"], stats),
        assignment=MongoAssignmentRepo(
            db["agent_loads"], db["assignment_queue"], db["assignment_offers"], stats
        ),
        documents=MongoDocumentRepo(db["documents"], stats),
        search=MongoSearchRepo(db["timeline"], stats, db["conversations"], db["clients"]),
        canned=MongoCannedRepo(db["canned_responses"], stats),
        sla=MongoSlaRepo(db["sla_clocks"], db["sla_breaches"], stats),
        views=MongoViewRepo(db["saved_views"], stats),
        email_codes=MongoEmailCodeRepo(db["email_codes"], stats),
        stats=stats,
        name="mongo",
    )
    store.inbound = MongoInboundRepo(store, db["conversations"])
    return store


async def open_mongo_store_url(url: str, db_name: str) -> Store:
    """A Store on a MongoDB server; Store.close() closes the client."""
    from motor.motor_asyncio import AsyncIOMotorClient

    client: Any = AsyncIOMotorClient(url, tz_aware=True)
    try:
        store = await open_mongo_store(client[db_name])
    except BaseException:
        client.close()
        raise

    async def close() -> None:
        client.close()

    store._closers.append(close)
    return store
