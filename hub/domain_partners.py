"""Domain types of the partner portal: partner organisations (dealers, branches, franchisees) and the grants that
share a part of the hub's data with them.

A partner user is a `User` with role `partner` and `partner_id` naming their organisation. A grant gives one
organisation one of: a client (and so its timeline and conversations), a conversation (that conversation and a
redacted card of its client, the timeline limited to that conversation), or a rule (every client with a tag, with a
field's value, or that the organisation brought in: `fields["brought_by"] == <organisation id>`). Client grants are
also kept on the client (`client.partner_ids`, organisation ids), so the store's indexed scoped queries find them.
Plain pydantic models like hub.domain; only `hub.actions.partners` writes them.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hub.domain import Model, new_id, utcnow

# the client field a "brought_by" rule reads: clients whose fields["brought_by"] is the organisation's id
BROUGHT_BY_FIELD = "brought_by"
# redactable names that are identities rather than fields
IDENTITY_REDACTIONS = frozenset({"phone", "email", "telegram", "webchat", "api"})


class Partner(Model):
    id: str = Field(default_factory=new_id)
    name: str
    # what the organisation's users never receive of a client card: identity kinds ("phone", "email") and field
    # names ("region", "inn", ...)
    redacted_fields: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)


class GrantRule(Model):
    """Exactly one of: `tag`; `field` with `value`; `brought_by` true."""

    tag: str | None = None
    field: str | None = None
    value: str | None = None
    brought_by: bool = False


class Grant(Model):
    id: str = Field(default_factory=new_id)
    partner_id: str
    client_id: str | None = None
    conversation_id: str | None = None
    rule: GrantRule | None = None
    can_reply: bool = False
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def key(self) -> str:
        """What makes a grant unique within its organisation (granting the same thing twice is one grant)."""
        if self.client_id is not None:
            return f"{self.partner_id}|client:{self.client_id}"
        if self.conversation_id is not None:
            return f"{self.partner_id}|conversation:{self.conversation_id}"
        rule = self.rule or GrantRule()
        if rule.tag is not None:
            return f"{self.partner_id}|tag:{rule.tag}"
        if rule.field is not None:
            return f"{self.partner_id}|field:{rule.field}={rule.value}"
        return f"{self.partner_id}|brought_by"
