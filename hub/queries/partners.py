"""Reading partner organisations and grants (admins and supervisors), and what a partner user's organisation is
granted (the portal, the redaction of the cards they receive)."""

from __future__ import annotations

from hub import access
from hub.access import Actor, PartnerView, require
from hub.context import Hub
from hub.domain import User
from hub.domain_partners import Grant, Partner
from hub.errors import NotFound


async def view(hub: Hub, actor: Actor) -> PartnerView | None:
    """The actor's organisation's grants now; None for anyone who is not a partner."""
    if not (isinstance(actor, User) and access.is_partner(actor)):
        return None
    return await access.partner_view(hub, actor)


async def hidden_fields(hub: Hub, actor: Actor) -> frozenset[str] | None:
    """What `hub.representations.client_json` leaves out of the cards this actor receives (None: nothing)."""
    found = await view(hub, actor)
    return None if found is None else access.partner_hidden_fields(found)


async def organisation(hub: Hub, actor: Actor) -> Partner | None:
    """A partner user's own organisation (the portal's header)."""
    if not (isinstance(actor, User) and access.is_partner(actor)) or actor.partner_id is None:
        return None
    return await hub.store.partners.get(actor.partner_id)


async def partners(hub: Hub, actor: Actor) -> list[Partner]:
    require(access.can_grant(actor), "only admins and supervisors read partner organisations")
    return await hub.store.partners.list()


async def partner(hub: Hub, actor: Actor, partner_id: str) -> Partner:
    require(access.can_grant(actor), "only admins and supervisors read partner organisations")
    found = await hub.store.partners.get(partner_id)
    if found is None:
        raise NotFound("no such partner")
    return found


async def grants(hub: Hub, actor: Actor, partner_id: str) -> list[Grant]:
    found = await partner(hub, actor, partner_id)
    return await hub.store.grants.of_partner(found.id)


async def members(hub: Hub, partner_id: str) -> list[User]:
    """System read (realtime): the active users of an organisation."""
    return [
        u
        for u in await hub.store.users.list()
        if access.is_partner(u) and access.partner_key(u) == partner_id
    ]
