"""Text matching for the bot engine: normalization, keyword phrases (tolerant of simple word endings), fuzzy FAQ
lookup (rapidfuzz), Cyrillic detection. Pure functions, no I/O.

It runs on the event loop for every message a bot answers, and anyone can send a message: the work is bounded.
Only the first MAX_CHARS characters are read (more than any channel lets a customer send at once), the fuzzy
lookup looks at the first FUZZY_WORDS distinct words, and an example question is compared only with a text short
enough to reach QUESTION_CUTOFF at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

from rapidfuzz import fuzz, process

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_EDGE_PUNCT = ".,!?;:…\"'«»„“”()[]{}<>*_~`|—–-"
_RU_VOWEL_END = re.compile(r"[аеёиоуыэюяйь]+$")

# a word matches a keyword with these endings (English plurals); Russian keywords allow any ending of <= 3 letters
_EN_ENDINGS = ("", "s", "es", "'s")
_RU_MAX_ENDING = 3

# fuzzy thresholds (similarity ratios 2*LCS/(len a + len b), 0..1, as difflib's ratio)
WORD_CUTOFF = 0.8
QUESTION_CUTOFF = 0.72

# bounds of the work a text costs (a 100 KB message must not stall the hub)
MAX_CHARS = 5000
FUZZY_WORDS = 100
# a ratio >= QUESTION_CUTOFF needs the longer text at most this many times the shorter one
_QUESTION_LENGTH_FACTOR = 2 / QUESTION_CUTOFF - 1

T = TypeVar("T")


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def tokens(text: str) -> list[str]:
    """Lower-case words with punctuation stripped at their edges ('Оператор!' -> 'оператор'); an email or a
    '/command' stays one word."""
    out = []
    for raw in text[:MAX_CHARS].lower().replace("ё", "е").split():
        word = raw.strip(_EDGE_PUNCT)
        if word:
            out.append(word)
    return out


def normalize(text: str) -> str:
    return " ".join(tokens(text))


@lru_cache(maxsize=4096)
def _compiled(keyword: str) -> tuple[str, str | None, frozenset[str]]:
    """(keyword, the Russian stem any short ending may follow or None, the English forms)."""
    if has_cyrillic(keyword):
        stem = _RU_VOWEL_END.sub("", keyword)
        return keyword, stem if len(stem) >= 3 else keyword, frozenset()
    return keyword, None, frozenset(keyword + ending for ending in _EN_ENDINGS)


def _word_matches(word: str, keyword: str) -> bool:
    kw, stem, forms = _compiled(keyword)
    if word == kw:
        return True
    if stem is not None:
        return word.startswith(stem) and len(word) - len(stem) <= _RU_MAX_ENDING
    return word in forms


@lru_cache(maxsize=4096)
def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(tokens(phrase))


def phrase_in(words: Sequence[str], phrase: str) -> bool:
    """Whether the keyword phrase occurs in `words` as consecutive words (each allowing a simple ending)."""
    wanted = _phrase_tokens(phrase)
    n = len(wanted)
    if not n:
        return False
    first = wanted[0]
    return any(
        _word_matches(words[i], first) and all(_word_matches(words[i + j], wanted[j]) for j in range(1, n))
        for i in range(len(words) - n + 1)
    )


def matches_any(text: str, phrases: Sequence[str]) -> bool:
    words = tokens(text)
    return any(phrase_in(words, phrase) for phrase in phrases)


def _fuzzy_words(words: Sequence[str]) -> list[str]:
    """The distinct words worth a fuzzy look (4 letters or more) among the first FUZZY_WORDS."""
    return list(dict.fromkeys(w for w in words[:FUZZY_WORDS] if len(w) >= 4))


def _fuzzy_word_score(words: Sequence[str], keywords: Sequence[str]) -> float:
    best = 0.0
    for keyword in keywords:
        kw = normalize(keyword)
        if " " in kw or len(kw) < 4 or not words:
            continue
        found = process.extractOne(
            kw, words, scorer=fuzz.ratio, processor=None, score_cutoff=max(WORD_CUTOFF, best) * 100
        )
        if found is not None and found[1] / 100 > best:
            best = found[1] / 100
    return best


def _question_score(text: str, questions: Sequence[str]) -> float:
    best = 0.0
    for question in questions:
        wanted = normalize(question)
        if not wanted or len(text) > len(wanted) * _QUESTION_LENGTH_FACTOR + 1:
            continue  # too long to come close: a ratio is at most 2 * shorter / (sum of lengths)
        ratio = fuzz.ratio(text, wanted, processor=None, score_cutoff=QUESTION_CUTOFF * 100) / 100
        if ratio >= QUESTION_CUTOFF and ratio > best:
            best = ratio
    return best


def best_match(text: str, candidates: Sequence[tuple[T, Sequence[str], Sequence[str]]]) -> T | None:
    """The candidate (item, keywords, example questions) the text is about, or None; the best one, not the first.

    Exact keyword phrases win (the most phrases found; at equal counts the text closer to one of the candidate's
    example questions: 'сколько стоит доставка' finds 'сколько стоит' of prices and 'доставка' of delivery, and is
    delivery's example question); else the best fuzzy score: a word close to a one-word keyword (typos:
    'delivry'), or the whole text close to an example question. Ties go to the earlier candidate."""
    words = tokens(text)
    if not words:
        return None
    exact: tuple[int, float, T | None] = (0, 0.0, None)
    fuzzy: tuple[float, T | None] = (0.0, None)
    norm = " ".join(words)
    fuzzy_words = _fuzzy_words(words)
    for item, keywords, questions in candidates:
        hits = sum(1 for kw in keywords if phrase_in(words, kw))
        if hits and hits >= exact[0]:
            closeness = _question_score(norm, questions)
            if (hits, closeness) > exact[:2]:
                exact = (hits, closeness, item)
        if exact[0] == 0:
            score = max(_fuzzy_word_score(fuzzy_words, keywords), _question_score(norm, questions))
            if score > fuzzy[0]:
                fuzzy = (score, item)
    return exact[2] if exact[0] else fuzzy[1]
