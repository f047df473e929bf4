"""Canned replies: saved answers an agent inserts into a reply, rendered with the conversation's variables.

A reply is personal (`owner_id`: only its owner uses and edits it), shared with a department (`department_id`:
its members use it, the department's supervisors and admins edit it) or global (neither: everyone on staff uses it,
admins edit it). Plain pydantic data like hub.domain; only `hub.actions.canned` writes it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from hub.domain import Model, new_id, utcnow


class CannedLanguage(StrEnum):
    ru = "ru"
    en = "en"


class CannedResponse(Model):
    id: str = Field(default_factory=new_id)
    title: str
    shortcut: str = ""  # typed after "/" in the composer; lower-case letters, digits, - and _
    body: (
        str  # a Jinja2 template (sandboxed): {{ client.name }}, {{ agent.name }}, {{ conversation.subject }}
    )
    language: CannedLanguage = CannedLanguage.ru
    owner_id: str | None = None
    department_id: str | None = None
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def scope(self) -> str:
        if self.owner_id is not None:
            return "personal"
        return "department" if self.department_id is not None else "global"


def scope_key(reply: CannedResponse) -> str:
    """The scope a shortcut is unique in: user:<owner> | department:<id> | global (never changes)."""
    if reply.owner_id is not None:
        return f"user:{reply.owner_id}"
    return f"department:{reply.department_id}" if reply.department_id is not None else "global"


def shortcut_key(reply: CannedResponse) -> str:
    """(scope, shortcut) for the stores' unique index; a reply without a shortcut takes its own id instead."""
    return f"{scope_key(reply)}|{reply.shortcut or '#' + reply.id}"
