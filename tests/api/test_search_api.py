"""GET /api/v1/search over real HTTP on both stores: stemmed RU/EN text, phones in any format, the access policy
(department visibility, partners, internal notes), bad input and limits."""

from __future__ import annotations

import pytest
from api_helpers import PASSWORD, Api, api_settings, new_department, new_user, push, unique

from hub.config import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    # department visibility: an agent sees a client only through a conversation they may see
    return api_settings(tmp_path, client_visibility="department")


async def search(api: Api, q: str, **params: str) -> dict:
    return await api.ok("GET", "/api/v1/search", params={"q": q, **params})


def texts(result: dict) -> list[str]:
    return [hit["entry"]["text"] for hit in result["entries"]]


def marked(hit: dict) -> list[str]:
    return [s["text"] for s in hit["snippet"] if s["mark"]]


async def partner_user(admin: Api) -> tuple[Api, dict]:
    partner = await admin.ok("POST", "/api/v1/partners", {"name": unique("Dealer")}, status=201)
    email = f"{unique('dealer')}@example.com"
    body = {
        "email": email,
        "name": "Dealer",
        "role": "partner",
        "password": PASSWORD,
        "partner_id": partner["id"],
    }
    await admin.ok("POST", "/api/v1/users", body, status=201)
    return await admin.login(email, PASSWORD), partner


async def test_words_find_their_other_forms_with_the_match_marked(admin):
    sent = await push(admin, name="Olga Smirnova", text="Добрый день! Пришлите, пожалуйста, счёт за март.")
    await push(admin, name="John Doe", text="Where is my order #1042?")

    found = await search(admin, "счета")
    assert texts(found) == ["Добрый день! Пришлите, пожалуйста, счёт за март."]
    hit = found["entries"][0]
    assert marked(hit) == ["счёт"]
    assert "".join(s["text"] for s in hit["snippet"]) == hit["entry"]["text"]
    assert hit["conversation"]["id"] == sent["conversation_id"]
    assert hit["client"] == {"id": sent["client_id"], "name": "Olga Smirnova"}

    assert texts(await search(admin, "orders")) == ["Where is my order #1042?"]
    assert texts(await search(admin, "ORD")) == ["Where is my order #1042?"]  # the last word is a prefix
    assert texts(await search(admin, "invoice")) == []


async def test_a_phone_in_any_format_or_an_email_finds_the_client(admin):
    email = f"{unique('anna')}@example.com"
    sent = await push(admin, name="Anna Karenina", phone="+79161234567", text="hi")
    await admin.ok(
        "POST",
        "/api/v1/inbound",
        {"external_id": unique("m"), "sender": {"name": "Anna Karenina", "email": email}, "text": "hello"},
        status=201,
    )
    for q in ("8 (916) 123-45-67", "+7 916 123 45 67", "79161234567", "8-916-123"):
        assert sent["client_id"] in [c["id"] for c in (await search(admin, q))["clients"]], q
    assert [c["name"] for c in (await search(admin, email))["clients"]] == ["Anna Karenina"]
    assert "Anna Karenina" in [c["name"] for c in (await search(admin, "karen"))["clients"]]


async def test_what_a_reader_may_not_see_is_never_found(admin):
    sales, support = (
        await new_department(admin, unique("Sales")),
        await new_department(admin, unique("Support")),
    )
    word = unique("контракт").replace("-", "")
    in_sales = await push(admin, name="Sales Client", text=f"{word} на поставку, только для продаж")
    in_support = await push(admin, name="Support Client", text=f"{word}: вопрос поддержки")
    for sent, department in ((in_sales, sales), (in_support, support)):
        path = f"/api/v1/conversations/{sent['conversation_id']}"
        await admin.ok("PATCH", path, {"department_id": department["id"]})
    note_path = f"/api/v1/conversations/{in_support['conversation_id']}/notes"
    await admin.ok("POST", note_path, {"text": f"{word} внутренняя заметка"}, status=201)

    # the barrier: everything is indexed, the admin finds all three
    assert sorted(texts(await search(admin, word))) == sorted(
        [f"{word} на поставку, только для продаж", f"{word}: вопрос поддержки", f"{word} внутренняя заметка"]
    )
    agent = await new_user(admin, "agent", [support["id"]])
    seen = await search(agent, word)
    assert sorted(texts(seen)) == [f"{word} внутренняя заметка", f"{word}: вопрос поддержки"]
    assert [c["id"] for c in (await search(agent, "Sales Client"))["clients"]] == []
    assert in_support["client_id"] in [c["id"] for c in (await search(agent, "Support Client"))["clients"]]
    # one result only: the hidden Sales entries do not take places in the page
    assert texts(await search(agent, word, limit="1")) == [f"{word} внутренняя заметка"]

    dealer, partner = await partner_user(admin)
    assert await search(dealer, word) == {"clients": [], "entries": []}
    grants = f"/api/v1/partners/{partner['id']}/grants"
    await admin.ok("POST", grants, {"client_id": in_support["client_id"]}, status=201)
    assert texts(await search(dealer, word)) == [f"{word}: вопрос поддержки"]  # never the internal note
    assert [c["id"] for c in (await search(dealer, "Client"))["clients"]] == [in_support["client_id"]]


async def test_bad_queries_get_a_clear_400(admin):
    for params in (
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 201},
        {"q": "a", "limit": "0"},
        {"q": "a", "limit": "51"},
    ):
        (await admin.get("/api/v1/search", params=params)).error(400, "invalid")
    assert (
        await admin.get("/api/v1/search", params={"q": "?!"})
    ).status == 200  # no words: nothing, no error


async def test_entries_come_newest_first_up_to_the_limit(admin):
    word = "zq" + unique("w").replace("-", "")[-8:]
    for n in ("one", "two", "three"):
        await push(admin, name="Many", text=f"{word} {n}")
    assert texts(await search(admin, word, limit="2")) == [f"{word} three", f"{word} two"]
    assert len((await search(admin, word))["entries"]) == 3
