"""Editing the client card and merging duplicates from it (issue #12): an agent changes the name, a tag and a field
inline (a refused value shows the API's error and keeps the form), a colleague with the same card open sees the new
name live; two clients sharing a phone produce a "Possible duplicates" entry, "Merge" (confirmed) leaves one client
whose timeline holds both clients' messages; a suggestion made while the card is open shows live, "Not the same
person" removes it."""

from __future__ import annotations

import itertools

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

_ids = itertools.count(1)


async def inbound(web_hub, text: str, **sender: str) -> dict:
    body = {"external_id": f"edit-{next(_ids)}", "sender": sender, "text": text}
    return await web_hub.api("POST", "/api/v1/inbound", body)


async def open_client(page, name: str) -> None:
    await page.click(f"#conversation-list >> text={name}")
    await page.wait_for_selector(f"#card-name:text-is('{name}')")


async def test_an_agent_edits_the_card_and_a_colleague_sees_it_live(web_hub, new_page, login):
    await inbound(web_hub, "Where is my order?", name="Olga Customer", email="olga@example.com")
    first, first_watch = await new_page()
    second, second_watch = await new_page()
    await login(first, "agent1@example.com")
    await login(second, "agent2@example.com")
    await open_client(first, "Olga Customer")
    await open_client(second, "Olga Customer")

    await first.click("#client-edit-start")
    await first.fill("#client-edit-name", "Olga Petrova")
    await first.fill("#client-edit-tags", "vip, " + "x" * 51)  # a tag over 50 characters is refused
    await first.click("#client-edit-add-field")
    await first.locator("#client-card .client-edit-key").last.fill("city")
    await first.locator("#client-card .client-edit-value").last.fill("Kazan")
    await first.click("#client-edit-save")
    error = first.locator("#client-edit-error")
    await error.wait_for()
    assert "50" in await error.inner_text()
    # the form keeps what was typed; nothing changed for the colleague
    assert await first.input_value("#client-edit-name") == "Olga Petrova"
    assert await second.locator("#card-name").inner_text() == "Olga Customer"

    # a colleague's change while the form is open is kept: the save sends only what this agent changed
    client_id = (await web_hub.api("GET", "/api/v1/clients?q=olga@example.com"))["items"][0]["id"]
    await web_hub.api("PATCH", f"/api/v1/clients/{client_id}", {"fields": {"source": "ads"}})
    await second.locator("#client-card dl.fields dd", has_text="ads").wait_for()
    await first.fill("#client-edit-tags", "vip")
    await first.click("#client-edit-save")
    await first.wait_for_selector("#card-name:text-is('Olga Petrova')")
    assert await first.locator("#client-edit").count() == 0
    await first.locator("#client-card .tag", has_text="vip").wait_for()
    await first.locator("#client-card dl.fields dd", has_text="Kazan").wait_for()
    await first.locator("#client-card dl.fields dd", has_text="ads").wait_for()

    # the colleague's open card follows (client:updated)
    await second.wait_for_selector("#card-name:text-is('Olga Petrova')")
    await second.locator("#client-card .tag", has_text="vip").wait_for()
    await second.locator("#client-card dl.fields dd", has_text="Kazan").wait_for()

    # cancel leaves the card as it was
    await first.click("#client-edit-start")
    await first.fill("#client-edit-name", "Someone Else")
    await first.click("#client-edit-cancel")
    assert await first.locator("#card-name").inner_text() == "Olga Petrova"

    # a colleague renames the client while this form is open; saving other changes keeps the colleague's name
    await first.click("#client-edit-start")
    await web_hub.api("PATCH", f"/api/v1/clients/{client_id}", {"name": "Olga P."})
    await second.wait_for_selector("#card-name:text-is('Olga P.')")
    await first.fill("#client-edit-tags", "vip, wholesale")
    await first.click("#client-edit-save")
    await first.locator("#client-card .tag", has_text="wholesale").wait_for()
    assert await first.locator("#card-name").inner_text() == "Olga P."
    first_watch.assert_clean(allow="HTTP 400")
    second_watch.assert_clean()


async def test_an_edited_number_or_yes_no_field_keeps_its_type(web_hub, new_page, login):
    sent = await inbound(web_hub, "Hi", name="Typed Fields", email="typed@example.com")
    client_id = sent["client_id"]
    await web_hub.api(
        "PATCH", f"/api/v1/clients/{client_id}", {"fields": {"orders": 3, "vip": False, "zip": "007"}}
    )
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await open_client(page, "Typed Fields")
    await page.click("#client-edit-start")
    values = page.locator("#client-card .client-edit-value")
    keys = page.locator("#client-card .client-edit-key")
    by_key = {await keys.nth(i).input_value(): values.nth(i) for i in range(await keys.count())}
    await by_key["orders"].fill("4")
    await by_key["vip"].fill("true")
    await by_key["zip"].fill("0070")
    await page.click("#client-edit-save")
    await page.locator("#client-card dl.fields dd", has_text="0070").wait_for()
    fields = (await web_hub.api("GET", f"/api/v1/clients/{client_id}"))["fields"]
    assert fields == {"orders": 4, "vip": True, "zip": "0070"}
    watch.assert_clean()


async def two_clients_sharing_a_phone(web_hub) -> tuple[dict, dict]:
    phone = "+7 903 555-01-02"
    by_email = await inbound(web_hub, "Hello from email", name="Ivan Email", email="ivan@example.com")
    by_phone = await inbound(web_hub, "Hello from phone", name="Ivan Phone", phone=phone)
    # one message naming both contacts: the hub never merges silently, it suggests
    await inbound(web_hub, "It is me again", name="Ivan Email", email="ivan@example.com", phone=phone)
    suggestions = (await web_hub.api("GET", "/api/v1/merge-suggestions"))["items"]
    assert [set(s["client_ids"]) for s in suggestions] == [{by_email["client_id"], by_phone["client_id"]}]
    return by_email, by_phone


async def test_merging_from_the_card_leaves_one_client_with_both_timelines(web_hub, new_page, login):
    by_email, by_phone = await two_clients_sharing_a_phone(web_hub)
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await open_client(page, "Ivan Email")

    duplicates = page.locator("#card-duplicates")
    item = duplicates.locator("li.duplicate", has_text="Ivan Phone")
    await item.wait_for()
    why = await item.locator(".duplicate-why").inner_text()
    assert "ivan@example.com" in why or "+79035550102" in why, why  # the contact both claim
    await item.locator("button", has_text="Merge").click()
    await item.locator("text=Merge Ivan Phone into this client?").wait_for()
    await item.locator("button", has_text="Yes, merge").click()

    # one client: the card has both contacts, the timeline both clients' messages, no duplicate left
    await page.locator("#client-card .identities li[data-kind=phone]").wait_for()
    await page.locator("#client-card .identities li[data-kind=email]").wait_for()
    for text in ("Hello from email", "Hello from phone", "It is me again"):
        await page.locator("#timeline", has_text=text).wait_for()
    assert await page.locator("#card-duplicates li.duplicate").count() == 0
    assert await page.locator("#card-name").inner_text() == "Ivan Email"

    kept = await web_hub.api("GET", f"/api/v1/clients/{by_email['client_id']}")
    assert {i["kind"] for i in kept["identities"]} == {"email", "phone"}
    found = await web_hub.api("GET", "/api/v1/clients?q=Ivan")
    assert [c["id"] for c in found["items"]] == [by_email["client_id"]]
    assert (await web_hub.api("GET", "/api/v1/merge-suggestions"))["items"] == []
    watch.assert_clean()


async def test_a_new_suggestion_shows_live_and_not_the_same_person_removes_it(web_hub, new_page, login):
    phone = "+7 903 555-03-04"
    await inbound(web_hub, "Hello from email", name="Ivan Email", email="ivan@example.com")
    await inbound(web_hub, "Hello from phone", name="Ivan Phone", phone=phone)
    page, watch = await new_page(locale="ru-RU")
    await login(page, "agent1@example.com")
    await open_client(page, "Ivan Email")

    # a message naming both contacts arrives while the card is open: the suggestion shows without a reload
    await inbound(web_hub, "It is me again", name="Ivan Email", email="ivan@example.com", phone=phone)
    item = page.locator("#card-duplicates li.duplicate", has_text="Ivan Phone")
    await page.locator("#card-duplicates h3", has_text="Возможные дубликаты").wait_for()
    await item.locator("button", has_text="Это разные люди").click()
    await page.locator("#card-duplicates").wait_for(state="hidden")
    assert (await web_hub.api("GET", "/api/v1/merge-suggestions"))["items"] == []
    assert (await web_hub.api("GET", "/api/v1/merge-suggestions?status=dismissed"))["items"] != []

    # both clients stay
    found = await web_hub.api("GET", "/api/v1/clients?q=Ivan")
    assert len(found["items"]) == 2
    watch.assert_clean()


async def test_a_field_being_edited_keeps_its_text_and_focus_when_the_customer_writes(
    web_hub, new_page, login
):
    """The customer's next message draws the card again (it reopens their conversation): the agent typing a field's
    value goes on where they were."""
    from playwright.async_api import expect

    message = await inbound(web_hub, "Hello", name="Pavel Customer", email="pavel@example.com")
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await open_client(page, "Pavel Customer")
    status = await web_hub.resolve_on_card(page, message["conversation_id"])
    await page.click("#client-edit-start")
    await page.click("#client-edit-add-field")
    await page.locator("#client-card .client-edit-key").last.fill("city")
    value = page.locator("#client-card .client-edit-value").last
    await value.click()
    await value.press_sequentially("Novosi")
    await inbound(web_hub, "Are you there?", name="Pavel Customer", email="pavel@example.com")
    await expect(status).to_have_text("Open")  # the card was drawn again
    await expect(value).to_be_focused()
    await value.press_sequentially("birsk")
    await expect(value).to_have_value("Novosibirsk")
    watch.assert_clean()


async def test_removing_a_field_row_leaves_the_next_row_as_it_was(web_hub, new_page, login):
    """The form draws itself from its draft: removing a row moves the next one up with its own (empty) value."""
    from playwright.async_api import expect

    await inbound(web_hub, "Hi", name="Rita Customer", email="rita@example.com")
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await open_client(page, "Rita Customer")
    await page.click("#client-edit-start")
    keys = page.locator("#client-card .client-edit-key")
    values = page.locator("#client-card .client-edit-value")
    before = await keys.count()
    await page.click("#client-edit-add-field")
    await keys.nth(before).fill("city")
    await values.nth(before).fill("Omsk")
    await page.click("#client-edit-add-field")
    await keys.nth(before + 1).fill("floor")
    await page.locator("#client-card .client-edit-remove").nth(before).click()
    await expect(keys).to_have_count(before + 1)
    await expect(keys.nth(before)).to_have_value("floor")
    await expect(values.nth(before)).to_have_value("")
    watch.assert_clean()
