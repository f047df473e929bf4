"""Checking what a customer typed when the bot asked for it (name, email, phone, contact, text), and the texts the
engine says when a flow does not give its own."""

from __future__ import annotations

import re

from hub.identities import InvalidIdentity, normalize_email, normalize_phone


class InvalidAnswer(ValueError):
    pass


_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def check_answer(validator: str, text: str, default_region: str | None) -> tuple[str, str]:
    """(what it is, the clean value): ('name', 'Ivan Petrov'), ('email', 'a@b.example'), ('phone', '+7916...'),
    ('text', ...). Raises InvalidAnswer."""
    value = " ".join(text.split())
    if validator == "contact":
        validator = "email" if "@" in value else "phone"
    try:
        if validator == "email":
            return "email", normalize_email(value)
        if validator == "phone":
            if len(_DIGIT.findall(value)) < 6:
                raise InvalidAnswer("too few digits for a phone number")
            return "phone", normalize_phone(value, default_region)
    except InvalidIdentity as exc:
        raise InvalidAnswer(str(exc)) from exc
    if validator == "name":
        if not 2 <= len(value) <= 100 or not _LETTER.search(value) or _DIGIT.search(value) or "@" in value:
            raise InvalidAnswer("not a name")
        if len(value.split()) > 5:
            raise InvalidAnswer("too many words for a name")
        return "name", value
    if validator == "text":
        if not value or len(value) > 2000:
            raise InvalidAnswer("empty or too long")
        return "text", value
    raise InvalidAnswer(f"unknown validator {validator!r}")


# what the bot says when the flow does not say it
DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    "handoff": {
        "en": "Connecting you with a person. Please wait, an agent will answer here shortly.",
        "ru": "Соединяю с оператором. Пожалуйста, подождите: вам скоро ответят здесь.",
    },
    "closed": {
        "en": "We are closed right now (our hours: {hours}). We have passed your message on and will get back "
        "to you during business hours.",
        "ru": "Сейчас мы не работаем (наши часы: {hours}). Мы передали ваше сообщение и ответим в рабочее время.",
    },
    "fallback": {
        "en": "Sorry, I did not understand. Please choose an option, or write “operator” to talk to a person.",
        "ru": "Извините, я не понял. Выберите вариант или напишите «оператор», чтобы поговорить с человеком.",
    },
    "error.name": {
        "en": "Please write your name (letters only).",
        "ru": "Пожалуйста, напишите ваше имя (только буквы).",
    },
    "error.email": {
        "en": "That does not look like an email address. Please try again, like name@example.com.",
        "ru": "Это не похоже на адрес электронной почты. Попробуйте ещё раз, например name@example.com.",
    },
    "error.phone": {
        "en": "That does not look like a phone number. Please try again, like +1 212 555-01-23.",
        "ru": "Это не похоже на номер телефона. Попробуйте ещё раз, например +7 916 123-45-67.",
    },
    "error.contact": {
        "en": "Please send an email address or a phone number.",
        "ru": "Пожалуйста, пришлите адрес электронной почты или номер телефона.",
    },
    "error.text": {
        "en": "Please write a few words.",
        "ru": "Пожалуйста, напишите пару слов.",
    },
}

# the internal note agents get on a handoff: stored as the code "bot.handoff" + params (render_handoff_note), shown
# in the reader's language by the inbox (static/i18n.json "system.bot.*" say the same)
NOTE_TEXTS: dict[str, dict[str, str]] = {
    "handoff": {"en": "Bot handoff: {reason}.", "ru": "Бот передал разговор: {reason}."},
    "keyword": {
        "en": "the customer asked for a person (“{quote}”)",
        "ru": "клиент попросил человека («{quote}»)",
    },
    "button": {"en": "the customer pressed “{quote}”", "ru": "клиент нажал «{quote}»"},
    "rule": {"en": "the customer wrote “{quote}”", "ru": "клиент написал «{quote}»"},
    "state": {"en": "the flow reached “{quote}”", "ru": "сценарий дошёл до «{quote}»"},
    "capture": {
        "en": "no valid {quote} after {n} tries",
        "ru": "не удалось получить {quote} за {n} попыток",
    },
    "misses": {
        "en": "the bot did not understand {n} messages in a row",
        "ru": "бот не понял {n} сообщений подряд",
    },
    "captured": {"en": "Captured: {items}.", "ru": "Собрано: {items}."},
    "unrouted": {
        "en": "No department named “{quote}”: the conversation is unrouted.",
        "ru": "Нет отдела «{quote}»: разговор не распределён.",
    },
    "callback": {
        "en": "{mention}Outside business hours ({when}): please get back to the customer.",
        "ru": "{mention}Обращение вне рабочего времени ({when}): пожалуйста, свяжитесь с клиентом.",
    },
}


HANDOFF_CODE = "bot.handoff"


def render_handoff_note(params: dict[str, object], lang: str) -> str:
    """The handoff note in `lang` from its params: reason (a NOTE_TEXTS key) with quote / n, and optionally unrouted
    (a department name), captured (what the bot collected), callback_when (+ mention), note (the flow's own
    callback note, as written)."""

    def t(key: str, **values: object) -> str:
        texts = NOTE_TEXTS[key]
        return texts.get(lang, texts["en"]).format(**values)

    reason = str(params.get("reason"))
    detail = {"quote": params.get("quote", ""), "n": params.get("n", "")}
    parts = [t("handoff", reason=t(reason, **detail) if reason in NOTE_TEXTS else reason)]
    if params.get("unrouted"):
        parts.append(t("unrouted", quote=params["unrouted"]))
    if params.get("captured"):
        parts.append(t("captured", items=params["captured"]))
    if params.get("callback_when"):
        parts.append(t("callback", mention=params.get("mention", ""), when=params["callback_when"]))
    if params.get("note"):
        parts.append(str(params["note"]))
    return " ".join(parts)
