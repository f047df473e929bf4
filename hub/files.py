"""The attachment store: files customers send (fetched by connectors) kept on disk under HUB_FILES_DIR,
named by content hash, served at /api/v1/entries/{entry_id}/files/{key} to those who may see the entry."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

_KEY = re.compile(r"^[0-9a-f]{64}(\.[a-z0-9]{1,10})?$")
_SUFFIX = re.compile(r"\.([A-Za-z0-9]{1,10})$")


class FileTooLarge(ValueError):
    pass


class FileStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    async def put(self, data: bytes, *, name: str = "") -> str:
        """Keep the bytes; returns the key (same content, same key)."""
        if len(data) > self.max_bytes:
            raise FileTooLarge(f"{len(data)} bytes is over the limit of {self.max_bytes}")
        suffix = _SUFFIX.search(name or "")
        key = hashlib.sha256(data).hexdigest() + ("." + suffix.group(1).lower() if suffix else "")
        path = self.root / key[:2] / key
        if not path.exists():
            await asyncio.to_thread(_write, path, data)
        return key

    def path(self, key: str) -> Path | None:
        if not _KEY.match(key):
            return None
        path = self.root / key[:2] / key
        return path if path.is_file() else None

    @staticmethod
    def url(key: str) -> str:
        """What an attachment stores as its url; readers get it through `entry_file_url` (the entry's door)."""
        return f"{_PREFIX}{key}"

    @staticmethod
    def key_of(url: str) -> str | None:
        """The key of a url `url()` made, else None (an attachment that points elsewhere)."""
        return url[len(_PREFIX) :] if url.startswith(_PREFIX) else None


_PREFIX = "/api/v1/files/"


def entry_file_url(entry_id: str, url: str | None) -> str | None:
    """The address a reader downloads an attachment from: through its entry, so the entry's access decides."""
    if url is None or not url.startswith(_PREFIX):
        return url
    return f"/api/v1/entries/{entry_id}/files/{url[len(_PREFIX) :]}"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
