"""The SLA clock in the inbox: each conversation row and the open conversation's header count down to the nearest
due time (green), amber within the policy's warning minutes, red once due or breached, nothing without a policy;
a breach pushed by the server turns a row red live. The priority shows as a badge. RU and EN."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import expect
from support import SLA_TEST_POLICIES

from hub.domain import utcnow
from hub.domain_sla import SlaClock, SlaTarget
from hub.events import SlaChanged
from hub.sla import load_sla_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def set_clock(web_hub, conversation_id: str, **changes) -> SlaClock:
    """Put a conversation's SLA clock where the test needs it (as if its policy had counted that far)."""
    store = web_hub.hub.store.sla
    if await store.get(conversation_id) is None:
        now = utcnow()
        await store.create(SlaClock(id=conversation_id, started_at=now, resolution_started_at=now))
    clock = await store.update(conversation_id, changes)
    assert clock is not None
    return clock


async def test_the_sla_clock_counts_down_turns_amber_then_red_and_follows_the_server(
    web_hub, new_page, login
):
    web_hub.hub.sla, problems = load_sla_text(SLA_TEST_POLICIES, "test policies")
    assert not problems
    calm = await web_hub.push("Just a question", name="Calm Client", email="calm@example.com")
    soon = await web_hub.push("Where is my order?", name="Soon Client", email="soon@example.com")
    late = await web_hub.push("Still nothing!", name="Late Client", email="late@example.com")
    free = await web_hub.push("Thanks!", name="Free Client", email="free@example.com")
    await web_hub.api("PATCH", f"/api/v1/conversations/{calm['conversation_id']}", {"priority": "urgent"})
    now = utcnow()
    await set_clock(web_hub, calm["conversation_id"], policy="Urgent", warning_minutes=10, breached=[],
                    first_response_due_at=now + timedelta(hours=3, minutes=30),
                    resolution_due_at=now + timedelta(days=2))  # fmt: skip
    await set_clock(web_hub, soon["conversation_id"], policy="Standard", warning_minutes=20, breached=[],
                    first_response_due_at=now + timedelta(minutes=12), resolution_due_at=now + timedelta(days=1))  # fmt: skip
    await set_clock(web_hub, late["conversation_id"], policy="Standard", warning_minutes=20, breached=[],
                    first_response_due_at=now - timedelta(minutes=30), resolution_due_at=now + timedelta(days=1))  # fmt: skip
    await set_clock(
        web_hub, free["conversation_id"], policy=None, first_response_due_at=None, resolution_due_at=None
    )

    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")

    def row(message):
        return page.locator(f'.conv-item[data-conversation-id="{message["conversation_id"]}"]')

    await expect(row(free)).to_be_visible()
    await expect(row(calm).locator(".sla")).to_have_attribute("data-sla", "ok")
    await expect(row(calm).locator(".sla")).to_contain_text("3h 2")  # 3h 29m or 3h 28m left
    await expect(row(calm).locator(".sla")).to_contain_text("left")
    await expect(row(calm).locator(".priority")).to_have_text("Urgent")
    await expect(row(soon).locator(".sla")).to_have_attribute("data-sla", "warning")
    await expect(row(soon).locator(".sla")).to_contain_text("m left")
    await expect(row(late).locator(".sla")).to_have_attribute("data-sla", "breached")
    await expect(row(late).locator(".sla")).to_contain_text("overdue 3")  # 30 or 31 minutes
    await expect(row(free).locator(".sla")).to_have_count(0)
    await expect(row(soon).locator(".priority")).to_have_count(0)  # a normal priority shows no badge

    # the open conversation's header shows the same clock
    await row(late).click()
    await expect(page.locator("#conv-title")).to_have_text("Late Client")
    await expect(page.locator("#conv-badges .sla")).to_have_attribute("data-sla", "breached")
    await row(free).click()
    await expect(page.locator("#conv-title")).to_have_text("Free Client")
    await expect(page.locator("#conv-badges .sla")).to_have_count(0)

    # the server records a breach of "soon" (its notice went out): the row turns red live
    clock = await set_clock(web_hub, soon["conversation_id"], breached=[SlaTarget.first_response])
    conversation = await web_hub.hub.store.conversations.get(soon["conversation_id"])
    await web_hub.hub.bus.publish(SlaChanged(clock, conversation))
    await expect(row(soon).locator(".sla")).to_have_attribute("data-sla", "breached")

    # in Russian
    await page.select_option("select[data-lang-switch]", "ru")
    await expect(row(calm).locator(".sla")).to_contain_text("осталось 3 ч 2")
    await expect(row(late).locator(".sla")).to_contain_text("просрочено на 3")
    await expect(row(calm).locator(".priority")).to_have_text("Срочный")
    watch.assert_clean()


async def test_a_resolved_conversation_shows_no_countdown(web_hub, new_page, login):
    web_hub.hub.sla, problems = load_sla_text(SLA_TEST_POLICIES, "test policies")
    assert not problems
    quiet = await web_hub.push("Nobody answered me", name="Quiet Client", email="quiet@example.com")
    conversation_id = quiet["conversation_id"]
    await web_hub.api("PATCH", f"/api/v1/conversations/{conversation_id}", {"priority": "urgent"})
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await page.locator(f'.conv-item[data-conversation-id="{conversation_id}"]').click()
    await expect(page.locator("#conv-title")).to_have_text("Quiet Client")
    badge = page.locator("#conv-badges .sla")
    await expect(badge).to_contain_text("left")  # the first response runs

    await web_hub.api("PATCH", f"/api/v1/conversations/{conversation_id}", {"status": "resolved"})
    await expect(badge).to_have_count(0)  # nothing runs: no "⏱ … left", no due time in the API
    assert (await web_hub.api("GET", f"/api/v1/conversations/{conversation_id}"))["sla"][
        "first_response_due_at"
    ] is None
    watch.assert_clean()
