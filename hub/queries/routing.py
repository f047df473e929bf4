"""Reading the routing rules and the assignment queues (admins and supervisors)."""

from __future__ import annotations

from typing import Any

import yaml

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.routing import RULES_TEXT_KEY
from hub.yamllines import read_text_file


async def rules(hub: Hub, actor: Actor) -> dict[str, Any]:
    """The active rule set, where it comes from ("file" or "store") and its YAML text to edit (the file's, or what
    the admin saved, comments and all; written out from the rules when neither matches them)."""
    access.require(access.sees_everything(actor), "only admins and supervisors read the routing rules")
    router = hub.router
    if router is None:
        return {"source": "none", "rules": [], "business_hours": None, "yaml": ""}
    ruleset, source = await router.active(hub)
    dump = ruleset.dump()
    return {"source": source, "business_hours": None, **dump, "yaml": await _text(hub, source, dump)}


async def _text(hub: Hub, source: str, dump: dict[str, Any]) -> str:
    if source == "file":
        text, _problems = read_text_file(hub.settings.routing_file)
        if text is not None or not hub.settings.routing_file.exists():
            return text or ""
    else:
        saved = await hub.store.documents.get(RULES_TEXT_KEY)
        if saved is not None and saved.get("rules") == dump and isinstance(saved.get("text"), str):
            return str(saved["text"])
    return yaml.safe_dump(dump, allow_unicode=True, sort_keys=False) if dump.get("rules") else ""


async def queues(hub: Hub, actor: Actor) -> list[dict[str, Any]]:
    """Per department: its policy, how many conversations wait (and the oldest ones), its agents' loads."""
    access.require(access.sees_everything(actor), "only admins and supervisors see the queues")
    users = [u for u in await hub.directory.active_users(hub.store) if access.is_staff(u)]
    loads = await hub.store.assignment.loads([u.id for u in users])
    out = []
    for department in await hub.store.departments.list():
        waiting = await hub.store.assignment.queued(department.id, limit=20)
        members = [u for u in users if department.id in u.department_ids]
        out.append(
            {
                "department": department.model_dump(mode="json"),
                "waiting": await hub.store.assignment.queue_length(department.id),
                "oldest": [w.model_dump(mode="json") for w in waiting],
                "agents": [
                    {
                        "user_id": u.id,
                        "name": u.name,
                        "capacity": u.capacity,
                        "open": loads[u.id].open if u.id in loads else 0,
                    }
                    for u in members
                ],
            }
        )
    return out
