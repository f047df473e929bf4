"""One language for the widget and the bot: the widget sends the language its labels are in (auth "lang", and each
message), the bot answers in it without the visitor typing Cyrillic; the hand-off note agents get is a code +
params, rendered in each reader's language. Real Socket.IO visitors against the whole hub with the shipped flow."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import eventually
from webchat_clients import VisitorClient

from bots.answers import HANDOFF_CODE, render_handoff_note

SHIPPED_FLOWS = Path(__file__).resolve().parents[2] / "config" / "bots"
GREETING = {
    "en": "Hello! I am the assistant. How can I help you?",
    "ru": "Здравствуйте! Я бот-помощник. Чем могу помочь?",
}


@pytest.fixture
def settings(settings):
    """The shipped default bot flow answers the web chat."""
    return settings.model_copy(update={"bots_dir": SHIPPED_FLOWS})


@pytest.fixture
async def widget(server):
    """widget(auth) → a connected visitor socket, opened with that auth (as widget.js does)."""
    opened: list[VisitorClient] = []

    async def _open(auth: dict | None) -> VisitorClient:
        client = VisitorClient()
        opened.append(client)
        await client.open(server.url, auth)
        await client.wait_for("session")
        return client

    yield _open
    for client in opened:
        await client.close()


def from_bot(message: dict) -> bool:
    return message["author"]["type"] == "bot"


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_the_bot_greets_in_the_language_the_widget_shows(widget, lang):
    visitor = await widget({"lang": lang})
    sent = await visitor.say("Hello")  # Latin letters: nothing in the text says Russian
    assert sent["ok"], sent
    greeting = await visitor.wait_for("message", from_bot)
    assert greeting["text"] == GREETING[lang]
    buttons = [b["text"] for row in greeting["buttons"] for b in row]
    assert ("Поддержка" in buttons) is (lang == "ru")


async def test_the_language_sent_with_a_message_counts_as_well(widget):
    visitor = await widget(None)  # an older page: no lang in the auth
    await visitor.say("Hi", lang="ru-RU")
    greeting = await visitor.wait_for("message", from_bot)
    assert greeting["text"] == GREETING["ru"]


async def test_cyrillic_still_wins_over_an_english_widget(widget):
    visitor = await widget({"lang": "en"})
    await visitor.say("Здравствуйте")
    greeting = await visitor.wait_for("message", from_bot)
    assert greeting["text"] == GREETING["ru"]


async def test_the_bots_messages_tell_the_widget_the_language_it_speaks_now(widget):
    """The widget's labels follow the conversation: each bot message says the language the bot speaks, so a
    language button (or typed Cyrillic) switches the widget too, live and in the history."""
    visitor = await widget({"lang": "en"})
    await visitor.say("Hello")
    greeting = await visitor.wait_for("message", from_bot)
    assert greeting["text"] == GREETING["en"] and greeting["lang"] == "en"
    buttons = {b["id"]: b["text"] for row in greeting["buttons"] for b in row}
    # the page is still English (it sends "en"): the button decides
    await visitor.say(buttons["lang.ru"], button_id="lang.ru", lang="en")
    switched = await visitor.wait_for("message", lambda m: from_bot(m) and m["id"] != greeting["id"])
    assert switched["lang"] == "ru" and switched["text"] == GREETING["ru"]
    shown = {m["id"]: m["lang"] for m in await visitor.history() if from_bot(m)}
    assert shown == {greeting["id"]: "en", switched["id"]: "ru"}


async def test_typed_cyrillic_tells_an_english_widget_to_switch(widget):
    visitor = await widget({"lang": "en"})
    await visitor.say("Добрый день")
    greeting = await visitor.wait_for("message", from_bot)
    assert greeting["lang"] == "ru"


async def test_the_hand_off_note_is_a_code_each_reader_sees_in_their_language(server, widget, admin_headers):
    visitor = await widget({"lang": "ru"})
    sent = await visitor.say("Hello")
    await visitor.wait_for("message", from_bot)
    await visitor.say("operator")
    said = await visitor.wait_for("message", lambda m: from_bot(m) and m["text"] != GREETING["ru"])
    assert said["text"].startswith("Соединяю с оператором")
    entry = await server.hub.store.timeline.get(sent["entry_id"])
    url = f"{server.url}/api/v1/conversations/{entry.conversation_id}/timeline"

    async def bot_notes() -> list[dict] | None:
        # the bot says it hands off, then hands off and leaves the note: the note may come a moment later
        async with server.http.get(url, headers=admin_headers) as r:
            assert r.status == 200, await r.text()
            items = (await r.json())["items"]
        return [e for e in items if e["kind"] == "note" and e["author"]["type"] == "bot"] or None

    [note] = await eventually(bot_notes, what="the bot's hand-off note")
    assert note["meta"]["code"] == HANDOFF_CODE and note["meta"]["system"] is True
    params = note["meta"]["params"]
    assert params["reason"] == "keyword" and params["quote"] == "operator"
    assert render_handoff_note(params, "en").startswith(
        "Bot handoff: the customer asked for a person (“operator”)."
    )
    assert render_handoff_note(params, "ru").startswith(
        "Бот передал разговор: клиент попросил человека («operator»)."
    )
    # the stored text is one rendering (HUB_LANGUAGE, English here) for search and notifications
    assert note["text"] == render_handoff_note(params, "en")


def test_the_inbox_renders_the_hand_off_note_with_the_same_texts():
    """static/inbox/format.js renders the note from static/i18n.json "system.bot.*": the same texts as Python's."""
    import json

    from bots.answers import NOTE_TEXTS

    texts = json.loads((Path(__file__).resolve().parents[2] / "static" / "i18n.json").read_text("utf-8"))
    reasons = {"keyword", "button", "rule", "state", "capture", "misses"}
    for key, by_lang in NOTE_TEXTS.items():
        name = f"system.bot.reason.{key}" if key in reasons else f"system.bot.{key}"
        for lang in ("en", "ru"):
            assert texts[lang][name] == by_lang[lang], (name, lang)
