"""Store contract: the inbox filters of ConversationQuery (channels, statuses, priorities, client tag, SLA state at a
given time, created and last-message ranges) narrow the list and its count alike, on both adapters, and never widen
a scope."""

from __future__ import annotations

from store_factories import at, client, conversation

from hub.domain import ConversationStatus, Priority
from hub.domain_sla import SlaClock, SlaTarget
from hub.domain_views import SlaState
from hub.store.port import ConversationQuery, Scope

NOW = at(10_000)


def clock(cid: str, **kw) -> SlaClock:
    return SlaClock(id=cid, started_at=at(0), resolution_started_at=at(0), updated_at=at(0), **kw)


async def seed(store) -> dict[str, str]:
    """name -> conversation id. Two clients (one tagged vip), five conversations."""
    vip = client("Vip", tags=["vip", "b2b"])
    plain = client("Plain", tags=["b2b"])
    for c in (vip, plain):
        await store.clients.create(c)
    rows = {
        "tg-high": conversation(
            vip.id,
            "telegram",
            priority=Priority.high,
            department_id="sales",
            created_at=at(0),
            last_message_at=at(100),
        ),
        "tg-low": conversation(
            plain.id, "telegram", priority=Priority.low, created_at=at(10), last_message_at=at(5_000)
        ),
        "mail-urgent": conversation(
            vip.id,
            "email",
            priority=Priority.urgent,
            status=ConversationStatus.pending,
            created_at=at(20),
            last_message_at=at(200),
        ),
        "chat-resolved": conversation(
            plain.id,
            "webchat",
            status=ConversationStatus.resolved,
            department_id="support",
            created_at=at(3_000),
            last_message_at=at(3_000),
        ),
        "phone-new": conversation(plain.id, "phone", created_at=at(9_000)),
    }
    out = {}
    for name, conv in rows.items():
        stored, _ = await store.conversations.get_or_create(conv)
        out[name] = stored.id
    ids = out
    # SLA clocks judged at NOW: breached by due time, breached by notice, warning (due in 5 min, 10 min lead), ok
    await store.sla.create(clock(ids["tg-high"], policy="P", first_response_due_at=at(9_000)))
    await store.sla.create(clock(ids["tg-low"], policy="P", breached=[SlaTarget.first_response]))
    await store.sla.create(
        clock(ids["mail-urgent"], policy="P", warning_minutes=10, resolution_due_at=at(10_300))
    )
    await store.sla.create(
        clock(ids["chat-resolved"], policy="P", warning_minutes=10, resolution_due_at=at(20_000))
    )
    await store.sla.create(
        clock(ids["phone-new"], policy=None, first_response_due_at=at(1))
    )  # no policy: none
    return out


async def names(store, ids, **query) -> list[str]:
    back = {v: k for k, v in ids.items()}
    found = await store.conversations.query(ConversationQuery(now=NOW, limit=50, **query))
    count = await store.conversations.count(ConversationQuery(now=NOW, limit=1, **query))
    assert count == len(found)
    return sorted(back[c.id] for c in found)


async def test_list_filters_match_any_of_their_values(store):
    ids = await seed(store)
    assert await names(store, ids, channels=("telegram",)) == ["tg-high", "tg-low"]
    assert await names(store, ids, channels=("telegram", "email")) == ["mail-urgent", "tg-high", "tg-low"]
    assert await names(store, ids, priorities=(Priority.high, Priority.urgent)) == ["mail-urgent", "tg-high"]
    assert await names(store, ids, statuses=(ConversationStatus.open,)) == ["phone-new", "tg-high", "tg-low"]
    assert await names(store, ids, statuses=(ConversationStatus.pending, ConversationStatus.resolved)) == [
        "chat-resolved",
        "mail-urgent",
    ]
    assert await names(store, ids, channels=("sms",)) == []


async def test_the_client_tag_filter(store):
    ids = await seed(store)
    assert await names(store, ids, client_tag="vip") == ["mail-urgent", "tg-high"]
    assert len(await names(store, ids, client_tag="b2b")) == 5
    assert await names(store, ids, client_tag="nobody") == []


async def test_sla_states_are_judged_at_the_given_time(store):
    ids = await seed(store)
    assert await names(store, ids, sla_states=(SlaState.breached,)) == ["tg-high", "tg-low"]
    assert await names(store, ids, sla_states=(SlaState.warning,)) == ["mail-urgent"]
    assert await names(store, ids, sla_states=(SlaState.ok,)) == ["chat-resolved"]
    assert await names(store, ids, sla_states=(SlaState.ok, SlaState.warning)) == [
        "chat-resolved",
        "mail-urgent",
    ]
    # earlier, the first-response target was not due yet and the warning lead had not begun
    early = ConversationQuery(now=at(8_000), sla_states=(SlaState.ok,))
    back = {v: k for k, v in ids.items()}
    assert sorted(back[c.id] for c in await store.conversations.query(early)) == [
        "chat-resolved",
        "mail-urgent",
        "tg-high",
    ]


async def test_date_ranges_include_from_and_exclude_to(store):
    ids = await seed(store)
    assert await names(store, ids, created_from=at(10), created_to=at(3_000)) == ["mail-urgent", "tg-low"]
    assert await names(store, ids, created_from=at(3_000)) == ["chat-resolved", "phone-new"]
    # a conversation without a message never falls in a last-message range
    assert await names(store, ids, last_message_from=at(150)) == ["chat-resolved", "mail-urgent", "tg-low"]
    assert await names(store, ids, last_message_to=at(200)) == ["tg-high"]


async def test_filters_combine_and_only_narrow_a_scope(store):
    ids = await seed(store)
    assert await names(
        store, ids, channels=("telegram",), client_tag="vip", sla_states=(SlaState.breached,)
    ) == ["tg-high"]
    support_agent = Scope(department_ids=("support",), user_id="u1", unrouted=True)
    assert await names(store, ids, scope=support_agent) == [
        "chat-resolved",
        "mail-urgent",
        "phone-new",
        "tg-low",
    ]
    assert await names(store, ids, scope=support_agent, client_tag="vip") == ["mail-urgent"]
    assert await names(store, ids, scope=support_agent, department_id="sales") == []
    assert await names(store, ids, scope=Scope(), channels=("telegram",)) == []
