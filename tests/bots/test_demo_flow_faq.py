"""The shipped demo flow (config/bots/default.yaml) answers a tea shop's questions with the right FAQ entry: the
best one, not the first whose keyword is found ("Сколько стоит доставка?" is about delivery, not prices)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bot_helpers import Chat

DEFAULT_FLOW = (Path(__file__).resolve().parents[2] / "config" / "bots" / "default.yaml").read_text(
    encoding="utf-8"
)

DELIVERY = {"en": "We deliver in 1–3 business days", "ru": "Доставляем за 1–3 рабочих дня"}
PRICES = {"en": "Tea starts at 450 ₽", "ru": "Чай — от 450 ₽"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Сколько стоит доставка?", DELIVERY["ru"]),
        ("Сколько стоит доставка в Казань?", DELIVERY["ru"]),
        ("Какая стоимость доставки?", DELIVERY["ru"]),
        ("Доставляете в Казань? Какая доставка?", DELIVERY["ru"]),
        ("How much does delivery cost?", DELIVERY["en"]),
        ("What is the shipping price?", DELIVERY["en"]),
        ("How much is shipping?", DELIVERY["en"]),
        ("Сколько стоит?", PRICES["ru"]),
        ("Сколько стоит зелёный чай?", PRICES["ru"]),
        ("Какие у вас цены?", PRICES["ru"]),
        ("How much does it cost?", PRICES["en"]),
        ("What are your prices?", PRICES["en"]),
        ("Когда вы работаете?", "Мы работаем с понедельника по пятницу"),
    ],
)
async def test_the_demo_bot_answers_delivery_and_price_questions_with_their_own_answer(
    hub, make_engine, question, expected
):
    chat = Chat(hub, make_engine(DEFAULT_FLOW))
    await chat.send("/start")
    await chat.send(button="support")
    replies = await chat.say(question)
    assert len(replies) == 1 and replies[0].startswith(expected), replies


def test_the_demo_answers_are_in_roubles_in_both_languages():
    import yaml

    for entry in yaml.safe_load(DEFAULT_FLOW)["faq"]:
        en, ru = entry["answer"]["en"], entry["answer"]["ru"]
        assert "$" not in en and "$" not in ru
        assert [w for w in en.split() if w[:1].isdigit()] == [w for w in ru.split() if w[:1].isdigit()], entry
