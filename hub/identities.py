"""Normalization of identities, so that the same person is recognised whichever channel they write from."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from hub.domain import Identity, IdentityKind

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidIdentity(ValueError):
    pass


@lru_cache(maxsize=4096)
def normalize_phone(raw: str, default_region: str | None = None) -> str:
    """E.164 form of a phone number ('+79161234567'); raises InvalidIdentity when it is not a possible number.
    Remembered for the last 4,096 numbers (a pure function; phonenumbers takes ~35 µs a number, and every call
    and every message that carries a phone number normalizes the same few numbers again)."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidIdentity(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    value = raw.strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise InvalidIdentity(f"not an email address: {raw!r}")
    return value


def make_identity(kind: IdentityKind | str, raw: str | int, default_region: str | None = None) -> Identity:
    kind = IdentityKind(kind)
    text = str(raw).strip()
    if kind is IdentityKind.phone:
        value = normalize_phone(text, default_region)
    elif kind is IdentityKind.email:
        value = normalize_email(text)
    elif kind is IdentityKind.telegram:
        if not text.lstrip("-").isdigit():
            raise InvalidIdentity(f"not a Telegram user id: {raw!r}")
        value = str(int(text))
    else:
        if not text or len(text) > 256:
            raise InvalidIdentity(f"empty or too long {kind.value} id")
        value = text
    return Identity(kind=kind, value=value)


def search_terms(name: str, identities: list[Identity]) -> list[str]:
    """Lower-case terms a client is found by: name words, whole emails and their local part, phone digits."""
    terms: set[str] = set()
    for word in re.split(r"[\s,.;:()\"'<>]+", name.lower()):
        if word:
            terms.add(word)
    for identity in identities:
        if identity.kind is IdentityKind.email:
            terms.add(identity.value)
            terms.add(identity.value.split("@", 1)[0])
        elif identity.kind is IdentityKind.phone:
            terms.add(identity.value.lstrip("+"))
        else:
            terms.add(identity.value.lower())
    return sorted(terms)


_PHONEISH = re.compile(r"[\d\s+\-().]+")


def _local_prefix_digits(text: str, digits: str, region: str) -> str | None:
    """A number being typed the local way ('8 916 123', not a whole number yet): the E.164 digits it begins with
    (the region's trunk prefix read as its country code), so it still prefixes the stored numbers."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    prefix = metadata.national_prefix if metadata is not None else None
    if text.startswith("+") or not prefix or not digits.startswith(prefix) or len(digits) <= len(prefix):
        return None
    return f"{metadata.country_code}{digits[len(prefix) :]}"


def query_terms(q: str, default_region: str | None = None) -> list[str]:
    """Terms of a search query; each must be a prefix of one of a client's terms.
    A query that looks like a phone number ('+7 916 123-45-67', '8 (916) 123') searches by its digits."""
    stripped = q.strip()
    digits = re.sub(r"\D", "", stripped)
    if len(digits) >= 3 and _PHONEISH.fullmatch(stripped):
        if default_region:
            local = _local_prefix_digits(stripped, digits, default_region)
            try:
                number = normalize_phone(stripped, default_region)
            except InvalidIdentity:
                number = None
            # '8 916 123' is a possible (short) number too, but not a valid one: it is the start of one
            if number is not None and (
                local is None or phonenumbers.is_valid_number(phonenumbers.parse(number))
            ):
                return [number.lstrip("+")]
            if local is not None:
                return [local]
        return [digits]
    words = [w for w in re.split(r"[\s,;()\"'<>]+", q.lower()) if w]
    out = []
    for word in words:
        digits = re.sub(r"[^\d]", "", word)
        # a phone-looking word ('+7 916', '8-916-...') searches by its digits
        out.append(digits if digits and len(digits) >= 3 and re.fullmatch(r"[\d+\-().]+", word) else word)
    return out[:8]
