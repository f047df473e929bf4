"""Store contract (both adapters): the partner part of the task scope — a task assigned to an organisation or to
one of its users is listed for them only on a client the organisation's client scope lets through — compiled into
the query, combined with the staff conditions and the filters, and partner_id kept in step by updates."""

from __future__ import annotations

from store_factories import at, client

from hub.domain_tasks import Task, TaskStatus
from hub.store.port import PartnerScope, PartnerTaskScope, TaskQuery, TaskScope


def task(client_id: str, seconds: float = 0, **kw) -> Task:
    kw.setdefault("title", "Deliver the order")
    return Task(client_id=client_id, created_at=at(seconds), updated_at=at(seconds), **kw)


def partner_scope(**clients) -> TaskScope:
    return TaskScope(
        partner=PartnerTaskScope(partner_id="org1", user_id="pu1", clients=PartnerScope(**clients))
    )


async def ids(store, **query) -> list[str]:
    return [t.id for t in await store.tasks.query(TaskQuery(**query))]


async def test_a_partner_lists_the_tasks_of_their_organisation_and_their_own_on_granted_clients(store):
    granted = client("Granted", partner_ids=["org1"])
    tagged = client("Tagged", tags=["north"])
    other = client("Not granted", partner_ids=["org2"])
    for c in (granted, tagged, other):
        await store.clients.create(c)
    to_org = task(granted.id, 1, partner_id="org1")
    to_user = task(tagged.id, 2, assignee_id="pu1")
    to_org_hidden_client = task(other.id, 3, partner_id="org1")
    to_other_org = task(granted.id, 4, partner_id="org2")
    staff_only = task(granted.id, 5, assignee_id="agent1")
    done = task(granted.id, 6, partner_id="org1", status=TaskStatus.done)
    for t in (to_org, to_user, to_org_hidden_client, to_other_org, staff_only, done):
        await store.tasks.create(t)

    scope = partner_scope(partner_id="org1", tags=("north",))
    assert await ids(store, scope=scope) == [done.id, to_user.id, to_org.id]
    assert await ids(store, scope=scope, statuses=(TaskStatus.open,)) == [to_user.id, to_org.id]
    assert await ids(store, scope=scope, client_id=tagged.id) == [to_user.id]
    # the client scope decides too: without the tag rule the tagged client's task is gone
    assert await ids(store, scope=partner_scope(partner_id="org1")) == [done.id, to_org.id]
    # an organisation granted nothing lists nothing, even its own tasks
    assert await ids(store, scope=partner_scope()) == []
    # combined with staff conditions: either part lets a task through
    both = TaskScope(assignee_id="agent1", partner=scope.partner)
    assert await ids(store, scope=both) == [done.id, staff_only.id, to_user.id, to_org.id]

    # re-assigned to another organisation, it leaves the list (the column follows the document)
    moved = await store.tasks.update(to_org.id, {"partner_id": "org2"})
    assert moved.partner_id == "org2"
    assert await ids(store, scope=scope) == [done.id, to_user.id]
    assert (await store.tasks.get(to_org.id)).partner_id == "org2"
