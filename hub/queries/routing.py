"""Reading the routing rules and the assignment queues (admins and supervisors)."""

from __future__ import annotations

from typing import Any

from hub import access
from hub.access import Actor
from hub.context import Hub


async def rules(hub: Hub, actor: Actor) -> dict[str, Any]:
    """The active rule set and where it comes from ("file" or "store")."""
    access.require(access.sees_everything(actor), "only admins and supervisors read the routing rules")
    router = hub.router
    if router is None:
        return {"source": "none", "rules": [], "business_hours": None}
    ruleset, source = await router.active(hub)
    return {"source": source, "business_hours": None, **ruleset.dump()}


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
