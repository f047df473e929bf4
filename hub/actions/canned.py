"""Canned replies: create, change and delete them, with the policy of hub.access (the owner edits a personal one;
the department's supervisors and admins a department's; admins a global one). The body is checked as a template
at save time (hub.canned_render), so a reply that is stored always renders. Each write publishes
CannedResponseChanged.

    create_canned(hub, actor, title=..., body=..., scope="personal")
    update_canned(hub, actor, reply_id, body="...")
"""

from __future__ import annotations

import re
from typing import Any, Literal

from hub import access
from hub.access import Actor, require
from hub.canned_render import check
from hub.context import Hub
from hub.domain import User
from hub.domain_canned import CannedLanguage, CannedResponse
from hub.errors import Conflict, Invalid, NotFound
from hub.events import CannedResponseChanged
from hub.store.port import DuplicateError

Scope = Literal["personal", "department", "global"]
MAX_TITLE = 200
_SHORTCUT = re.compile(r"^[a-z0-9а-яё_-]{0,32}$")
UPDATABLE = frozenset({"title", "shortcut", "body", "language"})


def _shortcut(value: str) -> str:
    value = value.strip().lstrip("/").lower()
    if not _SHORTCUT.match(value):
        raise Invalid("a shortcut is up to 32 letters, digits, - and _")
    return value


def _title(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_TITLE:
        raise Invalid(f"a title is 1 to {MAX_TITLE} characters")
    return value


async def create_canned(
    hub: Hub,
    actor: Actor | None,
    *,
    title: str,
    body: str,
    scope: Scope = "personal",
    department_id: str | None = None,
    shortcut: str = "",
    language: CannedLanguage | str = CannedLanguage.ru,
) -> CannedResponse:
    actor = access.as_actor(actor)
    require(access.is_staff(actor), "only staff keep canned replies")
    assert isinstance(actor, User)
    if scope == "department":
        if department_id is None:
            raise Invalid("a department's reply names its department_id")
        if await hub.store.departments.get(department_id) is None:
            raise NotFound("no such department")
    elif department_id is not None:
        raise Invalid("department_id goes with scope 'department' only")
    check(body)
    now = hub.clock()
    reply = CannedResponse(
        title=_title(title),
        shortcut=_shortcut(shortcut),
        body=body,
        language=CannedLanguage(language),
        owner_id=actor.id if scope == "personal" else None,
        department_id=department_id if scope == "department" else None,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    require(access.can_edit_canned(actor, reply), f"you may not keep {scope} canned replies")
    try:
        await hub.store.canned.create(reply)
    except DuplicateError as exc:
        raise Conflict(f"the shortcut /{reply.shortcut} is already used") from exc
    await hub.bus.publish(CannedResponseChanged(reply, "created", actor.id))
    return reply


async def update_canned(hub: Hub, actor: Actor | None, reply_id: str, **changes: Any) -> CannedResponse:
    actor = access.as_actor(actor)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise Invalid(f"not changeable: {', '.join(sorted(unknown))}")
    reply = await access.canned_for(hub, actor, reply_id)
    require(access.can_edit_canned(actor, reply), "you may not change this canned reply")
    if "title" in changes:
        changes["title"] = _title(changes["title"])
    if "shortcut" in changes:
        changes["shortcut"] = _shortcut(changes["shortcut"])
    if "body" in changes:
        check(changes["body"])
    if "language" in changes:
        changes["language"] = CannedLanguage(changes["language"])
    if not changes:
        return reply
    try:
        updated = await hub.store.canned.update(reply_id, {**changes, "updated_at": hub.clock()})
    except DuplicateError as exc:
        raise Conflict(f"the shortcut /{changes.get('shortcut')} is already used") from exc
    if updated is None:
        raise NotFound("no such canned reply")
    await hub.bus.publish(CannedResponseChanged(updated, "updated", access.actor_id(actor)))
    return updated


async def delete_canned(hub: Hub, actor: Actor | None, reply_id: str) -> None:
    actor = access.as_actor(actor)
    reply = await access.canned_for(hub, actor, reply_id)
    require(access.can_edit_canned(actor, reply), "you may not delete this canned reply")
    if not await hub.store.canned.delete(reply_id):
        raise NotFound("no such canned reply")
    await hub.bus.publish(CannedResponseChanged(reply, "deleted", access.actor_id(actor)))
