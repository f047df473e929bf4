"""Text matching for the bot engine: normalization, keyword phrases (tolerant of simple word endings), fuzzy FAQ
lookup with difflib, Cyrillic detection. Pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import TypeVar

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_EDGE_PUNCT = ".,!?;:…\"'«»„“”()[]{}<>*_~`|—–-"
_RU_VOWEL_END = re.compile(r"[аеёиоуыэюяйь]+$")

# a word matches a keyword with these endings (English plurals); Russian keywords allow any ending of <= 3 letters
_EN_ENDINGS = ("", "s", "es", "'s")
_RU_MAX_ENDING = 3

# fuzzy thresholds (difflib ratios, 0..1)
WORD_CUTOFF = 0.8
QUESTION_CUTOFF = 0.72

T = TypeVar("T")


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def tokens(text: str) -> list[str]:
    """Lower-case words with punctuation stripped at their edges ('Оператор!' -> 'оператор'); an email or a
    '/command' stays one word."""
    out = []
    for raw in text.lower().replace("ё", "е").split():
        word = raw.strip(_EDGE_PUNCT)
        if word:
            out.append(word)
    return out


def normalize(text: str) -> str:
    return " ".join(tokens(text))


def _word_matches(word: str, keyword: str) -> bool:
    if word == keyword:
        return True
    if has_cyrillic(keyword):
        stem = _RU_VOWEL_END.sub("", keyword)
        if len(stem) < 3:
            stem = keyword
        return word.startswith(stem) and len(word) - len(stem) <= _RU_MAX_ENDING
    return any(word == keyword + ending for ending in _EN_ENDINGS)


def phrase_in(words: Sequence[str], phrase: str) -> bool:
    """Whether the keyword phrase occurs in `words` as consecutive words (each allowing a simple ending)."""
    wanted = tokens(phrase)
    n = len(wanted)
    if not n:
        return False
    return any(
        all(_word_matches(words[i + j], wanted[j]) for j in range(n)) for i in range(len(words) - n + 1)
    )


def matches_any(text: str, phrases: Sequence[str]) -> bool:
    words = tokens(text)
    return any(phrase_in(words, phrase) for phrase in phrases)


def _fuzzy_word_score(words: Sequence[str], keywords: Sequence[str]) -> float:
    best = 0.0
    for keyword in keywords:
        kw = normalize(keyword)
        if " " in kw or len(kw) < 4:
            continue
        for word in words:
            if len(word) < 4:
                continue
            ratio = SequenceMatcher(None, word, kw).ratio()
            if ratio >= WORD_CUTOFF and ratio > best:
                best = ratio
    return best


def _question_score(text: str, questions: Sequence[str]) -> float:
    best = 0.0
    for question in questions:
        ratio = SequenceMatcher(None, text, normalize(question)).ratio()
        if ratio >= QUESTION_CUTOFF and ratio > best:
            best = ratio
    return best


def best_match(text: str, candidates: Sequence[tuple[T, Sequence[str], Sequence[str]]]) -> T | None:
    """The candidate (item, keywords, example questions) the text is about, or None.

    Exact keyword phrases win (the most phrases found); else the best fuzzy score: a word close to a one-word
    keyword (typos: 'delivry'), or the whole text close to an example question."""
    words = tokens(text)
    if not words:
        return None
    exact: tuple[int, T | None] = (0, None)
    fuzzy: tuple[float, T | None] = (0.0, None)
    norm = " ".join(words)
    for item, keywords, questions in candidates:
        hits = sum(1 for kw in keywords if phrase_in(words, kw))
        if hits > exact[0]:
            exact = (hits, item)
        if exact[0] == 0:
            score = max(_fuzzy_word_score(words, keywords), _question_score(norm, questions))
            if score > fuzzy[0]:
                fuzzy = (score, item)
    return exact[1] if exact[0] else fuzzy[1]
