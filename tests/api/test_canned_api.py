"""Canned replies over real HTTP on both stores: who uses and who edits which (personal, department, global), search,
rendering with the conversation's variables in a sandbox, template errors at save time, hostile templates."""

from __future__ import annotations

from api_helpers import Api, new_department, new_user, push, unique

PATH = "/api/v1/canned-responses"


async def titles(api: Api, **params: str) -> list[str]:
    return [r["title"] for r in (await api.ok("GET", PATH, params=params))["items"]]


async def create(api: Api, title: str, body: str = "Hello", status: int = 201, **fields) -> dict:
    return await api.ok("POST", PATH, {"title": title, "body": body, **fields}, status=status)


async def test_who_uses_and_who_edits_each_kind_of_reply(admin):
    sales, support = await new_department(admin), await new_department(admin)
    agent = await new_user(admin, "agent", [support["id"]])
    other_agent = await new_user(admin, "agent", [support["id"]])
    lead = await new_user(admin, "supervisor", [support["id"]])
    sales_lead = await new_user(admin, "supervisor", [sales["id"]])

    mine = await create(agent, "My sign-off", shortcut="bye")
    assert (mine["scope"], mine["owner_id"], mine["can_edit"]) == ("personal", agent.user["id"], True)
    shared = await create(
        lead, "Support hello", scope="department", department_id=support["id"], language="en"
    )
    await create(sales_lead, "Sales hello", scope="department", department_id=sales["id"])
    await create(admin, "Global thanks", scope="global", shortcut="thanks")

    # an agent shares nothing, a supervisor only with their department, only admins globally
    body = {"title": "x", "body": "x", "scope": "department", "department_id": support["id"]}
    (await agent.post(PATH, body)).error(403)
    (await sales_lead.post(PATH, body)).error(403)
    (await lead.post(PATH, {"title": "x", "body": "x", "scope": "global"})).error(403)

    assert await titles(agent) == ["Global thanks", "My sign-off", "Support hello"]
    assert await titles(other_agent) == ["Global thanks", "Support hello"]
    assert await titles(sales_lead) == ["Global thanks", "Sales hello"]
    assert await titles(admin) == ["Global thanks", "Sales hello", "Support hello"]
    listed = {r["title"]: r["can_edit"] for r in (await agent.ok("GET", PATH))["items"]}
    assert listed == {"Global thanks": False, "My sign-off": True, "Support hello": False}

    # someone else's personal reply is missing for them; a reply they may use but not edit is 403
    (await other_agent.get(f"{PATH}/{mine['id']}")).error(404, "not_found")
    (await other_agent.patch(f"{PATH}/{mine['id']}", {"title": "mine now"})).error(404, "not_found")
    (await agent.patch(f"{PATH}/{shared['id']}", {"title": "changed"})).error(403)
    (await sales_lead.patch(f"{PATH}/{shared['id']}", {"title": "changed"})).error(404, "not_found")
    assert (await lead.ok("PATCH", f"{PATH}/{shared['id']}", {"title": "Support hi"}))[
        "title"
    ] == "Support hi"
    assert (await admin.ok("PATCH", f"{PATH}/{shared['id']}", {"language": "ru"}))["language"] == "ru"
    (await agent.call("DELETE", f"{PATH}/{shared['id']}")).error(403)
    await agent.ok("DELETE", f"{PATH}/{mine['id']}")
    (await agent.get(f"{PATH}/{mine['id']}")).error(404, "not_found")
    assert await titles(agent) == ["Global thanks", "Support hi"]


async def test_search_language_and_shortcuts(admin):
    await create(admin, "Доставка: сроки", scope="global", shortcut="dost", language="ru")
    await create(admin, "Delivery times", scope="global", shortcut="delivery", language="en")
    assert await titles(admin, q="СРОК") == ["Доставка: сроки"]
    assert await titles(admin, q="/deliv".lstrip("/")) == ["Delivery times"]
    assert await titles(admin, language="en") == ["Delivery times"]
    # a shortcut is unique in its scope: 409; another user's personal scope is another scope
    (await admin.post(PATH, {"title": "x", "body": "x", "scope": "global", "shortcut": "dost"})).error(409)
    agent = await new_user(admin)
    await create(agent, "My own dost", shortcut="dost")
    (await admin.post(PATH, {"title": "x", "body": "x", "shortcut": "bad shortcut!"})).error(400, "invalid")


async def test_rendering_fills_the_conversations_variables(admin):
    support = await new_department(admin)
    agent = await new_user(admin, "agent", [support["id"]], name="Олег Иванов")
    sent = await push(admin, name="Анна Петрова", text="Где мой заказ?")
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{sent['conversation_id']}", {"department_id": support["id"]}
    )
    body = (
        "Здравствуйте, {{ client.first_name }}!{% if conversation.channel %} ({{ conversation.channel|upper }})"
        "{% endif %} {{ client.nickname }}{{ client.no.such.thing }}— {{ agent.name }}"
    )
    reply = await create(agent, "Привет", body)
    rendered = await agent.ok(
        "POST", f"{PATH}/{reply['id']}/render", {"conversation_id": sent["conversation_id"]}
    )
    assert rendered == {"text": "Здравствуйте, Анна! (API) — Олег Иванов"}

    # the conversation goes through its door: one the agent may not see is missing
    hidden = await push(admin, name="Someone", text="x")
    other = await new_department(admin)
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{hidden['conversation_id']}", {"department_id": other["id"]}
    )
    render = f"{PATH}/{reply['id']}/render"
    (await agent.post(render, {"conversation_id": hidden["conversation_id"]})).error(404, "not_found")
    (await agent.post(render, {})).error(400, "invalid")
    (await agent.post(f"{PATH}/nope/render", {"conversation_id": sent["conversation_id"]})).error(404)


async def test_template_errors_and_hostile_templates_are_refused_at_save_time(admin):
    error = (await admin.post(PATH, {"title": "Broken", "body": "Hello {{ client.name "})).error(
        400, "invalid"
    )
    assert "line 1" in error["message"]
    error = (await admin.post(PATH, {"title": "Broken", "body": "{% if x %}no end"})).error(400, "invalid")
    assert "endif" in error["message"]
    hostile = [
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
        "{{ 'x' * 1000000000 }}",
        "{{ 9 ** 9 ** 9 }}",
        "{{ client.__class__.__mro__ }}",
        "{{ lipsum(1000000) }}",
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    ]
    for body in hostile:
        (await admin.post(PATH, {"title": unique("bad"), "body": body})).error(400, "invalid")
    good = await create(admin, "Fine", "Hi {{ client.name }}")
    (await admin.patch(f"{PATH}/{good['id']}", {"body": "{% for x in y %}{% endfor %}"})).error(
        400, "invalid"
    )
    assert (await admin.ok("GET", f"{PATH}/{good['id']}"))["body"] == "Hi {{ client.name }}"
    (await admin.post(PATH, {"title": "x", "body": "x" * 10_001})).error(400, "invalid")
    (await admin.post(PATH, {"title": "", "body": "x"})).error(400, "invalid")
    (await admin.post(PATH, {"title": "x", "body": "x", "scope": "department"})).error(400, "invalid")
    (
        await admin.post(PATH, {"title": "x", "body": "x", "scope": "department", "department_id": "nope"})
    ).error(404)


async def test_partners_have_no_canned_replies(admin):
    partner = await admin.ok("POST", "/api/v1/partners", {"name": unique("Dealer")}, status=201)
    email = f"{unique('dealer')}@example.com"
    user = {
        "email": email,
        "name": "D",
        "role": "partner",
        "password": "password-123",
        "partner_id": partner["id"],
    }
    await admin.ok("POST", "/api/v1/users", user, status=201)
    dealer = await admin.login(email, "password-123")
    (await dealer.get(PATH)).error(403)
    (await dealer.post(PATH, {"title": "x", "body": "x"})).error(403)
