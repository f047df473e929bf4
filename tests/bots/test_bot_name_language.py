"""The bot's name in the language it speaks: `bot_name: {en: ..., ru: ...}` (a plain string is one name for all),
stored on each message as its author, so the widget and the inbox show the name the customer's language has."""

from __future__ import annotations

from bot_helpers import FLOW, Chat, write_flow

from bots.loading import load_flow_file
from bots.summary import summarize

NAMED = FLOW.replace("bot_name: Testbot", "bot_name: {en: Assistant, ru: Помощник}")


async def test_the_bot_signs_in_the_language_it_speaks_and_follows_a_switch(hub, make_engine):
    engine = make_engine(NAMED)
    english, russian = Chat(hub, engine, user=1), Chat(hub, engine, user=2)
    [greeting] = await english.send("hi")
    assert (greeting.text, greeting.author.name) == ("Hello! Choose:", "Assistant")
    [greeting] = await russian.send("Привет")
    assert (greeting.text, greeting.author.name) == ("Здравствуйте! Выберите:", "Помощник")

    # the customer chooses English: the next messages are signed in English, the earlier ones keep their name
    [again] = await russian.send(button="lang.en")
    assert (again.text, again.author.name) == ("Hello! Choose:", "Assistant")


async def test_a_hand_off_note_is_signed_in_the_conversations_language(hub, make_engine):
    chat = Chat(hub, make_engine(NAMED))
    await chat.send("Здравствуйте")
    await chat.send("оператор")
    [note] = await chat.notes()
    assert note.author.name == "Помощник"


def test_a_plain_name_is_every_languages_name_and_bad_names_are_refused(tmp_path):
    plain, problems = load_flow_file(write_flow(tmp_path / "a", FLOW))
    assert plain is not None and not problems
    assert summarize(plain).bot_name == "Testbot"
    named, problems = load_flow_file(write_flow(tmp_path / "b", NAMED))
    assert named is not None and not problems
    assert summarize(named).bot_name == "Assistant / Помощник"
    for bad, reason in (
        ("bot_name: {de: Helfer}", "unknown language 'de'"),
        ("bot_name: {en: ''}", "the en text must be a non-empty string"),
        ("bot_name: " + "x" * 101, "at most 100 characters"),
    ):
        flow, problems = load_flow_file(write_flow(tmp_path / "c", FLOW.replace("bot_name: Testbot", bad)))
        assert flow is None and any(reason in p for p in problems), problems
