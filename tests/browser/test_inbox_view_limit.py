"""An agent who keeps the most saved views one may (hub.domain_views.MAX_VIEWS_PER_OWNER) and saves another from the
form is told why in the inbox's language, English or Russian; the form stays open and the view is not added."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.domain_views import MAX_VIEWS_PER_OWNER

pytestmark = pytest.mark.asyncio(loop_scope="module")

AGENT = ("agent1@example.com", "agent-password")


@pytest.mark.parametrize(
    ("locale", "button", "says"),
    [("en-US", "Save", "You keep the most saved views"), ("ru-RU", "Сохранить", "У вас уже максимум")],
)
async def test_one_view_too_many_is_explained(web_hub, new_page, login, locale, button, says):
    for i in range(MAX_VIEWS_PER_OWNER):
        await web_hub.api("POST", "/api/v1/views", {"name": f"Kept {i:02d}"}, as_user=AGENT)
    page, _watch = await new_page(locale=locale)
    await login(page, AGENT[0])
    await expect(page.locator(".view-item")).to_have_count(MAX_VIEWS_PER_OWNER)
    await page.click("#views-new")
    dialog = page.locator("#view-dialog")
    await dialog.locator("input[name=name]").fill("One too many")
    await dialog.get_by_role("button", name=button).click()
    await expect(dialog.get_by_role("alert")).to_contain_text(says)
    await expect(dialog).to_be_visible()
    await expect(page.locator(".view-item")).to_have_count(MAX_VIEWS_PER_OWNER)
