"""A loaded flow as the hub's admin pages show it (hub.domain_bots.BotFlowSummary): the composition root hands
these to the hub, which never imports the bots package."""

from __future__ import annotations

from bots.engine import department_names
from bots.flow import Flow
from hub.domain_bots import BotFlowSummary


def summarize(flow: Flow) -> BotFlowSummary:
    return BotFlowSummary(
        name=flow.name,
        bot_name=" / ".join(dict.fromkeys(flow.bot_name.values())),  # every language's name
        channels=tuple(flow.channels),
        language=flow.language,
        handoff_department=flow.handoff.department,
        departments=tuple(sorted(department_names(flow))),
        states=len(flow.states),
        faq=len(flow.faq),
        start=flow.start,
        business_hours=flow.business_hours is not None,
        keywords=tuple(flow.handoff.keywords),
    )
