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

The rules live by aggregate in this package's modules (actors, partners, conversations, tasks, clients, entries,
doors, replies, canned, views, sla, recipients); everything is importable from `hub.access` as before.
"""

from __future__ import annotations

from hub.access.actors import (
    SEES_EVERYTHING,
    STAFF_ROLES,
    SYSTEM,
    Actor,
    SystemActor,
    actor_id,
    as_actor,
    can_grant,
    can_list_staff,
    can_manage_partners,
    can_manage_staff,
    can_merge_clients,
    can_push_inbound,
    can_share_client,
    can_view_admin_pages,
    can_view_bot_flows,
    can_view_channel_health,
    can_view_merge_suggestions,
    is_partner,
    is_staff,
    is_system,
    partner_key,
    require,
    sees_everything,
)
from hub.access.canned import (
    can_edit_canned,
    can_use_canned,
    canned_for,
    canned_query,
)
from hub.access.clients import (
    can_edit_client,
    can_view_client,
    can_view_client_card,
    client_list_scope,
    client_search_scope,
)
from hub.access.conversations import (
    can_view_conversation,
    can_work_conversation,
    conversation_scope,
    partner_conversation_scope,
)
from hub.access.doors import (
    attachment_for,
    client_for,
    conversation_for,
    entry_for,
)
from hub.access.entries import (
    can_view_entry,
    entry_scope,
    is_internal_note,
    search_scope,
    visible_to_customer,
)
from hub.access.partners import (
    PartnerView,
    partner_client_scope,
    partner_hidden_fields,
    partner_search_scope,
    partner_sees_client,
    partner_sees_whole_client,
    partner_view,
    partner_views,
)
from hub.access.recipients import (
    assignment_notice_recipients,
    client_viewers,
    conversation_viewers,
    entry_viewers,
    handoff_notice_recipients,
    partner_entry_viewers,
    saved_view_viewers,
    sla_notice_recipients,
    task_notice_recipients,
    task_viewers,
)
from hub.access.replies import (
    can_move_entries,
    can_reply,
    can_start_conversation,
    can_write_note,
    grant_lets_reply,
    replies_allowed,
)
from hub.access.sla import (
    can_read_sla_policies,
    can_read_sla_reports,
    sla_report_departments,
)
from hub.access.tasks import (
    PARTNER_TASK_STATUSES,
    can_create_task,
    can_view_task,
    can_work_task,
    partner_sees_task,
    sees_client_through_tasks,
    task_changes_allowed,
    task_for,
    task_scope,
)
from hub.access.views import (
    can_edit_saved_view,
    can_share_views,
    can_view_saved_view,
    saved_view_for,
    view_query,
)

# not defined here, but read as `access.EntryScope` and `access.NotFound` by callers, as before the split
from hub.errors import NotFound
from hub.store.port import EntryScope

__all__ = [
    "Actor",
    "EntryScope",
    "NotFound",
    "PARTNER_TASK_STATUSES",
    "PartnerView",
    "SEES_EVERYTHING",
    "STAFF_ROLES",
    "SYSTEM",
    "SystemActor",
    "actor_id",
    "as_actor",
    "assignment_notice_recipients",
    "attachment_for",
    "can_create_task",
    "can_edit_canned",
    "can_edit_client",
    "can_edit_saved_view",
    "can_grant",
    "can_list_staff",
    "can_manage_partners",
    "can_manage_staff",
    "can_merge_clients",
    "can_move_entries",
    "can_push_inbound",
    "can_read_sla_policies",
    "can_read_sla_reports",
    "can_reply",
    "can_share_client",
    "can_share_views",
    "can_start_conversation",
    "can_use_canned",
    "can_view_admin_pages",
    "can_view_bot_flows",
    "can_view_channel_health",
    "can_view_client",
    "can_view_client_card",
    "can_view_conversation",
    "can_view_entry",
    "can_view_merge_suggestions",
    "can_view_saved_view",
    "can_view_task",
    "can_work_conversation",
    "can_work_task",
    "can_write_note",
    "canned_for",
    "canned_query",
    "client_for",
    "client_list_scope",
    "client_search_scope",
    "client_viewers",
    "conversation_for",
    "conversation_scope",
    "conversation_viewers",
    "entry_for",
    "entry_scope",
    "entry_viewers",
    "grant_lets_reply",
    "handoff_notice_recipients",
    "is_internal_note",
    "is_partner",
    "is_staff",
    "is_system",
    "partner_client_scope",
    "partner_conversation_scope",
    "partner_entry_viewers",
    "partner_hidden_fields",
    "partner_key",
    "partner_search_scope",
    "partner_sees_client",
    "partner_sees_task",
    "partner_sees_whole_client",
    "partner_view",
    "partner_views",
    "replies_allowed",
    "require",
    "saved_view_for",
    "saved_view_viewers",
    "search_scope",
    "sees_client_through_tasks",
    "sees_everything",
    "sla_notice_recipients",
    "sla_report_departments",
    "task_changes_allowed",
    "task_for",
    "task_notice_recipients",
    "task_scope",
    "task_viewers",
    "view_query",
    "visible_to_customer",
]
