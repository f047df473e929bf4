"""The flow engine on a real hub (every test runs on sqlite and mongo): branching, capture, FAQ, handoff, language,
business hours, hand back. Customers talk through hub.actions.ingest like a connector would."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from bot_helpers import FLOW, SATURDAY_NOON_MSK, Chat, button_ids, button_texts

from hub.access import SYSTEM
from hub.actions.conversations import update_conversation
from hub.actions.ingest import ingest
from hub.actions.messages import send_reply
from hub.actions.staff import create_department, create_user
from hub.domain import AuthorType, ConversationStatus, Direction, EntryKind, Handler, IdentityKind, Role
from hub.events import ConversationUpdated, UserMentioned
from hub.identities import make_identity
from hub.inbound import InboundMessage
from hub.queries import tasks as task_queries


class ConnectedSender:
    """The chat's channel is connected (nothing is delivered in these tests: no worker runs)."""

    channel = "telegram"

    async def send(self, message) -> None:
        return None


async def departments(hub, *names):
    return {name: await create_department(hub, name) for name in names}


# --- the start, buttons, text -------------------------------------------------------------------------------------


async def test_a_first_message_starts_the_flow_with_a_bot_message_and_buttons(hub, chat):
    await chat.push("hi")
    assert await chat.new_entries() == []  # ingest does not wait for the bot
    replies = await chat.new_replies()

    assert len(replies) == 1
    greeting = replies[0]
    assert greeting.text == "Hello! Choose:"
    assert greeting.author.type == AuthorType.bot
    assert greeting.author.name == "Testbot"
    assert greeting.direction == Direction.outbound
    assert button_ids(greeting) == [["sales", "support"], ["human"], ["lang.ru", "lang.en"]]
    assert button_texts(greeting)[0] == ["Sales", "Support"]
    conversation = await chat.conversation()
    assert conversation.handler == Handler.bot
    assert conversation.bot_state["state"] == "menu"


async def test_a_pressed_button_goes_to_its_state(chat):
    await chat.send("hi")
    assert await chat.say(button="sales") == ["Your name?"]
    assert (await chat.conversation()).bot_state["state"] == "ask_name"


async def test_a_button_of_an_older_message_still_works(chat):
    await chat.send("hi")
    await chat.send(button="sales")
    # still in ask_name, the customer presses "Support" on the greeting's keyboard
    assert await chat.say(button="support") == ["Ask away."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Support", "Ask away."), ("sales!", "Your name?"), ("I want to buy one", "Your name?")],
)
async def test_typed_text_branches_like_a_button_or_a_rule(chat, text, expected):
    await chat.send("hi")
    assert await chat.say(text) == [expected]


async def test_a_restart_word_goes_back_to_the_start(chat):
    await chat.send("hi")
    await chat.send(button="support")
    assert await chat.say("/start") == ["Hello! Choose:"]
    assert (await chat.conversation()).bot_state["state"] == "menu"


async def test_not_understood_says_the_fallback_then_hands_off(hub, chat):
    await departments(hub, "Support")
    await chat.send("hi")
    assert await chat.say("qwerty") == ["Sorry?"]
    assert await chat.say("zxcvb") == ["Sorry?"]
    assert await chat.say("asdfg") == ["Connecting you."]
    conversation = await chat.conversation()
    assert conversation.handler == Handler.human
    assert "did not understand 3 messages" in (await chat.notes())[-1].text


# --- capture ------------------------------------------------------------------------------------------------------


async def test_lead_capture_re_asks_on_invalid_answers_and_writes_the_client(hub, chat):
    deps = await departments(hub, "Sales", "Support")
    await chat.send("hi")
    await chat.send(button="sales")

    assert await chat.say("12345") == ["Name, please."]
    assert (await chat.conversation()).bot_state["retries"] == 1
    assert await chat.say("Anna") == ["Thanks, Anna! Your email?"]
    assert await chat.say("not an email") == ["Bad email."]
    assert await chat.say("  Anna@Example.COM ") == ["Got it, Anna (anna@example.com)."]

    conversation = await chat.conversation()
    client = await hub.store.clients.get(conversation.client_id)
    assert client.name == "Anna"
    assert client.fields == {"email": "anna@example.com", "source": "bot"}
    assert client.tags == ["lead"]
    assert conversation.handler == Handler.human
    assert conversation.department_id == deps["Sales"].id
    note = (await chat.notes())[-1]
    assert "the flow reached “done”" in note.text
    assert "email anna@example.com" in note.text
    # the flow's task: for Sales, on this conversation, due in 30 minutes, in the staff's language
    [task] = await task_queries.open_tasks_of_client(hub, SYSTEM, client.id)
    assert (task.title, task.department_id, task.conversation_id) == (
        "Call Anna back",
        deps["Sales"].id,
        conversation.id,
    )
    assert task.priority.value == "high" and task.due_at == hub.clock() + timedelta(minutes=30)


async def test_a_capture_that_keeps_failing_follows_on_fail(chat):
    await chat.send("hi")
    await chat.send(button="sales")
    await chat.send("Anna")
    assert await chat.say("nope") == ["Bad email."]
    assert await chat.say("still nope") == ["Hello! Choose:"]
    assert (await chat.conversation()).bot_state["state"] == "menu"


async def test_a_capture_that_keeps_failing_without_on_fail_hands_off(hub, chat):
    await departments(hub, "Support")
    await chat.send("hi")
    await chat.send(button="sales")
    assert await chat.say("1") == ["Name, please."]
    assert await chat.say("2") == ["Connecting you."]
    assert (await chat.conversation()).handler == Handler.human
    assert "no valid name after 2 tries" in (await chat.notes())[-1].text


async def test_phone_and_contact_captures_normalize_the_number(hub, make_engine, clock):
    engine = make_engine(
        """
        channels: [telegram]
        start: contact
        states:
          contact:
            say: Email or phone?
            capture: {validate: contact, goto: phone}
          phone:
            say: Another phone?
            capture: {validate: phone, field: work_phone, goto: done}
          done: {say: "Thanks: {phone}, {work_phone}."}
        """
    )
    chat = Chat(hub, engine)
    await chat.send("hi")
    assert await chat.say("8 (916) 123-45-67") == ["Another phone?"]
    assert await chat.say("+44 20 7946 0958") == ["Thanks: +79161234567, +442079460958."]
    client = await hub.store.clients.get((await chat.conversation()).client_id)
    assert client.fields == {"phone": "+79161234567", "work_phone": "+442079460958"}
    # the numbers are the client's identities: writing later from one of them reaches the same client
    assert {(i.kind.value, i.value) for i in client.identities} >= {
        ("phone", "+79161234567"),
        ("phone", "+442079460958"),
    }
    later = await ingest(
        hub,
        InboundMessage(
            channel="api",
            provider_message_id="later-sms",
            thread_key="sms",
            identities=(make_identity(IdentityKind.phone, "+7 916 123-45-67"),),
            text="it's me again",
        ),
    )
    assert later.entry.client_id == client.id


async def test_a_captured_contact_of_another_client_becomes_a_merge_suggestion(hub, make_engine):
    owner = await ingest(
        hub,
        InboundMessage(
            channel="api",
            provider_message_id="owner-1",
            thread_key="t",
            identities=(make_identity(IdentityKind.email, "owner@example.com"),),
            text="hello",
        ),
    )
    engine = make_engine(
        """
        channels: [telegram]
        start: contact
        states:
          contact:
            say: Your email?
            capture: {validate: email, goto: done}
          done: {say: "Thanks."}
        """
    )
    chat = Chat(hub, engine)
    await chat.send("hi")
    assert await chat.say("owner@example.com") == ["Thanks."]
    visitor = (await chat.conversation()).client_id
    assert visitor != owner.entry.client_id
    [suggestion] = await hub.store.merges.list()
    assert set(suggestion.client_ids) == {visitor, owner.entry.client_id}


# --- FAQ ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("What is the price?", "Prices start at $10."),  # keyword
        ("delivry time?", "Delivery takes 2 days."),  # a typo: fuzzy keyword
        ("how much does this cost", "Prices start at $10."),  # close to an example question
    ],
)
async def test_faq_answers_by_keyword_and_fuzzily_and_keeps_the_state_buttons(chat, question, answer):
    await chat.send("hi")
    await chat.send(button="support")
    replies = await chat.send(question)
    assert [r.text for r in replies] == [answer]
    assert button_ids(replies[0]) == [["menu"]]
    assert (await chat.conversation()).bot_state["state"] == "support"


async def test_a_first_message_with_a_question_gets_the_greeting_and_the_answer(chat):
    assert await chat.say("Сколько доставка?") == ["Здравствуйте! Выберите:", "Доставка 2 дня."]


async def test_faq_is_off_in_states_that_say_so(hub, make_engine):
    engine = make_engine(
        FLOW.replace(
            '    say: {en: "Ask away.", ru: "Спрашивайте."}',
            '    say: {en: "Ask away.", ru: "Спрашивайте."}\n    faq: false',
        )
    )
    chat = Chat(hub, engine)
    await chat.send("hi")
    await chat.send(button="support")
    assert await chat.say("What is the price?") == ["Sorry?"]


# --- handoff ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["operator please", "HUMAN!", "Позовите оператора", "нужен живой человек"])
@pytest.mark.parametrize("where", ["menu", "ask_name", "support"])
async def test_handoff_words_hand_off_from_any_state(hub, chat, words, where):
    deps = await departments(hub, "Support")
    await chat.send("hello")
    if where != "menu":
        await chat.send(button="sales" if where == "ask_name" else "support")
    assert (await chat.conversation()).bot_state["state"] == where
    hub.recorded.clear()

    replies = await chat.send(words)

    assert [r.text for r in replies] in (["Connecting you."], ["Соединяю."])
    conversation = await chat.conversation()
    assert conversation.handler == Handler.human
    assert conversation.status == ConversationStatus.open
    assert conversation.department_id == deps["Support"].id
    updates = hub.recorded.of(ConversationUpdated)
    assert [u.changes["handler"] for u in updates] == [(Handler.bot, Handler.human)]
    assert updates[0].changes["department_id"] == (None, deps["Support"].id)
    assert updates[0].actor_id is None
    note = (await chat.notes())[-1]
    assert note.author.type == AuthorType.bot
    assert "asked for a person" in note.text


async def test_the_talk_to_a_person_button_hands_off(hub, chat):
    deps = await departments(hub, "Support")
    await chat.send("hi")
    await chat.send(button="sales")
    assert await chat.say(button="human") == ["Connecting you."]
    conversation = await chat.conversation()
    assert (conversation.handler, conversation.department_id) == (Handler.human, deps["Support"].id)
    assert "pressed “Talk to a person”" in (await chat.notes())[-1].text


async def test_the_bot_is_silent_after_a_handoff_and_restarts_when_handed_back(hub, chat):
    await departments(hub, "Support")
    await chat.send("hi")
    await chat.send(button="sales")
    await chat.send("Anna")
    await chat.send("оператор")
    assert (await chat.conversation()).handler == Handler.human

    assert await chat.say("hello? anyone?") == []
    assert await chat.say(button="sales") == []
    agent = await create_user(
        hub, email="a@example.com", name="Agent", role=Role.admin, password="password-123"
    )
    hub.channels.register(ConnectedSender())  # a person's reply needs a connected channel
    await send_reply(hub, agent, chat.conversation_id, "Hi, Agent here")
    assert [e.author.type for e in await chat.new_replies()] == [AuthorType.user]

    await update_conversation(hub, agent, chat.conversation_id, handler=Handler.bot)
    replies = await chat.new_replies()
    assert [r.text for r in replies] == ["Здравствуйте! Выберите:"]  # the customer wrote Russian
    state = (await chat.conversation()).bot_state
    assert state["state"] == "menu"
    assert state["data"] == {}
    assert "handoff" not in state
    assert await chat.say("поддержка") == ["Спрашивайте."]


async def test_a_missing_department_leaves_the_conversation_unrouted(hub, chat, caplog):
    await chat.send("hi")
    with caplog.at_level(logging.WARNING, logger="bots.engine"):
        await chat.send("operator")
    conversation = await chat.conversation()
    assert conversation.handler == Handler.human
    assert conversation.department_id is None
    assert "no department named 'Support'" in caplog.text
    assert "No department named “Support”" in (await chat.notes())[-1].text


async def test_conversations_on_channels_without_a_flow_are_left_to_humans(hub, engine):
    chat = Chat(hub, engine, channel="webchat")
    assert await chat.say("hi") == []
    assert (await chat.conversation()).handler == Handler.human


async def test_the_bot_ignores_outgoing_messages_and_notes(hub, chat):
    await chat.send("hi")
    agent = await create_user(
        hub, email="a@example.com", name="Agent", role=Role.admin, password="password-123"
    )
    hub.channels.register(ConnectedSender())  # a person's reply needs a connected channel
    await send_reply(hub, agent, chat.conversation_id, "operator")
    from hub.actions.messages import add_note

    await add_note(hub, agent, conversation_id=chat.conversation_id, text="operator")
    entries = await chat.new_replies()
    assert [(e.author.type, e.text) for e in entries] == [(AuthorType.user, "operator")]
    assert (await chat.conversation()).handler == Handler.bot


async def test_one_conversation_is_answered_in_order(hub, chat, monkeypatch):
    # the bot is slow: three messages arrive while it answers the first; each must see the state the previous
    # one left (a lock per conversation)
    import bots.engine

    real_send_reply = bots.engine.send_reply

    async def slow_send_reply(*args, **kwargs):
        await asyncio.sleep(0.02)
        return await real_send_reply(*args, **kwargs)

    monkeypatch.setattr(bots.engine, "send_reply", slow_send_reply)
    await chat.push("hi")
    await chat.push(button="sales")
    await chat.push("Anna")
    replies = await chat.new_replies()
    assert [r.text for r in replies] == ["Hello! Choose:", "Your name?", "Thanks, Anna! Your email?"]


async def test_many_conversations_are_answered_concurrently(hub, engine):
    chats = [Chat(hub, engine, user=200 + i) for i in range(5)]
    await asyncio.gather(*(c.push("hi") for c in chats))
    for c in chats:
        assert [r.text for r in await c.new_replies()] == ["Hello! Choose:"]


# --- language -----------------------------------------------------------------------------------------------------


async def test_cyrillic_switches_to_russian(chat):
    replies = await chat.send("Здравствуйте")
    assert [r.text for r in replies] == ["Здравствуйте! Выберите:"]
    assert button_texts(replies[0])[0] == ["Продажи", "Поддержка"]
    assert (await chat.conversation()).bot_state["lang"] == "ru"


async def test_a_language_button_re_says_the_state_and_sticks(chat):
    await chat.send("hi")
    assert await chat.say(button="lang.ru") == ["Здравствуйте! Выберите:"]
    assert await chat.say(button="lang.en") == ["Hello! Choose:"]
    # chosen with a button: Cyrillic text does not switch it back
    await chat.send(button="support")
    assert await chat.say("цена?") == ["Prices start at $10."]


async def test_the_default_language_comes_from_the_settings(hub, tmp_path, make_engine):
    from bot_helpers import bot_settings

    hub.settings = bot_settings(tmp_path, language="ru")
    chat = Chat(hub, make_engine())
    assert await chat.say("/start") == ["Здравствуйте! Выберите:"]


# --- business hours -----------------------------------------------------------------------------------------------

HOURS = """
business_hours:
  timezone: Europe/Moscow
  weekly: {mon: "09:00-18:00", tue: "09:00-18:00", wed: "09:00-18:00", thu: "09:00-18:00", fri: "09:00-13:00"}
  closed_say: "Closed now; hours: {hours}."
  callback_note: "Customer: {name}."
"""


async def test_handoff_when_closed_says_so_and_leaves_the_department_a_callback_note(hub, make_engine, clock):
    deps = await departments(hub, "Support")
    agent = await create_user(
        hub,
        email="s@example.com",
        name="Sam",
        role=Role.agent,
        password="password-123",
        department_ids=[deps["Support"].id],
    )
    chat = Chat(hub, make_engine(FLOW + HOURS))
    clock.now = SATURDAY_NOON_MSK
    await chat.send("hi")
    hub.recorded.clear()

    assert await chat.say("operator") == [
        "Closed now; hours: mon-thu 09:00-18:00; fri 09:00-13:00 (Europe/Moscow)."
    ]

    conversation = await chat.conversation()
    assert (conversation.handler, conversation.department_id) == (Handler.human, deps["Support"].id)
    note = (await chat.notes())[-1]
    assert note.kind == EntryKind.note and note.direction == Direction.internal
    assert "@support" in note.text and "Sat 12:00 Europe/Moscow" in note.text
    assert "Customer: Customer." in note.text
    assert [m.user.id for m in hub.recorded.of(UserMentioned)] == [agent.id]


async def test_handoff_in_business_hours_is_the_usual_one(hub, make_engine, clock):
    await departments(hub, "Support")
    chat = Chat(hub, make_engine(FLOW + HOURS))
    await chat.send("hi")  # Monday 10:00 in Moscow
    hub.recorded.clear()
    assert await chat.say("operator") == ["Connecting you."]
    assert "@" not in (await chat.notes())[-1].text
    assert hub.recorded.of(UserMentioned) == []


async def test_without_business_hours_it_is_always_open(hub, chat, clock):
    clock.now = SATURDAY_NOON_MSK
    await chat.send("hi")
    assert await chat.say("operator") == ["Connecting you."]
