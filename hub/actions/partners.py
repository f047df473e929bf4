"""Partner organisations and grants: create an organisation, share a client / a conversation / a rule with it,
revoke. Client grants are written twice — the grant record and the organisation's id on `client.partner_ids` (the
index every scoped client query uses) — in an order that never gives more than granted: the record first when
granting, `partner_ids` first when revoking (so a revoke takes effect with its first write)."""

from __future__ import annotations

import re
from typing import Any

from hub import access
from hub.access import Actor, require
from hub.context import Hub
from hub.domain import Client, Role
from hub.domain_partners import IDENTITY_REDACTIONS, Grant, GrantRule, Partner
from hub.errors import Invalid, NotFound
from hub.events import ClientUpdated, GrantChanged

FIELD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_REDACTED = 50


def _clean_redactions(names: list[str]) -> list[str]:
    clean = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if len(clean) > MAX_REDACTED:
        raise Invalid(f"at most {MAX_REDACTED} redacted fields")
    for name in clean:
        if name not in IDENTITY_REDACTIONS and not FIELD_NAME.match(name):
            raise Invalid(f"{name!r} is not a field name (letters, digits, _ and -)")
    return clean


async def create_partner(
    hub: Hub, actor: Actor, *, name: str, redacted_fields: list[str] | None = None
) -> Partner:
    require(access.can_manage_partners(actor), "only admins manage partner organisations")
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("a partner name has 1 to 200 characters")
    partner = Partner(
        name=name, redacted_fields=_clean_redactions(redacted_fields or []), created_at=hub.clock()
    )
    await hub.store.partners.create(partner)
    return partner


async def update_partner(
    hub: Hub,
    actor: Actor,
    partner_id: str,
    *,
    name: str | None = None,
    redacted_fields: list[str] | None = None,
) -> Partner:
    require(access.can_manage_partners(actor), "only admins manage partner organisations")
    changes: dict[str, Any] = {}
    if name is not None:
        if not name.strip() or len(name.strip()) > 200:
            raise Invalid("a partner name has 1 to 200 characters")
        changes["name"] = name.strip()
    if redacted_fields is not None:
        changes["redacted_fields"] = _clean_redactions(redacted_fields)
    partner = await hub.store.partners.update(partner_id, changes)
    if partner is None:
        raise NotFound("no such partner")
    if "redacted_fields" in changes:
        await hub.bus.publish(GrantChanged(partner.id, None, False, access.actor_id(actor)))
    return partner


async def _partner(hub: Hub, partner_id: str) -> Partner:
    partner = await hub.store.partners.get(partner_id)
    if partner is None:
        raise NotFound("no such partner")
    return partner


def _rule(rule: dict[str, Any]) -> GrantRule:
    kinds = [k for k in ("tag", "field", "brought_by") if rule.get(k) not in (None, False)]
    if len(kinds) != 1:
        raise Invalid('a rule is one of {"tag"}, {"field", "value"}, {"brought_by": true}')
    if kinds == ["tag"]:
        tag = str(rule["tag"]).strip()
        if not tag or len(tag) > 50:
            raise Invalid("a tag has 1 to 50 characters")
        return GrantRule(tag=tag)
    if kinds == ["field"]:
        name, value = str(rule["field"]), rule.get("value")
        if not FIELD_NAME.match(name):
            raise Invalid("a field name has 1 to 64 letters, digits, _ or -")
        if not isinstance(value, str) or not value or len(value) > 200:
            raise Invalid("a field rule needs a value (text, 1 to 200 characters)")
        return GrantRule(field=name, value=value)
    if rule.get("brought_by") is not True:
        raise Invalid("brought_by must be true")
    return GrantRule(brought_by=True)


async def grant(
    hub: Hub,
    actor: Actor,
    partner_id: str,
    *,
    client_id: str | None = None,
    conversation_id: str | None = None,
    rule: dict[str, Any] | None = None,
    can_reply: bool = False,
) -> tuple[Grant, bool]:
    """Give the organisation one client, one conversation or one rule; (the grant, created). Granting the same
    thing again returns the existing grant."""
    require(access.can_grant(actor), "only admins and supervisors share data with partners")
    if sum(x is not None for x in (client_id, conversation_id, rule)) != 1:
        raise Invalid("a grant names exactly one of client_id, conversation_id, rule")
    partner = await _partner(hub, partner_id)
    proposal = Grant(
        partner_id=partner.id, can_reply=can_reply, created_by=access.actor_id(actor), created_at=hub.clock()
    )
    if client_id is not None:
        client = await access.client_for(hub, actor, client_id)
        proposal.client_id = client.id
    elif conversation_id is not None:
        conversation, _client = await access.conversation_for(hub, actor, conversation_id)
        proposal.conversation_id = conversation.id
    else:
        proposal.rule = _rule(rule or {})
    stored, created = await hub.store.grants.add(proposal)
    if stored.client_id is not None:
        await _set_partner_on_client(hub, stored.client_id, partner.id, present=True)
    if created:
        await hub.bus.publish(GrantChanged(partner.id, stored, False, access.actor_id(actor)))
    return stored, created


async def revoke(hub: Hub, actor: Actor, partner_id: str, grant_id: str) -> Grant:
    """Take a grant back: from this write on, the organisation's users get 404 and no more pushes."""
    require(access.can_grant(actor), "only admins and supervisors share data with partners")
    found = await hub.store.grants.get(grant_id)
    if found is None or found.partner_id != partner_id:
        raise NotFound("no such grant")
    if found.client_id is not None:
        await _set_partner_on_client(hub, found.client_id, partner_id, present=False)
    removed = await hub.store.grants.delete(grant_id)
    if removed is None:
        raise NotFound("no such grant")
    await hub.bus.publish(GrantChanged(partner_id, removed, True, access.actor_id(actor)))
    return removed


async def grants_of(hub: Hub, actor: Actor, partner_id: str) -> list[Grant]:
    require(access.can_grant(actor), "only admins and supervisors read partner grants")
    partner = await _partner(hub, partner_id)
    return await hub.store.grants.of_partner(partner.id)


async def _set_partner_on_client(hub: Hub, client_id: str, key: str, *, present: bool) -> Client | None:
    """One atomic store update (never read-modify-write: two grants at once both land); announced when it changed
    something."""
    updated = await hub.store.clients.set_partner(client_id, key, present, at=hub.clock())
    if updated is not None:
        await hub.bus.publish(ClientUpdated(updated, ("partner_ids",)))
    return updated


# --- the PATCH /api/v1/clients/{id} {"partner_ids"} shortcut -------------------------------------------------------


async def partner_keys(hub: Hub, ids: list[str]) -> list[str]:
    """The `partner_ids` a list of organisation ids or partner user ids stands for (a partner user names their
    organisation; one without an organisation is their own). Invalid for anything else."""
    keys: list[str] = []
    for partner_id in ids:
        if await hub.store.partners.get(partner_id) is not None:
            keys.append(partner_id)
            continue
        user = await hub.store.users.get(partner_id)
        if user is None or user.role is not Role.partner:
            raise Invalid(f"{partner_id} is not a partner")
        keys.append(access.partner_key(user))
    return sorted(set(keys))


async def record_client_grants(
    hub: Hub, actor: Actor, client_id: str, before: list[str], after: list[str]
) -> None:
    """After `partner_ids` changed through the shortcut: the organisations' client grant records follow."""
    for key in sorted(set(after) - set(before)):
        if await hub.store.partners.get(key) is None:
            continue  # an organisation of one (a partner user without one) has no grant records
        stored, created = await hub.store.grants.add(
            Grant(
                partner_id=key, client_id=client_id, created_by=access.actor_id(actor), created_at=hub.clock()
            )
        )
        if created:
            await hub.bus.publish(GrantChanged(key, stored, False, access.actor_id(actor)))
    for key in sorted(set(before) - set(after)):
        for existing in await hub.store.grants.of_client(client_id):
            if existing.partner_id == key and await hub.store.grants.delete(existing.id) is not None:
                await hub.bus.publish(GrantChanged(key, existing, True, access.actor_id(actor)))
