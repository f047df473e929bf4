"""A partner organisation sees: the clients granted to it (client grants, on `client.partner_ids`) and the clients
its rule grants match (a tag, a field's value, `fields["brought_by"]` == its id) — whole: card, every
conversation, the timeline without internal notes; and the conversations granted to it — that conversation, a
card of its client, and of the timeline only that conversation's entries. Always minus the organisation's
redacted fields. Replies to the customer only where a grant with `can_reply` covers the conversation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hub.access.actors import Actor, is_partner, partner_key
from hub.domain import Client, User
from hub.domain_partners import BROUGHT_BY_FIELD, Grant
from hub.store.port import PartnerScope

if TYPE_CHECKING:
    from hub.context import Hub


@dataclass(frozen=True, slots=True)
class PartnerView:
    """What one partner organisation is granted right now (loaded by `partner_view` once per request or pushed
    event, never cached). Client grants live on the client (`client.partner_ids`); the rest is here."""

    partner_id: str
    redacted: frozenset[str] = frozenset()
    grants: tuple[Grant, ...] = ()
    conversation_clients: Mapping[str, str] = field(
        default_factory=dict
    )  # granted conversation -> its client


async def partner_view(hub: Hub, user: User) -> PartnerView:
    """The user's organisation's grants as they are now (two reads, plus one per conversation grant)."""
    key = partner_key(user)
    partner = await hub.store.partners.get(user.partner_id) if user.partner_id else None
    grants = tuple(await hub.store.grants.of_partner(key)) if hub.store.grants is not None else ()
    conversation_clients: dict[str, str] = {}
    for grant in grants:
        if grant.conversation_id is not None:
            conversation = await hub.store.conversations.get(grant.conversation_id)
            if conversation is not None:
                conversation_clients[conversation.id] = conversation.client_id
    redacted = frozenset(partner.redacted_fields) if partner is not None else frozenset()
    return PartnerView(key, redacted, grants, conversation_clients)


async def partner_views(hub: Hub, users: Iterable[User]) -> dict[str, PartnerView]:
    """One view per organisation among `users` (the recipients of a push)."""
    views: dict[str, PartnerView] = {}
    for user in users:
        if is_partner(user) and partner_key(user) not in views:
            views[partner_key(user)] = await partner_view(hub, user)
    return views


def _rule_matches(grant: Grant, client: Client, partner_id: str) -> bool:
    rule = grant.rule
    if rule is None:
        return False
    if rule.tag is not None:
        return rule.tag in client.tags
    if rule.field is not None:
        value = client.fields.get(rule.field)
        return isinstance(value, str) and value == rule.value
    return rule.brought_by and client.fields.get(BROUGHT_BY_FIELD) == partner_id


def partner_sees_whole_client(actor: Actor, client: Client, view: PartnerView | None) -> bool:
    """A client grant, or a rule grant that matches the client (`view` None: client grants only)."""
    if not is_partner(actor):
        return False
    assert isinstance(actor, User)
    if partner_key(actor) in client.partner_ids:
        return True
    return view is not None and any(_rule_matches(g, client, view.partner_id) for g in view.grants)


def partner_sees_client(actor: Actor, client: Client, view: PartnerView) -> bool:
    """The card: shared whole, or one of its conversations granted."""
    return partner_sees_whole_client(actor, client, view) or client.id in view.conversation_clients.values()


def partner_client_scope(view: PartnerView) -> PartnerScope:
    """The clients an organisation sees whole, as the store's client search compiles it."""
    tags = tuple(g.rule.tag for g in view.grants if g.rule is not None and g.rule.tag is not None)
    fields = [
        (g.rule.field, g.rule.value or "")
        for g in view.grants
        if g.rule is not None and g.rule.field is not None
    ]
    if any(g.rule is not None and g.rule.brought_by for g in view.grants):
        fields.append((BROUGHT_BY_FIELD, view.partner_id))
    return PartnerScope(partner_id=view.partner_id, tags=tags, fields=tuple(fields))


def partner_search_scope(view: PartnerView) -> PartnerScope:
    """Every client card an organisation sees (whole, or through a granted conversation)."""
    whole = partner_client_scope(view)
    return PartnerScope(
        partner_id=whole.partner_id,
        client_ids=tuple(dict.fromkeys(view.conversation_clients.values())),
        tags=whole.tags,
        fields=whole.fields,
    )


def partner_hidden_fields(view: PartnerView) -> frozenset[str]:
    """What the organisation's users never receive of a client card (hub.representations.client_json)."""
    return view.redacted
