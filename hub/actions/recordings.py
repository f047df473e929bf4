"""Call recordings kept in the attachment store: the writes a telephony connector's downloader makes.

A recording is downloaded at most once per call and url, whatever the webhook retries: `claim_recording` applies a
claim event to the call (`TimelineRepo.record_call` applies an event id once, across processes too) and only its
winner downloads. The file becomes an attachment of the call entry (served by the entry's door, like every file);
a download that fails leaves the provider's link and says why (`meta.call.recording_file` = "failed",
`recording_error` a code the inbox translates).
"""

from __future__ import annotations

import hashlib

from hub.context import Hub
from hub.domain import Attachment, TimelineEntry
from hub.events import EntryEdited
from hub.files import FileStore

# a status-less event's fields overwrite whatever an earlier one said (the rank of the call is left as it is)
_ALWAYS = 10**12

STORED, FAILED, DOWNLOADING = "stored", "failed", "downloading"


def _event(kind: str, url: str) -> str:
    return f"recording-{kind}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


async def _set(hub: Hub, entry_id: str, kind: str, url: str, **fields: str | int) -> TimelineEntry | None:
    return await hub.store.timeline.record_call(
        entry_id, event_id=_event(kind, url), rank=_ALWAYS, status=None, fields=fields
    )


async def claim_recording(hub: Hub, entry_id: str, url: str) -> bool:
    """The one right to download this recording of this call: True for exactly one caller."""
    return await _set(hub, entry_id, "claim", url, recording_file=DOWNLOADING) is not None


async def save_recording(
    hub: Hub, entry_id: str, url: str, data: bytes, *, name: str, content_type: str
) -> TimelineEntry | None:
    """Keep the downloaded bytes and attach them to the call entry; publishes EntryEdited."""
    if hub.files is None:
        return await recording_failed(hub, entry_id, url, "no_file_store")
    key = await hub.files.put(data, name=name)
    attachment = Attachment(name=name, content_type=content_type, size=len(data), url=FileStore.url(key))
    await hub.store.timeline.add_attachment(entry_id, attachment)
    updated = await _set(hub, entry_id, "stored", url, recording_file=STORED, recording_error="")
    if updated is not None:
        await hub.bus.publish(EntryEdited(updated))
    return updated


async def recording_failed(hub: Hub, entry_id: str, url: str, reason: str) -> TimelineEntry | None:
    """The download did not work: the entry keeps the provider's link and says why; publishes EntryEdited."""
    updated = await _set(hub, entry_id, "failed", url, recording_file=FAILED, recording_error=reason[:100])
    if updated is not None:
        await hub.bus.publish(EntryEdited(updated))
    return updated
