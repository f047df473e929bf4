"""The collections of routing and assignment, listed as one entry of the adapter's modules: read markers
(`reads`), agents' load counters, queues and offers (`assignment`), named documents such as the active routing
rules (`documents`)."""

from typing import Any

from hub.store.mongo import assignment, documents, reads
from hub.store.mongo.assignment import MongoAssignmentRepo
from hub.store.mongo.documents import MongoDocumentRepo
from hub.store.mongo.reads import MongoReadRepo

__all__ = ["INDEXES", "MongoAssignmentRepo", "MongoDocumentRepo", "MongoReadRepo"]

INDEXES: dict[str, list[tuple[Any, ...]]] = {**reads.INDEXES, **assignment.INDEXES, **documents.INDEXES}
