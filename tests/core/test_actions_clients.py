"""Action tests for hub.actions.clients: editing a client card, merging two clients."""

from __future__ import annotations

import pytest
from core_helpers import email, make_user, phone, receive

from hub.actions.clients import dismiss_merge, merge_clients, update_client
from hub.domain import ClientKind, Role
from hub.errors import Forbidden, Invalid, NotFound
from hub.events import ClientsMerged, ClientUpdated


async def test_update_client_publishes_what_changed(hub):
    agent = await make_user(hub)
    client_id = (await receive(hub, email("a@example.com"), channel="email")).entry.client_id
    hub.recorded.clear()

    updated = await update_client(
        hub,
        agent,
        client_id,
        name="  ООО Ромашка ",
        kind=ClientKind.company,
        fields={"city": "Moscow", "inn": "7701234567"},
        tags=["vip", " vip ", "", "wholesale"],
    )

    assert updated.name == "ООО Ромашка"
    assert updated.kind is ClientKind.company
    assert updated.fields == {"city": "Moscow", "inn": "7701234567"}
    assert updated.tags == ["vip", "wholesale"]
    assert await hub.store.clients.get(client_id) == updated
    assert [c.id for c in await hub.store.clients.search("ромашка")] == [client_id]
    assert hub.recorded.events == [ClientUpdated(updated, ("name", "kind", "fields", "tags"))]

    # a None field value removes the field; the same values again change nothing
    hub.recorded.clear()
    again = await update_client(hub, agent, client_id, fields={"inn": None}, tags=["vip", "wholesale"])
    assert again.fields == {"city": "Moscow"}
    assert hub.recorded.events == [ClientUpdated(again, ("fields",))]
    hub.recorded.clear()
    assert await update_client(hub, agent, client_id, name="ООО Ромашка", fields={"city": "Moscow"}) == again
    assert hub.recorded.events == []


async def test_sharing_only_with_partners(hub):
    admin = await make_user(hub, Role.admin)
    agent = await make_user(hub)
    partner = await make_user(hub, Role.partner)
    client_id = (await receive(hub, email("a@example.com"), channel="email")).entry.client_id
    before = await hub.store.clients.get(client_id)
    hub.recorded.clear()

    with pytest.raises(Invalid):
        await update_client(hub, admin, client_id, name="X", partner_ids=[partner.id, agent.id])
    assert await hub.store.clients.get(client_id) == before
    assert hub.recorded.events == []

    shared = await update_client(hub, admin, client_id, partner_ids=[partner.id, partner.id])
    assert shared.partner_ids == [partner.id]
    assert [c.id for c in await hub.store.clients.search("", partner_id=partner.id)] == [client_id]
    assert hub.recorded.events == [ClientUpdated(shared, ("partner_ids",))]


async def two_clients_one_person(hub):
    """A writes by email (thread e1), B by Telegram and by email on the same thread key; a message carrying A's
    email and B's phone makes a merge suggestion."""
    agent = await make_user(hub)
    a = (
        await receive(hub, email("a@example.com"), channel="email", thread_key="e1", text="a1")
    ).entry.client_id
    b_tg = await receive(
        hub, phone("+79161234567"), channel="telegram", thread_key="t1", text="b1", display_name="Boris"
    )
    b = b_tg.entry.client_id
    b_mail = await receive(hub, phone("+79161234567"), channel="email", thread_key="e1", text="b2")
    await receive(
        hub, email("a@example.com"), phone("+79161234567"), channel="email", thread_key="e1", text="a2"
    )
    await update_client(hub, agent, a, fields={"city": "Moscow"}, tags=["vip"])
    await update_client(hub, agent, b, fields={"city": "Kazan", "source": "ads"}, tags=["new", "vip"])
    [suggestion] = await hub.store.merges.list()
    hub.recorded.clear()
    return agent, a, b, b_tg.entry.conversation_id, b_mail.entry.conversation_id, suggestion


async def test_merge_moves_everything_to_the_kept_client(hub):
    agent, a, b, b_tg_conv, b_mail_conv, suggestion = await two_clients_one_person(hub)
    a_conv = (await hub.store.timeline.page(a))[0].conversation_id
    texts_before = {e.text for e in await hub.store.timeline.page(a)} | {
        e.text for e in await hub.store.timeline.page(b)
    }

    kept = await merge_clients(hub, agent, a, b)

    assert await hub.store.clients.get(b) is None
    assert await hub.store.clients.get(a) == kept
    assert kept.name == "Boris"  # A had no name
    assert kept.identities == [email("a@example.com"), phone("+79161234567")]
    assert kept.fields == {"city": "Moscow", "source": "ads"}  # the kept client's values win
    assert kept.tags == ["vip", "new"]
    assert await hub.store.identities.owners([email("a@example.com"), phone("+79161234567")]) == {
        email("a@example.com"): a,
        phone("+79161234567"): a,
    }
    assert [c.id for c in await hub.store.clients.search("79161234567")] == [a]

    timeline = await hub.store.timeline.page(a)
    assert {e.text for e in timeline} == texts_before == {"a1", "a2", "b1", "b2"}
    assert all(e.client_id == a for e in timeline)
    assert await hub.store.timeline.page(b) == []

    # both email conversations on thread "e1" survive, each with its own entries
    tg_conv = await hub.store.conversations.get(b_tg_conv)
    collided = await hub.store.conversations.get(b_mail_conv)
    assert (tg_conv.client_id, tg_conv.thread_key) == (a, "t1")
    assert (collided.client_id, collided.thread_key) == (a, f"e1#merged:{b_mail_conv}")
    assert (await hub.store.conversations.get(a_conv)).thread_key == "e1"
    assert [e.text for e in await hub.store.timeline.conversation_page(b_mail_conv)] == ["b2"]
    assert [e.text for e in await hub.store.timeline.conversation_page(a_conv)] == ["a2", "a1"]

    assert await hub.store.merges.list() == []
    assert (await hub.store.merges.get(suggestion.id)).status == "merged"
    assert hub.recorded.events == [ClientsMerged(kept, b)]

    # the person writing again on either identity reaches the kept client and the kept thread
    hub.recorded.clear()
    after = await receive(hub, phone("+79161234567"), channel="email", thread_key="e1", text="b3")
    assert (after.entry.client_id, after.entry.conversation_id) == (a, a_conv)
    assert hub.recorded.of(ClientsMerged) == []


async def test_refused_merges_change_nothing(hub):
    agent, a, b, *_ = await two_clients_one_person(hub)
    partner = await make_user(hub, Role.partner)
    hub.recorded.clear()
    before = (await hub.store.clients.get(a), await hub.store.clients.get(b), await hub.store.merges.list())

    with pytest.raises(Invalid):
        await merge_clients(hub, agent, a, a)
    with pytest.raises(NotFound):
        await merge_clients(hub, agent, a, "000000000000000000000000")
    with pytest.raises(Forbidden):
        await merge_clients(hub, partner, a, b)

    assert (
        await hub.store.clients.get(a),
        await hub.store.clients.get(b),
        await hub.store.merges.list(),
    ) == before
    assert hub.recorded.events == []


async def test_dismissed_suggestion_is_not_made_again(hub):
    agent, a, b, _, _, suggestion = await two_clients_one_person(hub)

    await dismiss_merge(hub, agent, suggestion.id)

    assert (await hub.store.merges.get(suggestion.id)).status == "dismissed"
    assert await hub.store.merges.list() == []
    await receive(hub, email("a@example.com"), phone("+79161234567"), channel="email", thread_key="e1")
    assert await hub.store.merges.list(status=None) == [(await hub.store.merges.get(suggestion.id))]
    with pytest.raises(NotFound):
        await dismiss_merge(hub, agent, "000000000000000000000000")
