"""Files an agent sends with a reply: a multipart/form-data body (a `text` field, one `file` part per file), read
in chunks so that a file over HUB_MAX_FILE_BYTES is refused (413) before it is all in memory, then kept in the
attachment store (hub.files) and attached to the outgoing entry, which the channel sends (email: MIME parts)."""

from __future__ import annotations

import contextlib
import mimetypes
import re
import urllib.parse
from dataclasses import dataclass

from aiohttp import BodyPartReader, web

from hub.api.http import ApiError, hub_of
from hub.context import Hub
from hub.domain import Attachment
from hub.files import FileStore

MAX_FILES = 10
MAX_TEXT_FIELD = 64 * 1024
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Form:
    fields: dict[str, str]
    files: list[Upload]


async def read_form(request: web.Request) -> Form:
    """The fields and files of a multipart body; 413 for a file over the limit, 400 for a malformed body."""
    limit = hub_of(request).settings.max_file_bytes
    fields: dict[str, str] = {}
    files: list[Upload] = []
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise ApiError(400, "invalid", "nested multipart bodies are not accepted")
            if part.filename is None:
                value = await _read(part, MAX_TEXT_FIELD, f"field {part.name!r}")
                fields[part.name or ""] = value.decode("utf-8", "replace")
                continue
            if part.name != "file":
                raise ApiError(400, "invalid", f"files go in parts named 'file', not {part.name!r}")
            if len(files) == MAX_FILES:
                raise ApiError(400, "invalid", f"at most {MAX_FILES} files per message")
            data = await _read(part, limit, f"file {part.filename!r}")
            files.append(Upload(_name(part.filename), _content_type(part), data))
    except ApiError:
        raise
    except Exception as exc:  # aiohttp: a missing or broken boundary, a bad part header, a truncated body
        raise ApiError(400, "invalid", f"the multipart body is malformed: {type(exc).__name__}") from exc
    return Form(fields, files)


async def _read(part: BodyPartReader, limit: int, what: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"{what} is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _name(filename: str) -> str:
    # browsers send the name as raw UTF-8 (escaping only " CR LF as %22 %0D %0A); some clients percent-encode it all
    if _ESCAPE.search(filename):
        with contextlib.suppress(UnicodeDecodeError):
            filename = urllib.parse.unquote(filename, errors="strict")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "file"


def _content_type(part: BodyPartReader) -> str:
    given = (part.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if _TYPE.match(given) and given != "application/octet-stream":
        return given
    guessed, _encoding = mimetypes.guess_type(part.filename or "")
    return guessed or "application/octet-stream"


async def keep(hub: Hub, files: list[Upload]) -> list[Attachment]:
    """Put the files into the attachment store; the attachments of the outgoing entry."""
    if files and hub.files is None:
        raise ApiError(400, "invalid", "this hub keeps no files (HUB_FILES_DIR)")
    found: list[Attachment] = []
    for upload in files:
        assert hub.files is not None
        key = await hub.files.put(upload.data, name=upload.name)
        found.append(
            Attachment(
                name=upload.name,
                content_type=upload.content_type,
                size=len(upload.data),
                url=FileStore.url(key),
            )
        )
    return found
