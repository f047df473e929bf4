"""Text matching: keywords with word endings, fuzzy FAQ lookup, Cyrillic detection; validators of answers."""

from __future__ import annotations

import pytest

from bots.answers import InvalidAnswer, check_answer
from bots.matching import MAX_CHARS, best_match, has_cyrillic, matches_any, tokens

HANDOFF = ["operator", "human", "agent", "live person", "оператор", "человек"]


@pytest.mark.parametrize(
    "text",
    [
        "operator",
        "Operator!",
        "I need an OPERATOR.",
        "humans please",
        "an agent's help",
        "a live person",
        "Позовите оператора",
        "хочу поговорить с человеком",
        "Оператор?",
    ],
)
def test_handoff_words_are_found_with_their_endings(text):
    assert matches_any(text, HANDOFF)


@pytest.mark.parametrize(
    "text",
    ["agent@example.com", "cooperation", "humanity", "agenda", "a person", "операция", "", "   "],
)
def test_other_words_are_not_handoff_words(text):
    assert not matches_any(text, HANDOFF)


def test_tokens_keep_emails_and_commands_whole():
    assert tokens("«Привет», /start a@b.ru!") == ["привет", "/start", "a@b.ru"]
    assert tokens("Ёжик") == ["ежик"]


FAQ = [
    ("price", ["price", "cost", "цена", "сколько стоит"], ["how much does it cost"]),
    ("delivery", ["delivery", "shipping", "доставка"], ["how long does delivery take"]),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what's the price", "price"),
        ("Цены?", "price"),
        ("А сколько стоит?", "price"),  # a phrase
        ("Доставкой в Казань", "delivery"),  # another ending
        ("price of shipping and delivery", "delivery"),  # two keywords beat one
        ("prise list", "price"),  # typo
        ("delivry", "delivery"),  # typo
        ("how much would it cost me", "price"),
        ("how long will the delivery take", "delivery"),
        ("hello there", None),
        ("", None),
    ],
)
def test_faq_lookup(text, expected):
    assert best_match(text, FAQ) == expected


def test_exact_keywords_beat_fuzzy_ones():
    candidates = [("fuzzy", ["pricing"], []), ("exact", ["prices"], [])]
    assert best_match("prices", candidates) == "exact"


def test_at_equal_keyword_counts_the_text_closer_to_an_example_question_wins_else_the_earlier_entry():
    candidates = [
        ("price", ["сколько стоит", "cost"], ["how much does it cost"]),
        ("delivery", ["доставка", "delivery"], ["сколько стоит доставка", "how much does delivery cost"]),
    ]
    assert best_match("Сколько стоит доставка?", candidates) == "delivery"  # one keyword each
    assert best_match("How much does delivery cost?", candidates) == "delivery"
    assert best_match("Сколько стоит?", candidates) == "price"
    assert best_match("how much does it cost", candidates) == "price"
    no_questions = [("first", ["доставка"], []), ("second", ["сколько стоит"], [])]
    assert best_match("Сколько стоит доставка?", no_questions) == "first"


def test_cyrillic_detection():
    assert has_cyrillic("hello мир")
    assert not has_cyrillic("hello world 123")


@pytest.mark.parametrize(
    ("validator", "text", "expected"),
    [
        ("name", "  Anna   Maria ", ("name", "Anna Maria")),
        ("name", "Иван", ("name", "Иван")),
        ("email", " Anna@Example.COM", ("email", "anna@example.com")),
        ("phone", "8 (916) 123-45-67", ("phone", "+79161234567")),
        ("contact", "anna@example.com", ("email", "anna@example.com")),
        ("contact", "+7 916 123 45 67", ("phone", "+79161234567")),
        ("text", " a  question ", ("text", "a question")),
    ],
)
def test_valid_answers_are_cleaned(validator, text, expected):
    assert check_answer(validator, text, "RU") == expected


@pytest.mark.parametrize(
    ("validator", "text"),
    [
        ("name", "A"),
        ("name", "12345"),
        ("name", "anna@example.com"),
        ("name", "my name is not really that long but it goes on"),
        ("email", "anna@"),
        ("phone", "12"),
        ("phone", "call me"),
        ("contact", "tomorrow"),
        ("text", "   "),
    ],
)
def test_invalid_answers_are_refused(validator, text):
    with pytest.raises(InvalidAnswer):
        check_answer(validator, text, "RU")


# --- bounded work: anyone can send a long message, and matching runs on the event loop ------------------------


def _long_text(chars: int) -> str:
    import random

    rng = random.Random(7)
    words, size = [], 0
    while size < chars:
        words.append("".join(rng.choice("abcdefghijklmnoprstuvwxyz") for _ in range(rng.randint(3, 10))))
        size += len(words[-1]) + 1
    return " ".join(words)[:chars]


@pytest.mark.parametrize("start", ["delivry please", "what's the price", "Цены?"])
def test_a_100kb_message_is_matched_fast_and_a_keyword_near_its_start_is_found(start):
    import time

    text = f"{start} {_long_text(100_000)}"
    began = time.perf_counter()
    found = best_match(text, FAQ)
    handoff = matches_any(text, HANDOFF)
    took = time.perf_counter() - began
    print(
        f"100 KB text matched in {took * 1000:.1f} ms"
    )  # ~1-2 ms here; difflib over every word took 1.3-6 s
    assert found == ("delivery" if start.startswith("delivry") else "price")
    assert not handoff
    # the work is bounded by what is read, not by what was sent: only the first MAX_CHARS characters count, so a
    # hand-off phrase beyond them is not seen, and the words looked at are those of the first MAX_CHARS
    assert not matches_any(f"{text} {HANDOFF[0]}", HANDOFF)
    assert tokens(text) == tokens(text[:MAX_CHARS])


def test_a_long_text_is_never_close_to_a_short_example_question():
    question_only = [("hours", [], ["when are you open"])]
    assert best_match("when are you open", question_only) == "hours"
    assert best_match("when are you opne", question_only) == "hours"  # a typo
    assert best_match("when are you open " + _long_text(3000), question_only) is None
