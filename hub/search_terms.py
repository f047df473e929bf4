"""Full-text search terms of timeline entries: the one place that turns text into indexed terms and a query into
what the stores match (SQLite FTS5, MongoDB a multikey `search_terms` array queried with `$all`).

A term is a word (letters and digits) lower-cased, with ё read as е, stemmed by Snowball: Russian for Cyrillic
words, English for Latin ones ("счёта" -> "счет", "orders" -> "order"); other words stay as they are. A query
matches an entry when every word but the last is one of its terms and the last word (as typed so far) prefixes
one of them.

Cost (pure-Python Snowball, measured on this machine): ~45 µs per distinct new word, so stems are memoized, only
the first MAX_INDEXED_CHARS of a text are indexed, at most MAX_TERMS distinct terms are kept, and a text longer than
INLINE_CHARS is tokenized in a worker thread (`terms_of_async`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

MAX_INDEXED_CHARS = 20_000
MAX_TERMS = 2_000
INLINE_CHARS = 1_000
MAX_QUERY_WORDS = 8
MAX_QUERY_CHARS = 200
MAX_TERM_CHARS = 64

# letters and digits; minus the few that SQLite's unicode61 tokenizer reads as separators (New Tai Lue vowel signs,
# two Vedic signs), so a term is always one FTS5 token on both sides
_WORD = re.compile(r"[^\W_\u19b0-\u19c0\u19c8\u19c9\u1cf2\u1cf3]+")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"^[a-z]+$")
_RU = snowballstemmer.stemmer("russian")
_EN = snowballstemmer.stemmer("english")


def normalize(text: str) -> str:
    """Lower case, ё read as е."""
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The words of a text, normalized, in order (punctuation and spaces separate them)."""
    return [w[:MAX_TERM_CHARS] for w in _WORD.findall(normalize(text))]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The term of one normalized word."""
    if _CYRILLIC.search(word):
        return _RU.stemWord(word)
    if _LATIN.match(word):
        return _EN.stemWord(word)
    return word


def terms_of(text: str) -> list[str]:
    """The distinct terms of a text (its first MAX_INDEXED_CHARS, at most MAX_TERMS), in first-seen order."""
    seen: dict[str, None] = {}
    for word in dict.fromkeys(words(text[:MAX_INDEXED_CHARS])):
        seen[stem(word)] = None
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)


async def terms_of_async(text: str) -> list[str]:
    """`terms_of`, in a worker thread when the text is long enough to hold the loop up."""
    if len(text) <= INLINE_CHARS:
        return terms_of(text)
    return await asyncio.to_thread(terms_of, text)


def entry_text(text: str, meta: dict | None = None) -> str:
    """What of an entry is indexed: its text, and an email's subject."""
    subject = (meta or {}).get("subject")
    return f"{subject}\n{text}" if isinstance(subject, str) and subject else text


@dataclass(frozen=True, slots=True)
class TermQuery:
    """What a store matches: every one of `whole`, and a term starting with `prefix` (None: no prefix part)."""

    whole: tuple[str, ...]
    prefix: str | None

    @property
    def empty(self) -> bool:
        return not self.whole and self.prefix is None

    def matches(self, terms: set[str]) -> bool:
        """The same rule in Python (snippets, tests)."""
        if not all(t in terms for t in self.whole):
            return False
        return self.prefix is None or any(t.startswith(self.prefix) for t in terms)


def parse_query(q: str) -> TermQuery:
    """The terms of what a user typed. The last word is a prefix unless the query ends with a space or
    punctuation (a finished word), or is a single letter (which would prefix almost everything)."""
    q = q[:MAX_QUERY_CHARS]
    found = words(q)[:MAX_QUERY_WORDS]
    if not found:
        return TermQuery((), None)
    finished = not _WORD.fullmatch(normalize(q.rstrip()[-1:])) or q != q.rstrip()
    last = found[-1]
    if finished or len(last) < 2:
        return TermQuery(tuple(dict.fromkeys(stem(w) for w in found)), None)
    whole = tuple(dict.fromkeys(stem(w) for w in found[:-1]))
    # the stem of a word is (nearly always) a prefix of it: "счета" -> "счет", so a finished-looking last word
    # still finds its other forms, and a half-typed one ("заказ" of "заказы") finds what starts with it
    return TermQuery(whole, stem(last))


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    mark: bool = False


def snippet(text: str, query: TermQuery, *, width: int = 160) -> list[Segment]:
    """A window of `text` around the first matching word, as segments, the matching words marked."""
    text = text[:MAX_INDEXED_CHARS]
    wanted = set(query.whole)
    hits: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        term = stem(normalize(match.group())[:MAX_TERM_CHARS])
        if term in wanted or (query.prefix is not None and term.startswith(query.prefix)):
            hits.append(match.span())
    if not hits:
        short = text[:width]
        return [Segment(short + ("…" if len(text) > width else ""))]
    first = hits[0][0]
    start = max(0, first - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    segments: list[Segment] = [Segment("…")] if start else []
    at = start
    for a, b in hits:
        if a < at:
            continue
        if b > end:
            break
        if a > at:
            segments.append(Segment(text[at:a]))
        segments.append(Segment(text[a:b], True))
        at = b
    if at < end:
        segments.append(Segment(text[at:end]))
    if end < len(text):
        segments.append(Segment("…"))
    return segments
