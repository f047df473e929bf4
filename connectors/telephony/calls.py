"""From verified provider events to hub actions: the number that was called decides the department, then
hub.actions.calls records the event on the call's timeline entry (and makes a missed call a callback task)."""

from __future__ import annotations

import logging

from hub.access import SYSTEM
from hub.actions.calls import CallResult, record_call_event
from hub.actions.dialing import adopt_placed_call
from hub.calls import CallEvent
from hub.context import Hub
from hub.queries import staff as staff_queries

from .config import TelephonyConfig

log = logging.getLogger(__name__)


async def department_of(hub: Hub, config: TelephonyConfig, line: str) -> str | None:
    """The department HUB_TELEPHONY.numbers names for our number (None: unrouted, every agent sees the call)."""
    name = config.numbers.get(line) if line else None
    if name is None:
        return None
    department = await staff_queries.department_by_name(hub, SYSTEM, name)
    if department is None:
        log.warning("HUB_TELEPHONY.numbers: %s is for department %r, which does not exist", line, name)
        return None
    return department.id


async def apply(hub: Hub, config: TelephonyConfig, event: CallEvent) -> CallResult | None:
    if event.provider in ("zadarma", "novofon") and config.can_dial(event.provider):
        # the callback request names no call: its webhooks are matched to the call the hub placed
        event = await adopt_placed_call(hub, event)
    return await record_call_event(hub, event, department_id=await department_of(hub, config, event.line))
