"""The language the customer's side shows (InboundMessage.language → entry meta "language": the web chat widget's,
Telegram's language_code) is the bot's language; a language button or typed Cyrillic decides over it, and the
conversation keeps what was decided (a hand-back to the bot greets in it)."""

from __future__ import annotations

import itertools

from bot_helpers import Chat

from hub.actions.conversations import update_conversation
from hub.actions.ingest import ingest
from hub.domain import Handler
from hub.inbound import InboundMessage

_ids = itertools.count(1)
HELLO = {"en": "Hello! Choose:", "ru": "Здравствуйте! Выберите:"}


class SpeakingChat(Chat):
    """A chat whose every message carries the language the customer's app shows."""

    language: str | None = None

    async def push(self, text: str = "", *, button: str | None = None) -> None:
        result = await ingest(
            self.hub,
            InboundMessage(
                channel=self.channel,
                provider_message_id=f"spoken-{next(_ids)}",
                thread_key=self.thread,
                identities=(self.identity,),
                text=text,
                button_id=button,
                language=self.language,
                occurred_at=self.hub.clock(),
            ),
        )
        self.conversation_id = result.entry.conversation_id


def speaking(hub, engine, language: str | None) -> SpeakingChat:
    chat = SpeakingChat(hub, engine)
    chat.language = language
    return chat


async def test_latin_text_from_a_russian_app_is_answered_in_russian(hub, engine):
    chat = speaking(hub, engine, "ru-RU")
    assert await chat.say("hi") == [HELLO["ru"]]
    assert await chat.say("menu??") == ["Не понял."]


async def test_an_unknown_language_leaves_the_flows_default(hub, engine):
    assert await speaking(hub, engine, "de").say("hi") == [HELLO["en"]]


async def test_typed_cyrillic_wins_over_an_english_app_and_sticks(hub, engine):
    chat = speaking(hub, engine, "en")
    assert await chat.say("Привет") == [HELLO["ru"]]
    assert await chat.say("what?") == ["Не понял."]  # Latin text from the English app: still Russian


async def test_a_language_button_wins_over_the_app(hub, engine):
    chat = speaking(hub, engine, "ru")
    assert await chat.say("hi") == [HELLO["ru"]]
    assert await chat.say(button="lang.en") == [HELLO["en"]]
    assert await chat.say("what?") == ["Sorry?"]


async def test_a_hand_back_to_the_bot_greets_in_the_remembered_language(hub, engine):
    chat = speaking(hub, engine, "ru")
    await chat.say("hi")
    await update_conversation(hub, None, chat.conversation_id, handler=Handler.human)
    await update_conversation(hub, None, chat.conversation_id, handler=Handler.bot)
    assert [r.text for r in await chat.new_replies()] == [HELLO["ru"]]


async def test_a_conversation_the_bot_never_had_is_greeted_in_the_customers_language(hub, make_engine):
    engine = make_engine()
    chat = speaking(hub, engine, "ru")
    # a conversation that started with people (here: taken over before the bot got a word in)
    bots_first = hub.initial_handler
    hub.initial_handler = lambda _channel: Handler.human
    await chat.push("hi, I need a person")
    hub.initial_handler = bots_first
    assert await chat.new_replies() == []
    await update_conversation(hub, None, chat.conversation_id, handler=Handler.bot)
    assert [r.text for r in await chat.new_replies()] == [HELLO["ru"]]
