"""What the hub knows of the bot flows it runs: a summary of each, for the admin pages (GET /api/v1/bots).

The flows themselves belong to the bots package (bots/flow.py), which hub/ never imports: the composition root
(hub.app) hands the hub these summaries of the flows it loaded (`Hub.bot_flows`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BotFlowSummary:
    name: str
    bot_name: str
    # the channels whose new conversations start with this flow
    channels: tuple[str, ...]
    # the flow's language (en | ru); None: the hub's HUB_LANGUAGE
    language: str | None
    # where "talk to a person" goes (by name; None: the conversation stays unrouted)
    handoff_department: str | None
    # every department the flow hands off to anywhere (buttons, captures, actions)
    departments: tuple[str, ...] = ()
    states: int = 0
    faq: int = 0
    start: str = ""
    business_hours: bool = False
    # the words that mean "talk to a person"
    keywords: tuple[str, ...] = field(default_factory=tuple)
