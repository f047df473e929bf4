"""On the demo shop page, a visitor types the email of an existing customer in the web chat's pre-chat form: the
widget says a code was sent to a masked address (aiosmtpd behind the hub's mailbox gets it), a wrong code is
refused with the tries left, the right one confirms the email; the visitor's chat goes on and an agent sees it on
the customer's own client card."""

from __future__ import annotations

import email
import re
from collections.abc import AsyncIterator, Iterator
from email import policy

import pytest
import pytest_asyncio
from conftest import WebHub, mail_web_hub
from playwright.async_api import expect
from support import SmtpKeeper, start_smtp

pytestmark = pytest.mark.asyncio(loop_scope="module")


def w(page, hook: str):
    return page.locator(f"[data-hub-widget={hook}]")


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[SmtpKeeper, int]]:
    controller, keeper, port = start_smtp()
    try:
        yield keeper, port
    finally:
        controller.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path, smtp) -> AsyncIterator[WebHub]:
    """Overrides conftest's web_hub: the same hub with the support mailbox."""
    async with mail_web_hub(tmp_path, smtp[1]) as running:
        yield running


async def test_a_visitor_proves_an_existing_customers_email_by_the_mailed_code(
    web_hub, smtp, new_page, login, tmp_path
):
    keeper, _port = smtp
    pushed = await web_hub.push("My order 42 has not arrived", name="Olga Customer", email="olga@example.com")
    owner_id = pushed["client_id"]

    visitor, watch = await new_page()
    await visitor.goto(f"{web_hub.url}/demo/site")
    await w(visitor, "bubble").click()
    await expect(w(visitor, "prechat")).to_be_visible()
    await w(visitor, "prechat-name").fill("Olga")
    await w(visitor, "prechat-email").fill("olga@example.com")
    await w(visitor, "prechat-submit").click()
    await expect(w(visitor, "verify")).to_be_visible()
    await expect(w(visitor, "verify-intro")).to_contain_text(
        "Мы отправили код на o…@example.com"
    )  # the shop is Russian

    question = "Is my parcel on its way?"
    await w(visitor, "input").fill(question)
    await w(visitor, "send").click()
    await expect(w(visitor, "message").filter(has_text=question)).to_have_attribute("data-status", "sent")

    mail = email.message_from_bytes((await keeper.wait(1))[0], policy=policy.default)
    assert (mail["To"], mail["Subject"]) == ("olga@example.com", "Код подтверждения для чата")
    code = re.search(r"\b(\d{6})\b", mail.get_content())[1]

    await w(visitor, "verify-code").fill(f"{(int(code) + 1) % 10**6:06d}")
    await w(visitor, "verify-submit").click()
    await expect(w(visitor, "verify-error")).to_have_text("Неверный код (осталось попыток: 4)")
    await w(visitor, "verify-code").fill(code)
    await w(visitor, "verify-submit").click()
    await expect(w(visitor, "verify-done")).to_be_visible()
    await expect(w(visitor, "verify")).to_be_hidden()
    await expect(w(visitor, "message").filter(has_text=question)).to_have_count(1)
    await visitor.screenshot(path=tmp_path / "email-code-confirmed.png")

    # the visitor writes on: the same chat, now on the customer's client
    follow_up = "Thanks for checking"
    await w(visitor, "input").fill(follow_up)
    await w(visitor, "send").click()
    await expect(w(visitor, "message").filter(has_text=follow_up)).to_have_attribute("data-status", "sent")
    watch.assert_clean()

    # the agent sees one client: Olga Customer's card has both the email thread and the web chat
    agent, agent_watch = await new_page()
    await login(agent, "admin@example.com", "admin-password")
    await agent.click("[data-tab=all]")
    webchat = agent.locator(".conv-item").filter(has=agent.locator("[data-channel=webchat]"))
    await expect(webchat).to_have_count(1)
    await expect(webchat).to_contain_text("Olga Customer")
    await webchat.click()
    await expect(agent.locator("#timeline").filter(has_text=follow_up)).to_have_count(1)
    kinds = agent.locator("#client-card .identity-kind")
    await expect(kinds.filter(has_text="Web chat")).to_have_count(1)
    await expect(kinds.filter(has_text="Email")).to_have_count(1)
    conversations = await web_hub.api("GET", f"/api/v1/clients/{owner_id}/timeline")
    assert conversations  # the owner's card still answers (the visitor's client was merged into it)
    agent_watch.assert_clean()
