"""The one access policy: who may see and do what. Every action, query, REST route, socket emit, search, file
download and notification asks here, and nowhere else.

Three kinds of answers, all from the same rules:
- predicates on loaded records (`can_view_conversation`, `can_view_entry`, ...), used by the doors below and by
  the realtime layer when it picks the recipients of an event;
- scopes (`conversation_scope`, `client_search_scope`, `entry_scope`) that the store compiles into its queries,
  so lists, searches and counts are built from the policy instead of being filtered afterwards;
- doors (`client_for`, `conversation_for`, `entry_for`, `attachment_for`): the only way a reader gets one record.
  A record the actor may not see raises the same `NotFound` as one that does not exist, so nobody learns that a
  hidden record exists (Zulip's `access_stream_by_id`).

Actors are users, or `SYSTEM` (connectors, bots, the CLI, automations), which may see everything.
Client visibility for agents is `HUB_CLIENT_VISIBILITY`: `all` (every staff member sees every client card) or
`department` (an agent sees a client only through a conversation of their departments, an unrouted one, or one
assigned to them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from hub.domain import Client, Conversation, Direction, EntryKind, Role, TimelineEntry, User
from hub.domain_canned import CannedResponse
from hub.domain_partners import BROUGHT_BY_FIELD, Grant
from hub.domain_tasks import Task, TaskStatus
from hub.domain_views import SavedView, ViewSharing
from hub.errors import Forbidden, NotFound
from hub.store.port import (
    CannedQuery,
    ConversationQuery,
    EntryScope,
    PartnerScope,
    PartnerTaskScope,
    Scope,
    SearchScope,
    TaskQuery,
    TaskScope,
    ViewQuery,
)

if TYPE_CHECKING:
    from hub.context import Hub

STAFF_ROLES = frozenset({Role.admin, Role.supervisor, Role.agent})
SEES_EVERYTHING = frozenset({Role.admin, Role.supervisor})


@dataclass(frozen=True, slots=True)
class SystemActor:
    """The hub itself: connectors, bots, automations, the CLI. Sees and does everything."""

    name: str = "system"


SYSTEM = SystemActor()
Actor = User | SystemActor


def is_system(actor: Actor) -> bool:
    return isinstance(actor, SystemActor)


def as_actor(actor: Actor | None) -> Actor:
    """Actions take `None` for the system (bots, connectors, automations)."""
    return SYSTEM if actor is None else actor


def actor_id(actor: Actor) -> str | None:
    return actor.id if isinstance(actor, User) else None


# --- roles --------------------------------------------------------------------------------------------------------


def is_staff(actor: Actor) -> bool:
    return isinstance(actor, User) and actor.active and actor.role in STAFF_ROLES


def sees_everything(actor: Actor) -> bool:
    return is_system(actor) or (isinstance(actor, User) and actor.active and actor.role in SEES_EVERYTHING)


def is_partner(actor: Actor) -> bool:
    return isinstance(actor, User) and actor.active and actor.role is Role.partner


def partner_key(user: User) -> str:
    """What a client's `partner_ids` name to share it with this partner user: their organisation's id (a partner
    user without an organisation is an organisation of one, keyed by their own id)."""
    return user.partner_id or user.id


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


def can_manage_partners(actor: Actor) -> bool:
    """Create organisations and their users: admins."""
    return can_manage_staff(actor)


def can_grant(actor: Actor) -> bool:
    """Grant and revoke partner access, read an organisation's grants: admins and supervisors."""
    return can_share_client(actor)


def can_manage_staff(actor: Actor) -> bool:
    return is_system(actor) or (isinstance(actor, User) and actor.active and actor.role is Role.admin)


def can_view_channel_health(actor: Actor) -> bool:
    """Mailboxes' and other channels' health (connection, sync, errors): admins and the system."""
    return can_manage_staff(actor)


def can_view_admin_pages(actor: Actor) -> bool:
    """The admin area (/admin): admins change things there; supervisors read it (what each section's API lets
    them read); nobody else sees the page."""
    return isinstance(actor, User) and sees_everything(actor)


def can_view_bot_flows(actor: Actor) -> bool:
    """The loaded bot flows (names, channels, languages, hand-off departments): admins and supervisors."""
    return sees_everything(actor)


def can_list_staff(actor: Actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_push_inbound(actor: Actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_share_client(actor: Actor) -> bool:
    return sees_everything(actor)


def can_merge_clients(actor: Actor) -> bool:
    return sees_everything(actor) or is_staff(actor)


def can_view_merge_suggestions(hub: Hub, actor: Actor) -> bool:
    """Merge suggestions name two clients: with department visibility only those who see every client get them."""
    if hub.settings.client_visibility == "department":
        return sees_everything(actor)
    return is_staff(actor) or is_system(actor)


def require(allowed: bool, message: str = "not allowed") -> None:
    if not allowed:
        raise Forbidden(message)


# --- conversations ------------------------------------------------------------------------------------------------


def conversation_scope(actor: Actor) -> Scope | None:
    """The conversations an actor may list, as the store compiles it: None means all of them."""
    if sees_everything(actor):
        return None
    if is_staff(actor):
        assert isinstance(actor, User)
        return Scope(department_ids=tuple(actor.department_ids), user_id=actor.id, unrouted=True)
    return Scope()  # partners (and inactive users) list no conversation through this scope


def partner_conversation_scope(client_ids: Iterable[str], conversation_ids: Iterable[str] = ()) -> Scope:
    """A partner's conversations: those of the clients shared with them whole, and the conversations granted."""
    return Scope(client_ids=tuple(client_ids), conversation_ids=tuple(conversation_ids))


def can_view_conversation(
    actor: Actor, conversation: Conversation, client: Client | None = None, view: PartnerView | None = None
) -> bool:
    """`client` is needed for partners only (they see the conversations of the clients shared with them), and
    `view` (their organisation's grants) for rule and conversation grants; without it only client grants count."""
    if sees_everything(actor):
        return True
    if is_staff(actor):
        assert isinstance(actor, User)
        return (
            conversation.department_id is None
            or conversation.department_id in actor.department_ids
            or conversation.assignee_id == actor.id
        )
    if is_partner(actor):
        assert isinstance(actor, User)
        if client is None or client.id != conversation.client_id:
            return False
        if view is not None and view.conversation_clients.get(conversation.id) == client.id:
            return True
        return partner_sees_whole_client(actor, client, view)
    return False


def can_work_conversation(actor: Actor, conversation: Conversation) -> bool:
    """Reply, write notes, assign, route, change status."""
    return is_system(actor) or (is_staff(actor) and can_view_conversation(actor, conversation))


# --- clients ------------------------------------------------------------------------------------------------------


def _client_needs_conversations(hub: Hub, actor: Actor) -> bool:
    return hub.settings.client_visibility == "department" and is_staff(actor) and not sees_everything(actor)


def client_search_scope(hub: Hub, actor: Actor) -> Scope | None:
    """With department visibility, the conversations through which an agent sees clients (None: no limit)."""
    return conversation_scope(actor) if _client_needs_conversations(hub, actor) else None


async def client_list_scope(hub: Hub, actor: Actor) -> Scope | None:
    """What the client search compiles (None: no limit): `client_search_scope`, plus, with department visibility,
    the clients of the tasks assigned to the agent or to their departments (those show them the client, as
    `can_view_client` says), so the search lists every card the door opens."""
    scope = client_search_scope(hub, actor)
    if scope is None or not is_staff(actor) or getattr(hub.store, "tasks", None) is None:
        return scope
    assert isinstance(actor, User)
    mine = TaskScope(assignee_id=actor.id, department_ids=tuple(actor.department_ids))
    tasks = await hub.store.tasks.query(TaskQuery(scope=mine, limit=500))
    ids = tuple(dict.fromkeys(t.client_id for t in tasks))
    return replace(scope, client_ids=scope.client_ids + ids) if ids else scope


def can_view_client_card(hub: Hub, actor: Actor, client: Client) -> bool | None:
    """True/False when the record alone decides; None when the actor's conversations with the client decide."""
    if sees_everything(actor):
        return True
    if is_partner(actor):
        assert isinstance(actor, User)
        # a client grant decides alone; else the organisation's rules and conversation grants (`partner_view`)
        return True if partner_key(actor) in client.partner_ids else None
    if not is_staff(actor):
        return False
    return None if _client_needs_conversations(hub, actor) else True


async def can_view_client(hub: Hub, actor: Actor, client: Client, view: PartnerView | None = None) -> bool:
    decided = can_view_client_card(hub, actor, client)
    if decided is not None:
        return decided
    if is_partner(actor):
        assert isinstance(actor, User)
        return partner_sees_client(actor, client, view or await partner_view(hub, actor))
    scope = conversation_scope(actor)
    found = await hub.store.conversations.query(ConversationQuery(client_id=client.id, scope=scope, limit=1))
    return bool(found) or await sees_client_through_tasks(hub, actor, client)


def can_edit_client(actor: Actor, client: Client) -> bool:
    return is_system(actor) or is_staff(actor)


# --- timeline entries ---------------------------------------------------------------------------------------------


def is_internal_note(entry: TimelineEntry) -> bool:
    return entry.kind is EntryKind.note and not entry.meta.get("shared_with_partners")


def can_view_entry(
    actor: Actor,
    entry: TimelineEntry,
    client: Client,
    conversation: Conversation | None,
    view: PartnerView | None = None,
) -> bool:
    """An entry of a conversation is seen by who sees the conversation; a client-level entry by who sees the
    client (the caller has checked the client). Partners never see internal notes, and see client-level entries
    only of a client shared whole (not through a conversation grant alone)."""
    if entry.client_id != client.id:
        return False
    if is_partner(actor) and is_internal_note(entry):
        return False
    if entry.conversation_id is None:
        return not is_partner(actor) or partner_sees_whole_client(actor, client, view)
    return conversation is not None and can_view_conversation(actor, conversation, client, view)


async def entry_scope(hub: Hub, actor: Actor, client: Client) -> EntryScope | None:
    """The part of a (visible) client's timeline the actor may read, as the store compiles it."""
    if sees_everything(actor):
        return None
    if is_partner(actor):
        assert isinstance(actor, User)
        view = await partner_view(hub, actor)
        if partner_sees_whole_client(actor, client, view):
            return EntryScope(shared_only=True)
        granted = tuple(c for c, owner in view.conversation_clients.items() if owner == client.id)
        return EntryScope(conversation_ids=granted, unthreaded=False, shared_only=True)
    if not is_staff(actor):
        return EntryScope(conversation_ids=(), unthreaded=False)
    conversations = await hub.store.conversations.query(
        ConversationQuery(client_id=client.id, scope=conversation_scope(actor), limit=500)
    )
    return EntryScope(conversation_ids=tuple(c.id for c in conversations), unthreaded=True)


async def search_scope(hub: Hub, actor: Actor) -> SearchScope | None:
    """The entries of all timelines an actor may find by full-text search, as the store compiles it (None: all):
    the same rules as `entry_for`. Staff: entries of the conversations they see, client-level notes of the clients
    they see (with department visibility: through a conversation they see); partners: every entry but internal
    notes of a client shared whole, and those of the conversations granted."""
    if sees_everything(actor):
        return None
    if is_partner(actor):
        assert isinstance(actor, User)
        view = await partner_view(hub, actor)
        return SearchScope(
            conversations=Scope(conversation_ids=tuple(view.conversation_clients)),
            unthreaded=False,
            clients=partner_client_scope(view),
            shared_only=True,
        )
    if not is_staff(actor):
        return SearchScope(conversations=Scope(), unthreaded=False)
    scope = conversation_scope(actor)
    return SearchScope(conversations=scope, unthreaded_via=client_search_scope(hub, actor))


def visible_to_customer(entry: TimelineEntry) -> bool:
    """Whether a customer-facing channel may ever show this entry (never notes or internal system entries)."""
    return entry.kind is not EntryKind.note and entry.direction is not Direction.internal


# --- doors --------------------------------------------------------------------------------------------------------


def _not_found(what: str) -> NotFound:
    return NotFound(f"no such {what}")


async def client_for(hub: Hub, actor: Actor, client_id: str) -> Client:
    client = await hub.store.clients.get(client_id)
    if client is None or not await can_view_client(hub, actor, client):
        raise _not_found("client")
    return client


async def conversation_for(
    hub: Hub, actor: Actor, conversation_id: str
) -> tuple[Conversation, Client | None]:
    """The conversation (and, for partners, its client); NotFound when missing or hidden."""
    conversation = await hub.store.conversations.get(conversation_id)
    if conversation is None:
        raise _not_found("conversation")
    client = None
    view = None
    if is_partner(actor):
        assert isinstance(actor, User)
        client = await hub.store.clients.get(conversation.client_id)
        view = await partner_view(hub, actor)
    if not can_view_conversation(actor, conversation, client, view):
        raise _not_found("conversation")
    return conversation, client


async def entry_for(hub: Hub, actor: Actor, entry_id: str) -> tuple[TimelineEntry, Conversation | None]:
    entry = await hub.store.timeline.get(entry_id)
    if entry is None:
        raise _not_found("entry")
    conversation = None
    if entry.conversation_id is not None:
        conversation = await hub.store.conversations.get(entry.conversation_id)
    if sees_everything(actor):
        return entry, conversation
    view = await partner_view(hub, actor) if isinstance(actor, User) and is_partner(actor) else None
    client = await hub.store.clients.get(entry.client_id)
    if client is None or not await can_view_client(hub, actor, client, view):
        raise _not_found("entry")
    if not can_view_entry(actor, entry, client, conversation, view):
        raise _not_found("entry")
    return entry, conversation


async def attachment_for(hub: Hub, actor: Actor, entry_id: str, key: str) -> Path:
    """A file is served only as an attachment of an entry the actor may see."""
    entry, _conversation = await entry_for(hub, actor, entry_id)
    files = hub.files
    if files is None or not any(files.key_of(a.url) == key for a in entry.attachments if a.url):
        raise _not_found("file")
    path = files.path(key)
    if path is None:
        raise _not_found("file")
    return path


# --- recipients of pushes -----------------------------------------------------------------------------------------


def conversation_viewers(
    users: Iterable[User], conversation: Conversation, client: Client | None
) -> list[User]:
    """Who, of `users`, may see this conversation now: the recipients of its events."""
    return [u for u in users if can_view_conversation(u, conversation, client)]


async def client_viewers(hub: Hub, users: Iterable[User], client: Client) -> list[User]:
    """Who, of `users`, may see this client card now (one query for all of them when agents need their
    conversations with the client to decide)."""
    seen: list[User] = []
    undecided: list[User] = []
    for user in users:
        decided = can_view_client_card(hub, user, client)
        if decided is None and is_partner(user):
            if await can_view_client(hub, user, client):
                seen.append(user)
        elif decided is None:
            undecided.append(user)
        elif decided:
            seen.append(user)
    if undecided:
        conversations = await hub.store.conversations.query(ConversationQuery(client_id=client.id, limit=200))
        through = [u for u in undecided if any(can_view_conversation(u, c, client) for c in conversations)]
        seen += through
        rest = [u for u in undecided if u not in through]
        if rest and getattr(hub.store, "tasks", None) is not None:
            # department visibility: a task assigned to them or their department shows them the client too
            tasks = await hub.store.tasks.query(TaskQuery(client_id=client.id, limit=500))
            seen += [
                u
                for u in rest
                if any(
                    t.assignee_id == u.id
                    or (t.department_id is not None and t.department_id in u.department_ids)
                    for t in tasks
                )
            ]
    return seen


async def entry_viewers(
    hub: Hub,
    users: Iterable[User],
    entry: TimelineEntry,
    client: Client | None,
    conversation: Conversation | None,
) -> list[User]:
    """Who, of `users`, may see this entry now (by the same rules as `entry_for`)."""
    if client is None:
        return [u for u in users if sees_everything(u)]
    users = list(users)
    partners = [u for u in users if is_partner(u)]
    if partners:
        others = await entry_viewers(
            hub, [u for u in users if not is_partner(u)], entry, client, conversation
        )
        return others + await partner_entry_viewers(hub, partners, entry, client, conversation)
    if conversation is not None:
        viewers = conversation_viewers(users, conversation, client)
    else:
        viewers = await client_viewers(hub, users, client)
    return [u for u in viewers if can_view_entry(u, entry, client, conversation)]


# --- partners -----------------------------------------------------------------------------------------------------
# A partner organisation sees: the clients granted to it (client grants, on `client.partner_ids`) and the clients
# its rule grants match (a tag, a field's value, `fields["brought_by"]` == its id) — whole: card, every
# conversation, the timeline without internal notes; and the conversations granted to it — that conversation, a
# card of its client, and of the timeline only that conversation's entries. Always minus the organisation's
# redacted fields. Replies to the customer only where a grant with `can_reply` covers the conversation.


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


async def partner_entry_viewers(
    hub: Hub,
    users: Iterable[User],
    entry: TimelineEntry,
    client: Client,
    conversation: Conversation | None,
) -> list[User]:
    """Which partner users, of `users`, may see this entry now (one view per organisation)."""
    partners = [u for u in users if is_partner(u)]
    views = await partner_views(hub, partners)
    return [
        u
        for u in partners
        if partner_sees_client(u, client, views[partner_key(u)])
        and can_view_entry(u, entry, client, conversation, views[partner_key(u)])
    ]


def grant_lets_reply(actor: Actor, view: PartnerView, conversation: Conversation, client: Client) -> bool:
    """A grant with `can_reply` that covers this conversation (its client granted, matched by a rule, or the
    conversation itself)."""
    if not can_view_conversation(actor, conversation, client, view):
        return False
    for grant in view.grants:
        if not grant.can_reply:
            continue
        if grant.conversation_id == conversation.id:
            return True
        if grant.client_id == client.id and view.partner_id in client.partner_ids:
            return True
        if _rule_matches(grant, client, view.partner_id):
            return True
    return False


async def can_reply(hub: Hub, actor: Actor, conversation: Conversation) -> bool:
    """Reply to the customer: staff who may work the conversation; partners where a grant allows it."""
    return (await replies_allowed(hub, actor, [conversation]))[conversation.id]


async def replies_allowed(hub: Hub, actor: Actor, conversations: Sequence[Conversation]) -> dict[str, bool]:
    """`can_reply` of each conversation, by id (a partner's view and each client read once for the list)."""
    if not is_partner(actor):
        return {c.id: can_work_conversation(actor, c) for c in conversations}
    assert isinstance(actor, User)
    if not conversations:
        return {}
    view = await partner_view(hub, actor)
    clients: dict[str, Client | None] = {}
    for c in conversations:
        if c.client_id not in clients:
            clients[c.client_id] = await hub.store.clients.get(c.client_id)
    allowed = {}
    for c in conversations:
        client = clients[c.client_id]
        allowed[c.id] = client is not None and grant_lets_reply(actor, view, c, client)
    return allowed


def can_move_entries(actor: Actor, source: Conversation, target: Conversation) -> bool:
    """Move entries between two conversations of one client (or split one): staff who may work both."""
    return (
        is_staff(actor)
        and source.client_id == target.client_id
        and can_work_conversation(actor, source)
        and can_work_conversation(actor, target)
    )


def can_start_conversation(actor: Actor) -> bool:
    """Write to a client first (a new email from the client card): staff, through the client's door."""
    return is_staff(actor)


def can_write_note(actor: Actor, conversation: Conversation) -> bool:
    """Notes in a conversation: staff who may work it, and partners who passed its door (theirs are always
    shared)."""
    return can_work_conversation(actor, conversation) or is_partner(actor)


# --- canned replies -----------------------------------------------------------------------------------------------
# Who uses a canned reply: a personal one its owner; a department's one the members of that department (admins: any
# department's); a global one all staff. Who edits it: a personal one its owner; a department's one the
# supervisors of that department and admins; a global one admins. Partners neither. Hidden == missing.


def canned_query(actor: Actor) -> CannedQuery | None:
    """The canned replies an actor may use, as the store compiles it (None: none at all)."""
    if is_system(actor):
        return CannedQuery(global_=True, all_departments=True)
    if not is_staff(actor):
        return None
    assert isinstance(actor, User)
    return CannedQuery(
        owner_id=actor.id,
        department_ids=tuple(actor.department_ids),
        all_departments=actor.role is Role.admin,
    )


def can_use_canned(actor: Actor, reply: CannedResponse) -> bool:
    if is_system(actor):
        return reply.owner_id is None
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    if reply.owner_id is not None:
        return reply.owner_id == actor.id
    if reply.department_id is not None:
        return actor.role is Role.admin or reply.department_id in actor.department_ids
    return True


def can_edit_canned(actor: Actor, reply: CannedResponse) -> bool:
    """Also asked of a reply about to be created (with the owner or department it will have)."""
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    if reply.owner_id is not None:
        return reply.owner_id == actor.id
    if actor.role is Role.admin:
        return True
    if reply.department_id is not None:
        return actor.role is Role.supervisor and reply.department_id in actor.department_ids
    return False


async def canned_for(hub: Hub, actor: Actor, reply_id: str) -> CannedResponse:
    reply = await hub.store.canned.get(reply_id)
    if reply is None or not can_use_canned(actor, reply):
        raise _not_found("canned reply")
    return reply


# --- saved views --------------------------------------------------------------------------------------------------
# Who sees a saved view: a personal one its owner; one shared with everyone all staff; one shared with a department
# its members, and admins and supervisors. Who changes or deletes it: a personal one its owner; a shared one its
# owner while they may still share, and admins. Sharing (everyone or a department) is for admins and supervisors.
# Partners keep none. A view only names filters: what it lists and counts is still `conversation_scope`.


def view_query(actor: Actor) -> ViewQuery | None:
    """The saved views an actor sees, as the store compiles it (None: none at all)."""
    if not is_staff(actor):
        return None
    assert isinstance(actor, User)
    return ViewQuery(
        owner_id=actor.id,
        everyone=True,
        department_ids=tuple(actor.department_ids),
        all_departments=sees_everything(actor),
    )


def can_view_saved_view(actor: Actor, view: SavedView) -> bool:
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    if view.owner_id == actor.id or view.shared is ViewSharing.everyone:
        return True
    if view.shared is ViewSharing.department:
        return sees_everything(actor) or view.department_id in actor.department_ids
    return False


def can_share_views(actor: Actor) -> bool:
    return is_staff(actor) and sees_everything(actor)


def can_edit_saved_view(actor: Actor, view: SavedView) -> bool:
    """Also asked of a view about to be created or changed (with the sharing it will have)."""
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    if view.shared is ViewSharing.none:
        return view.owner_id == actor.id
    return can_share_views(actor) and (view.owner_id == actor.id or actor.role is Role.admin)


async def saved_view_for(hub: Hub, actor: Actor, view_id: str) -> SavedView:
    view = await hub.store.views.get(view_id)
    if view is None or not can_view_saved_view(actor, view):
        raise _not_found("view")
    return view


def saved_view_viewers(users: Iterable[User], view: SavedView) -> list[User]:
    """Who, of `users`, sees this view now: the recipients of its events."""
    return [u for u in users if can_view_saved_view(u, view)]


# --- tasks --------------------------------------------------------------------------------------------------------
# Who sees a task: those who see everything; its assignee; the members of its department; its creator and its
# watchers; the staff who may see its conversation; the users of the partner organisation it is assigned to
# (`task.partner_id`), or the partner user it is assigned to, and only on a client whose card they see. With
# HUB_CLIENT_VISIBILITY=department a task assigned to an agent or to one of their departments also shows them its
# client (`can_view_client`); a task never shows a partner a client. Partners change a task's status (open, in
# progress, done) and nothing else.

PARTNER_TASK_STATUSES = frozenset({TaskStatus.open, TaskStatus.in_progress, TaskStatus.done})


def task_scope(actor: Actor, view: PartnerView | None = None) -> TaskScope | None:
    """The tasks an actor may list, as the store compiles it: None means all of them. Partners need `view`
    (their organisation's grants); without it they list nothing."""
    if sees_everything(actor):
        return None
    if is_partner(actor) and view is not None:
        assert isinstance(actor, User)
        return TaskScope(
            partner=PartnerTaskScope(
                partner_id=view.partner_id, user_id=actor.id, clients=partner_search_scope(view)
            )
        )
    if is_staff(actor):
        assert isinstance(actor, User)
        return TaskScope(
            assignee_id=actor.id,
            department_ids=tuple(actor.department_ids),
            member_id=actor.id,
            conversation_scope=conversation_scope(actor),
        )
    return TaskScope()


def can_view_task(
    actor: Actor,
    task: Task,
    conversation: Conversation | None = None,
    client: Client | None = None,
    view: PartnerView | None = None,
) -> bool:
    """`conversation` is the task's conversation (None when it has none, or the caller knows it is not needed);
    partners need the task's `client` and their organisation's `view`."""
    if sees_everything(actor):
        return True
    if is_partner(actor):
        return partner_sees_task(actor, task, client, view)
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    return (
        task.assignee_id == actor.id
        or (task.department_id is not None and task.department_id in actor.department_ids)
        or (task.created_by is not None and task.created_by == actor.id)
        or actor.id in task.watchers
        or (
            conversation is not None
            and conversation.id == task.conversation_id
            and can_view_conversation(actor, conversation)
        )
    )


def partner_sees_task(actor: Actor, task: Task, client: Client | None, view: PartnerView | None) -> bool:
    """Assigned to the user's organisation or to the user, on a client whose card the organisation sees."""
    if not is_partner(actor) or client is None or view is None or client.id != task.client_id:
        return False
    assert isinstance(actor, User)
    assigned = (
        task.partner_id is not None and task.partner_id == view.partner_id
    ) or task.assignee_id == actor.id
    return assigned and partner_sees_client(actor, client, view)


def can_work_task(
    actor: Actor,
    task: Task,
    conversation: Conversation | None = None,
    client: Client | None = None,
    view: PartnerView | None = None,
) -> bool:
    """Change a task (status, assignee, due time, checklist, ...): the staff who see it; partners who see it, its
    status only (`task_changes_allowed`)."""
    if is_partner(actor):
        return can_view_task(actor, task, conversation, client, view)
    return is_system(actor) or (is_staff(actor) and can_view_task(actor, task, conversation))


def task_changes_allowed(actor: Actor, changes: Mapping[str, object]) -> bool:
    """Partners change the status only, to open, in progress or done; the others whatever `can_work_task` allows."""
    if not is_partner(actor):
        return True
    return set(changes) <= {"status"} and all(
        str(getattr(v, "value", v)) in PARTNER_TASK_STATUSES for v in changes.values()
    )


def can_create_task(actor: Actor) -> bool:
    return is_system(actor) or is_staff(actor)


async def sees_client_through_tasks(hub: Hub, actor: Actor, client: Client) -> bool:
    """Department visibility: a task assigned to the agent or to one of their departments shows them its client."""
    if not is_staff(actor) or getattr(hub.store, "tasks", None) is None:
        return False
    assert isinstance(actor, User)
    scope = TaskScope(assignee_id=actor.id, department_ids=tuple(actor.department_ids))
    return bool(await hub.store.tasks.query(TaskQuery(client_id=client.id, scope=scope, limit=1)))


async def task_for(hub: Hub, actor: Actor, task_id: str) -> tuple[Task, Conversation | None]:
    """The task (and its conversation); NotFound when missing or hidden, exactly alike."""
    task = await hub.store.tasks.get(task_id)
    if task is None:
        raise _not_found("task")
    conversation = None
    if task.conversation_id is not None:
        conversation = await hub.store.conversations.get(task.conversation_id)
    client = view = None
    if is_partner(actor):
        assert isinstance(actor, User)
        client = await hub.store.clients.get(task.client_id)
        view = await partner_view(hub, actor)
    if not can_view_task(actor, task, conversation, client, view):
        raise _not_found("task")
    return task, conversation


def task_viewers(users: Iterable[User], task: Task, conversation: Conversation | None = None) -> list[User]:
    """Who, of `users`, may see this task now: the recipients of its events."""
    return [u for u in users if can_view_task(u, task, conversation)]


def task_notice_recipients(users: Iterable[User], task: Task) -> list[User]:
    """Whom a task's reminders and overdue notice go to: its assignee, else the members of its department."""
    if task.assignee_id is not None:
        return [u for u in users if u.id == task.assignee_id and is_staff(u)]
    if task.department_id is not None:
        return [u for u in users if is_staff(u) and task.department_id in u.department_ids]
    return []


def sla_notice_recipients(users: Iterable[User], conversation: Conversation) -> list[User]:
    """Whom a conversation's SLA warning and breach notice go to: its assignee (else the members of its
    department), and the supervisors of its department (of every department: those with none); only those who
    may see the conversation now."""
    staff = [u for u in users if is_staff(u) and can_view_conversation(u, conversation)]
    department = conversation.department_id
    if conversation.assignee_id is not None:
        chosen = [u for u in staff if u.id == conversation.assignee_id]
    else:
        chosen = [u for u in staff if department is not None and department in u.department_ids]
    chosen += [
        u
        for u in staff
        if u.role is Role.supervisor and (not u.department_ids or department in u.department_ids)
    ]
    return list({u.id: u for u in chosen}.values())


def handoff_notice_recipients(users: Iterable[User], conversation: Conversation) -> list[User]:
    """Whom the bot's hand-off of a conversation is announced to: its assignee when it has one, else the members
    of its department (everyone on staff who may see it, when it has none); only those who may see it now."""
    staff = [u for u in users if is_staff(u) and can_view_conversation(u, conversation)]
    if conversation.assignee_id is not None:
        return [u for u in staff if u.id == conversation.assignee_id]
    department = conversation.department_id
    return [u for u in staff if department is None or department in u.department_ids]


def assignment_notice_recipients(
    users: Iterable[User], conversation: Conversation, actor_id: str | None
) -> list[User]:
    """Whom a new assignee is told about: the assignee, unless they took it themselves, while they may see it."""
    return [
        u
        for u in users
        if u.id == conversation.assignee_id
        and u.id != actor_id
        and is_staff(u)
        and can_view_conversation(u, conversation)
    ]


def can_read_sla_policies(actor: Actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_read_sla_reports(actor: Actor) -> bool:
    """SLA breach counts span departments: admins and supervisors (who see every conversation)."""
    return is_system(actor) or sees_everything(actor)


def sla_report_departments(actor: Actor, department_id: str | None) -> list[str | None] | None:
    """The departments whose breaches a report may count (None: all): the one asked for, within what the actor
    sees (everything, for those who may read reports)."""
    if not can_read_sla_reports(actor):
        return []
    return [department_id] if department_id is not None else None
