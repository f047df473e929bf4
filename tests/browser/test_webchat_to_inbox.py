"""Scenario C, the issue's main scenario, end to end in Chromium: a visitor writes in the web chat widget on the demo
site → the message appears live in a logged-in agent's inbox → the agent replies → the visitor sees the reply live;
after a reload the visitor still sees the whole conversation. (The widget lives in an open shadow root; Playwright's
CSS locators pierce it.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")

WIDGET_JS = Path(__file__).resolve().parents[2] / "connectors" / "webchat" / "static" / "widget.js"


def w(page, hook: str):
    return page.locator(f"[data-hub-widget={hook}]")


async def test_scenario_c_a_visitor_and_an_agent_chat_live(web_hub, new_page, login, tmp_path):
    if not WIDGET_JS.is_file():
        pytest.fail("the web chat widget (connectors/webchat/static/widget.js) is not there")
    agent, agent_watch = await new_page()
    await login(agent, "agent1@example.com")
    await agent.click("[data-tab=unassigned]")
    await expect(agent.locator("#list-empty")).to_be_visible()

    # the visitor opens the shop and the chat, introduces themself and writes
    visitor, visitor_watch = await new_page()
    await visitor.goto(f"{web_hub.url}/demo/site")
    await w(visitor, "bubble").click()
    await expect(w(visitor, "panel")).to_be_visible()
    if await w(visitor, "prechat").is_visible():
        await w(visitor, "prechat-name").fill("Vera Visitor")
        await w(visitor, "prechat-email").fill("vera@example.com")
        await w(visitor, "prechat-submit").click()
        await expect(w(visitor, "prechat")).to_be_hidden()
    question = "Hello! Do you deliver clay cups to Kazan?"
    await w(visitor, "input").fill(question)
    await w(visitor, "send").click()
    own = w(visitor, "message").filter(has_text=question)
    await expect(own).to_have_attribute("data-author-type", "client")
    await expect(own).to_have_attribute("data-status", "sent")
    await visitor.screenshot(path=tmp_path / "c1-visitor-wrote.png")

    # it appears live in the agent's inbox, as a web chat conversation
    conversation = agent.locator(".conv-item").filter(has=agent.locator("[data-channel=webchat]"))
    await expect(conversation).to_have_count(1)
    await expect(conversation.locator(".conv-item-preview")).to_have_text(question)
    await expect(conversation.locator(".unread-badge")).to_have_text("1")
    await conversation.click()
    incoming = agent.locator("#timeline .entry-in").filter(has_text=question)
    await expect(incoming).to_have_count(1)
    await expect(incoming.locator("[data-channel=webchat]")).to_be_visible()
    await expect(agent.locator("#client-card .identity-kind").filter(has_text="Web chat")).to_have_count(1)
    await agent.screenshot(path=tmp_path / "c2-agent-sees-it.png")

    # the agent replies; the reply leaves through the web chat and the visitor sees it live
    answer = "Yes, we do: 2-3 days, free from 2000 ₽."
    await agent.fill("#composer-text", answer)
    await agent.click("#composer-send")
    sent = agent.locator("#timeline .entry-out").filter(has_text=answer)
    await expect(sent.locator(".delivery")).to_have_attribute("data-status", "sent")
    reply = w(visitor, "message").filter(has_text=answer)
    await expect(reply).to_have_count(1)
    await expect(reply).to_have_attribute("data-author-type", "user")
    await visitor.screenshot(path=tmp_path / "c3-visitor-got-reply.png")

    # typing shows both ways: the agent sees the visitor type, the visitor sees the agent type
    follow_up = "Great, I will order two."
    await w(visitor, "input").press_sequentially("Great")
    await expect(agent.locator("#typing")).to_contain_text("is typing")
    await agent.locator("#composer-text").press_sequentially("Thank")
    await expect(w(visitor, "typing")).to_be_visible()
    await agent.locator("#composer-text").fill("")

    # the visitor writes again: it lands in the agent's open timeline without a reload
    await w(visitor, "input").fill(follow_up)
    await w(visitor, "send").click()
    await expect(agent.locator("#timeline .entry-in").filter(has_text=follow_up)).to_have_count(1)
    await expect(agent.locator("#typing")).to_have_text("")
    await expect(agent.locator("#timeline .entry .entry-text")).to_have_text([question, answer, follow_up])

    # a reload keeps the visitor's history, in order
    await visitor.reload()
    if not await w(visitor, "panel").is_visible():
        await w(visitor, "bubble").click()
    texts = w(visitor, "message").locator("[data-hub-widget=message-text]")
    await expect(texts).to_have_text([question, answer, follow_up])
    await visitor.screenshot(path=tmp_path / "c4-visitor-reloaded.png")
    await agent.screenshot(path=tmp_path / "c5-agent-final.png")
    agent_watch.assert_clean()
    visitor_watch.assert_clean()
