"""The tables of routing and assignment, listed as one entry of the adapter's modules: read markers (`reads`),
agents' load counters, queues and offers (`assignment`), named documents such as the active routing rules
(`documents`)."""

from hub.store.sqlite import assignment, documents, reads
from hub.store.sqlite.assignment import SqliteAssignment
from hub.store.sqlite.documents import SqliteDocuments
from hub.store.sqlite.reads import SqliteReads

__all__ = ["SCHEMA", "SqliteAssignment", "SqliteDocuments", "SqliteReads"]

SCHEMA = reads.SCHEMA + assignment.SCHEMA + documents.SCHEMA
