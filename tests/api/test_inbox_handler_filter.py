"""GET /api/v1/conversations?handler=: the inbox's Bot tab (those the bot still handles) and Unassigned without
them; each store. A handler that is neither 'bot' nor 'human' is a 400."""

from __future__ import annotations

from api_helpers import new_department, new_user, push

from hub.domain import Handler


async def ids(api, **params) -> set[str]:
    body = await api.ok("GET", "/api/v1/conversations", params={"limit": "200", **params})
    return {c["id"] for c in body["items"]}


async def test_the_handler_filter(server, admin):
    sales = await new_department(admin, "Sales")
    support = await new_department(admin, "Support")
    agent = await new_user(admin, "agent", [sales["id"]])
    server.hub.initial_handler = lambda channel: Handler.bot  # a bot flow answers them
    bot = (await push(admin))["conversation_id"]
    hidden_bot = (await push(admin))["conversation_id"]
    server.hub.initial_handler = lambda channel: Handler.human
    people = (await push(admin))["conversation_id"]
    await admin.ok("PATCH", f"/api/v1/conversations/{hidden_bot}", {"department_id": support["id"]})

    assert await ids(admin, handler="bot") == {bot, hidden_bot}
    assert await ids(admin, handler="human") == {people}
    assert await ids(admin, assignee="none", handler="human") == {people}
    # an agent's Bot tab holds only what they may see (Support's conversation is not theirs)
    assert await ids(agent, handler="bot") == {bot}
    assert await ids(agent, assignee="none", handler="human") == {people}

    # the hand-off: out of Bot, into Unassigned
    await admin.ok("PATCH", f"/api/v1/conversations/{bot}", {"handler": "human"})
    assert await ids(agent, handler="bot") == set()
    assert await ids(agent, assignee="none", handler="human") == {bot, people}

    refused = await admin.get("/api/v1/conversations", params={"handler": "robot"})
    refused.error(400, "invalid")
