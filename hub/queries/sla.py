"""Reading SLA: the `sla` of conversations the caller already holds (through their door or scope), the policies,
and the breach counts of the reports (supervisors and admins, asked of hub.access)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import yaml

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import Conversation
from hub.errors import Invalid, NotFound
from hub.representations_sla import breach_count_json, sla_json
from hub.sla import SLA_KEY, SlaConfig
from hub.yamllines import read_text_file


def _enabled(hub: Hub) -> bool:
    return isinstance(hub.sla, SlaConfig) and bool(hub.sla.policies)


async def of_conversations(
    hub: Hub, actor: Actor, conversations: Sequence[Conversation]
) -> dict[str, dict[str, Any] | None]:
    """The `sla` JSON of each conversation, by id, in one query for the whole list. The conversations come from a
    door or a scope of the policy: this adds their clocks (for staff; a partner gets none), it decides nothing about
    who sees the conversations."""
    if not conversations or not _enabled(hub) or not access.can_read_sla_policies(actor):
        return {c.id: None for c in conversations}
    clocks = await hub.store.sla.get_many([c.id for c in conversations])
    now = hub.clock()
    return {c.id: sla_json(clocks.get(c.id), now) for c in conversations}


async def of_conversation(hub: Hub, actor: Actor, conversation: Conversation) -> dict[str, Any] | None:
    return (await of_conversations(hub, actor, [conversation]))[conversation.id]


def policies(hub: Hub, actor: Actor) -> dict[str, Any]:
    access.require(access.can_read_sla_policies(actor), "only staff read the SLA policies")
    config = hub.sla if isinstance(hub.sla, SlaConfig) else SlaConfig()
    return config.dump()


async def policies_text(hub: Hub, actor: Actor) -> dict[str, Any]:
    """Where the policies in force come from ("file", or "store" once an admin saved some) and their YAML to edit:
    the saved text, comments and all, or the file's."""
    access.require(access.sees_everything(actor), "only admins and supervisors read the SLA policies' text")
    dump = policies(hub, actor)
    stored = await hub.store.documents.get(SLA_KEY)
    if stored is not None and stored.get("policies") == dump and isinstance(stored.get("text"), str):
        return {"source": "store", "yaml": stored["text"]}
    path = hub.settings.sla_file
    text, _problems = read_text_file(path) if path.exists() else ("", [])
    if text is None or (dump.get("policies") and not text):
        text = yaml.safe_dump(dump, allow_unicode=True, sort_keys=False)
    return {"source": "file", "yaml": text}


async def policies_for_reader(hub: Hub, actor: Actor) -> dict[str, Any]:
    """The policies in force; for admins and supervisors also where they come from and their YAML to edit."""
    found = policies(hub, actor)
    if access.sees_everything(actor):
        found |= await policies_text(hub, actor)
    return found


async def breaches(
    hub: Hub, actor: Actor, *, department_id: str | None, since: datetime | None, until: datetime | None
) -> list[dict[str, Any]]:
    """Breaches counted per department and target (first_response, resolution), since <= at < until."""
    access.require(access.can_read_sla_reports(actor), "only supervisors and admins read the SLA reports")
    if since is not None and until is not None and until <= since:
        raise Invalid("until must be after since")
    names = {d.id: d.name for d in await hub.store.departments.list()}
    if department_id is not None and department_id not in names:
        raise NotFound("no such department")
    counts = await hub.store.sla.count_breaches(
        department_ids=access.sla_report_departments(actor, department_id), since=since, until=until
    )
    return [breach_count_json(c, names.get(c.department_id or "")) for c in counts]
