"""The inbox search box: typing finds clients and messages (another form of the word, the match marked), choosing a
message opens its conversation; the texts in Russian too; an agent never sees a message of a conversation hidden
from them."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.actions import conversations as conversation_actions
from hub.actions import staff

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_typing_finds_a_message_and_opens_its_conversation(web_hub, new_page, login):
    wanted = await web_hub.push(
        "Пришлите, пожалуйста, счёт за март", name="Olga Petrova", thread_key="t-invoice"
    )
    await web_hub.push("Где мой заказ?", name="Olga Petrova", thread_key="t-order")
    # a conversation of another department: the agent's search never shows it
    support = await staff.create_department(web_hub.hub, "Support")
    hidden = await web_hub.push(
        "Счета для поддержки", name="Ivan Hidden", email="ivan@example.com", thread_key="x"
    )
    await conversation_actions.update_conversation(
        web_hub.hub, None, hidden["conversation_id"], department_id=support.id
    )

    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.fill("#search-input", "счета")
    entries = page.locator("#search-panel .search-entry")
    await expect(entries).to_have_count(1)
    await expect(entries.first.locator("mark")).to_have_text("счёт")
    await expect(entries.first).to_contain_text("Olga Petrova")
    await page.fill("#search-input", "olga")
    await expect(page.locator("#search-panel .search-client")).to_have_count(1)
    await page.fill("#search-input", "счета")
    await expect(entries).to_have_count(1)
    await entries.first.click()
    await expect(page.locator("#search-panel")).to_be_hidden()
    await expect(page.locator("#timeline")).to_contain_text("Пришлите, пожалуйста, счёт за март")
    assert wanted["conversation_id"] in page.url
    watch.assert_clean()

    ru, ru_watch = await new_page(locale="ru-RU")
    await login(ru, "admin@example.com", "admin-password")
    await expect(ru.locator("#search-input")).to_have_attribute("placeholder", "Поиск клиентов и сообщений")
    await ru.fill("#search-input", "счета")
    await expect(ru.locator("#search-panel .search-entry")).to_have_count(2)  # the admin sees both
    await ru.fill("#search-input", "zzqx")
    await expect(ru.locator("#search-panel .search-empty")).to_have_text("Ничего не найдено")
    ru_watch.assert_clean()
