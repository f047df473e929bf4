"""The active SLA policies: the file's (config/sla.yaml, HUB_SLA_FILE) until an admin saves others as YAML
(PUT /api/v1/sla/policies), validated like the file ("sla.yaml:<line>: <reason>", each problem with its line in
the error's details) and stored (documents "sla_policies": the text, comments and all, and the policies it gave).

`hub.sla` is what the clocks use. This process swaps it at once; the others re-read the stored set every
REFRESH_SECONDS (`SlaPolicies`, started by the composition root). A new set applies to the clocks started or
recomputed after it (a customer message, a reply, a change of department or priority): running due times stay."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pydantic import ValidationError

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.errors import Invalid
from hub.sla import SLA_KEY, SlaConfig, load_sla_text
from hub.yamllines import capped, problem_details

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0
SLA_TEXT_NAME = "sla.yaml"


async def save_policies_text(hub: Hub, actor: Actor, text: str) -> SlaConfig:
    access.require(access.can_manage_staff(actor), "only admins change the SLA policies")
    # parsing up to 200 KB of YAML takes seconds of pure Python: off the event loop
    config, problems = await asyncio.to_thread(load_sla_text, text, SLA_TEXT_NAME)
    if config is None:
        problems = capped(problems)
        raise Invalid("; ".join(problems), details=problem_details(problems))
    await hub.store.documents.put(SLA_KEY, {"text": text, "policies": config.dump()}, at=hub.clock())
    hub.sla = config
    return config


class SlaPolicies:
    """Keeps this process's `hub.sla` in step with the set an admin saved (in any process). Without a saved set it
    never touches `hub.sla` (the file's policies, as the composition root set them)."""

    def __init__(self, hub: Hub, *, interval: float = REFRESH_SECONDS) -> None:
        self.hub = hub
        self.interval = interval
        self._seen: object = None
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        stored = await self.hub.store.documents.get(SLA_KEY)
        if stored is None or stored.get("policies") == self._seen:
            return
        try:
            config = SlaConfig.model_validate(stored.get("policies"))
        except ValidationError:
            log.error("the stored SLA policies are not valid; keeping the ones in use")
            return
        self._seen = stored.get("policies")
        self.hub.sla = config

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._run(), name="sla-policies")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.refresh()
            except Exception:
                log.exception("reading the stored SLA policies failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
