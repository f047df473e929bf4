"""Routing rules at work: the hook ingest calls for an inbound message (installed by the composition root as
`hub.after_inbound`), what a matching rule does (department, priority, client tags, assignee, a task — each with a
system entry on the timeline), and the admins' edits of the active rule set (stored; the file is the default)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from datetime import timedelta
from typing import Any

from hub import access
from hub.access import Actor
from hub.actions.system_entries import add_system_entry
from hub.context import Hub
from hub.domain import Conversation, TimelineEntry
from hub.errors import Invalid
from hub.inbound import InboundMessage
from hub.routing import (
    RULES_TEXT_KEY,
    Facts,
    Rule,
    RuleSet,
    evaluate,
    load_rules_text,
    parse_rules,
    wants_follow_ups,
)
from hub.yamllines import capped, problem_details

log = logging.getLogger(__name__)

RULES_KEY = "routing_rules"
RULES_TEXT_NAME = "routing.yaml"
# how long a process trusts its copy of the stored rule set (another process may have saved a new one)
CACHE_SECONDS = 5.0


def optional_action(module: str, name: str) -> Any:
    """An action of a part of the hub that may not be there (tasks, notifications): the function, or None."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


class Router:
    """The active rules of this hub: the file's (`default`) until an admin saves others in the store."""

    def __init__(self, default: RuleSet) -> None:
        self.default = default
        self._cached: tuple[float, RuleSet, str] | None = None

    async def active(self, hub: Hub) -> tuple[RuleSet, str]:
        """(rules, source): source "store" when an admin saved them, else "file"."""
        if self._cached is not None and time.monotonic() - self._cached[0] < CACHE_SECONDS:
            return self._cached[1], self._cached[2]
        stored = await hub.store.documents.get(RULES_KEY)
        ruleset, source = self.default, "file"
        if stored is not None:
            parsed, problems = parse_rules(stored, "stored rules")
            if parsed is None:
                log.error("the stored routing rules are not valid, using the file's: %s", problems)
            else:
                ruleset, source = parsed, "store"
        self._cached = (time.monotonic(), ruleset, source)
        return ruleset, source

    def remember(self, ruleset: RuleSet) -> None:
        self._cached = (time.monotonic(), ruleset, "store")

    async def after_inbound(
        self,
        hub: Hub,
        message: InboundMessage,
        conversation: Conversation,
        entry: TimelineEntry,
        created: bool,
    ) -> Conversation | None:
        """Run the rules on an inbound message (a new conversation; a follow-up only when a rule asks for
        follow-ups). Never fails the ingest: a broken action is logged."""
        ruleset, _source = await self.active(hub)
        if not ruleset.rules or (not created and not wants_follow_ups(ruleset)):
            return None
        try:
            client = await hub.store.clients.get(conversation.client_id)
            facts = Facts(
                channel=message.channel,
                text=message.text,
                raw=message.raw,
                client=client,
                first=created,
                now=hub.clock(),
            )
            chosen = evaluate(ruleset, facts)
            if not chosen:
                return None
            return await apply_rules(hub, conversation, chosen, entry)
        except Exception:
            log.exception("routing rules failed on conversation %s", conversation.id)
            return None


async def apply_rules(
    hub: Hub, conversation: Conversation, rules: list[Rule], entry: TimelineEntry | None = None
) -> Conversation:
    """Do what the rules say (the first value of a field wins; tags add up; each task is created), one system entry
    per action, then one conversation update (ConversationUpdated: assignment hands it out from there)."""
    from hub.actions.clients import update_client
    from hub.actions.conversations import update_conversation

    changes: dict[str, Any] = {}
    tags: list[str] = []
    for rule in rules:
        then = rule.then
        if then.department and "department_id" not in changes:
            department = await hub.store.departments.get_by_name(then.department)
            if department is None:
                log.warning("rule %r routes to %r, which is not a department", rule.name, then.department)
            elif department.id != conversation.department_id:
                changes["department_id"] = department.id
                await add_system_entry(
                    hub, conversation, "routed", {"department": department.name, "rule": rule.name}
                )
        if then.priority and "priority" not in changes and then.priority != conversation.priority:
            changes["priority"] = then.priority
            await add_system_entry(
                hub, conversation, "prioritized", {"priority": then.priority.value, "rule": rule.name}
            )
        if then.assignee and "assignee_id" not in changes:
            user = await hub.store.users.get_by_email(then.assignee)
            if user is None or not access.is_staff(user):
                log.warning(
                    "rule %r assigns to %r, who is not an active staff member", rule.name, then.assignee
                )
            elif user.id != conversation.assignee_id:
                changes["assignee_id"] = user.id
                await add_system_entry(
                    hub, conversation, "rule_assigned", {"assignee": user.name, "rule": rule.name}
                )
        new_tags = [t for t in then.tags if t not in tags]
        if new_tags:
            tags += new_tags
            await add_system_entry(
                hub, conversation, "tagged", {"tags": ", ".join(new_tags), "rule": rule.name}
            )
        if then.task is not None:
            await _create_task(hub, conversation, rule, entry)
    if tags:
        client = await hub.store.clients.get(conversation.client_id)
        if client is not None:
            await update_client(hub, None, client.id, tags=[*client.tags, *tags])
    if not changes:
        return await hub.store.conversations.get(conversation.id) or conversation
    return await update_conversation(hub, None, conversation.id, **changes)


async def _create_task(hub: Hub, conversation: Conversation, rule: Rule, entry: TimelineEntry | None) -> None:
    spec = rule.then.task
    assert spec is not None
    create_task = optional_action("hub.actions.tasks", "create_task")
    if create_task is None:
        log.warning("rule %r creates a task, and this hub has no tasks", rule.name)
        return
    due_at = hub.clock() + timedelta(minutes=spec.due_in_minutes) if spec.due_in_minutes is not None else None
    task = await create_task(
        hub,
        None,
        title=spec.title,
        client_id=conversation.client_id,
        conversation_id=conversation.id,
        entry_id=entry.id if entry is not None else None,
        department_id=conversation.department_id,
        due_at=due_at,
        priority=spec.priority,
        description=spec.description,
        meta={"rule": rule.name},
    )
    await add_system_entry(hub, conversation, "rule_task", {"title": task.title, "rule": rule.name})


async def save_rules(hub: Hub, actor: Actor, data: Any) -> RuleSet:
    """An admin's new rule set: validated like the file (problems as Invalid), stored as the active one."""
    access.require(access.can_manage_staff(actor), "only admins change the routing rules")
    ruleset, problems = parse_rules(data, "rules")
    if ruleset is None:
        raise Invalid("; ".join(problems))
    await hub.store.documents.put(RULES_KEY, ruleset.dump(), at=hub.clock())
    router = hub.router
    if router is not None:
        router.remember(ruleset)
    return ruleset


async def save_rules_text(hub: Hub, actor: Actor, text: str) -> RuleSet:
    """An admin's new rules as YAML (the file's format): problems as Invalid with each `{"line", "message"}` in
    its details; kept as typed (with its comments) for the next edit, and stored as the active set."""
    access.require(access.can_manage_staff(actor), "only admins change the routing rules")
    # parsing up to 200 KB of YAML takes seconds of pure Python: off the event loop
    ruleset, problems = await asyncio.to_thread(load_rules_text, text, RULES_TEXT_NAME)
    if ruleset is None:
        problems = capped(problems)
        raise Invalid("; ".join(problems), details=problem_details(problems))
    # the text first: GET shows it only while the active rules are the ones it gave
    await hub.store.documents.put(RULES_TEXT_KEY, {"text": text, "rules": ruleset.dump()}, at=hub.clock())
    return await save_rules(hub, actor, ruleset.dump())
