"""The bot flow file format (config/bots/*.yaml), as pydantic models, plus the checks that need the whole flow.

A flow, in short (config/bots/default.yaml is a full example):

    name: default                  # optional, the file name without .yaml
    bot_name: Assistant            # the author name of bot messages: a text ({en: Assistant, ru: Помощник});
                                   # each message carries the name in the language the bot spoke it in
    channels: [telegram, webchat]  # conversations on these channels start with the bot
    language: en                   # optional: en | ru (default HUB_LANGUAGE); Cyrillic text switches to ru
    start: menu                    # the first state (again after /start and after an agent hands back)
    restart: [/start, menu]        # texts that go back to the start state
    handoff:                       # "talk to a person", from any state
      keywords: [operator, оператор]
      department: Support          # by name; missing -> the conversation stays unrouted
      say: {en: ..., ru: ...}
    fallback: {say: ..., handoff_after: 3}   # not understood; after N misses in a row: handoff (0: never)
    business_hours:                # optional (absent: always open)
      timezone: Europe/Moscow
      weekly: {mon: "09:00-18:00", sat: ["10:00-12:00", "13:00-15:00"], sun: closed}
      closed_say: ...              # said instead of the handoff text while closed ({hours} = the hours)
      callback_note: ...           # added to the note the department gets
    faq:                           # answered in any state with faq: true (the default), by keyword or fuzzily
      - {keywords: [price, цена], questions: ["how much is it"], answer: {en: ..., ru: ...}}
    states:
      menu:
        say: {en: "Hello!", ru: "Здравствуйте!"}     # a text: a string, or {en: ..., ru: ...}
        buttons:                                    # rows (a list per row), or one button per row
          - [{id: sales, text: {en: Sales, ru: Продажи}, goto: ask_name}]
          - [{id: human, text: Talk to a person, handoff: Support}]
          - [{id: ru, text: Русский, language: ru}]
        on_text:                                    # typed text -> like a button
          - {match: [buy, купить], goto: ask_name}
      ask_name:
        say: What is your name?
        capture: {validate: name, goto: ask_contact, error: ..., retries: 2, on_fail: {handoff: Sales}}
      done:
        say: "Thanks, {name}!"                      # {name}, {email}, {phone}, captured fields
        do: [{tag: lead}, {field: {source: bot}}, {note: "new lead"}, {handoff: Sales}]
        # or a task: {task: {title: "Call {name} back", department: Sales, due_in_minutes: 60, priority: high}}

What a button, an on_text rule or on_fail does: `do` actions, then `language`, then `handoff` or `goto` (neither:
the current state again). Entering a state: `say` (with its buttons), then `do` (a handoff must be last), then
`next` (go on at once). Validators: name, email, phone, contact (email or phone), text (needs `field`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

import hub.hours
from hub.domain import FieldValue

LANGUAGES = ("en", "ru")
Lang = Literal["en", "ru"]
ANY_LANGUAGE = "*"
VALIDATORS = ("name", "email", "phone", "contact", "text")
MAX_BUTTON_TEXT = 100

Path = tuple[str | int, ...]


def _text(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("the text is empty")
        return {ANY_LANGUAGE: value}
    if isinstance(value, dict):
        if not value:
            raise ValueError("give a text, or a mapping of language to text (en: ..., ru: ...)")
        for lang, text in value.items():
            if lang not in LANGUAGES:
                raise ValueError(f"unknown language {lang!r} (use en or ru)")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"the {lang} text must be a non-empty string")
        return value
    raise ValueError("a text is a string, or a mapping of language to text (en: ..., ru: ...)")


# a text in every language it is given in; a plain string is stored under "*" (every language)
Text = Annotated[dict[str, str], BeforeValidator(_text)]
MAX_BOT_NAME = 100


def _bot_name(value: Any) -> Any:
    names = dict(_text(value.strip() if isinstance(value, str) else value))
    for lang, name in names.items():
        if len(name.strip()) > MAX_BOT_NAME:
            raise ValueError(f"a bot name has at most {MAX_BOT_NAME} characters")
        names[lang] = name.strip()
    return names


# the bot's name, as a text: one name, or one per language
BotName = Annotated[dict[str, str], BeforeValidator(_bot_name)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")]
ButtonId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.:-]{0,47}$")]
Words = Annotated[list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]], Field()]


def pick(text: dict[str, str], lang: str, default: str) -> str:
    """The text in `lang`, else the flow's default language, else English, else any."""
    for key in (ANY_LANGUAGE, lang, default, "en"):
        if key in text:
            return text[key]
    return next(iter(text.values()))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _handoff(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"department": value}
    return value


class HandoffTo(Strict):
    department: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None
    ) = None
    say: Text | None = None


HandoffValue = Annotated[HandoffTo | None, BeforeValidator(_handoff)]


class TaskSpec(Strict):
    """A task the bot creates on the client and this conversation (title and description may use {name} and the
    other captured fields; for the staff, so in the hub's language: HUB_LANGUAGE); for a department (by name)
    or the flow's hand-off department, due in N minutes."""

    title: Text
    description: Text | None = None
    department: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None
    ) = None
    due_in_minutes: Annotated[int, Field(ge=1, le=60 * 24 * 90)] | None = None
    priority: Literal["low", "normal", "high", "urgent"] = "normal"


class Action(Strict):
    """Exactly one of: tag, untag, field (a mapping of client fields), note (for agents), task, handoff."""

    tag: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    untag: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = (
        None
    )
    field: dict[Annotated[str, StringConstraints(min_length=1, max_length=100)], FieldValue] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    task: TaskSpec | None = None
    handoff: HandoffValue = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Action:
        given = sorted(self.model_fields_set)
        if len(given) != 1:
            raise ValueError(
                "an action has exactly one of: tag, untag, field, note, task, handoff"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class Effect(Strict):
    """What a button, a text rule or a failed capture does."""

    do: list[Action] = Field(default_factory=list)
    language: Lang | None = None
    goto: Name | None = None
    handoff: HandoffValue = None

    def handoff_spec(self) -> HandoffTo | None:
        if self.handoff is not None or "handoff" in self.model_fields_set:
            return self.handoff or HandoffTo()
        for action in self.do:
            if "handoff" in action.model_fields_set:
                return action.handoff or HandoffTo()
        return None


class ButtonSpec(Effect):
    id: ButtonId
    text: Text


def _rows(value: Any) -> Any:
    if isinstance(value, list):
        return [item if isinstance(item, list) else [item] for item in value]
    return value


Rows = Annotated[list[list[ButtonSpec]], BeforeValidator(_rows)]


class TextRule(Effect):
    match: Annotated[Words, Field(min_length=1)]


class Capture(Strict):
    validate_: str = Field(alias="validate")
    field: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")] | None = None
    goto: Name
    error: Text | None = None
    retries: int = Field(2, ge=0, le=10)
    on_fail: Effect | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("validate_")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in VALIDATORS:
            raise ValueError(f"unknown validator {value!r} (use one of: {', '.join(VALIDATORS)})")
        return value


class State(Strict):
    say: Text | None = None
    buttons: Rows = Field(default_factory=list)
    capture: Capture | None = None
    on_text: list[TextRule] = Field(default_factory=list)
    faq: bool = True
    do: list[Action] = Field(default_factory=list)
    next: Name | None = None

    def all_buttons(self) -> list[ButtonSpec]:
        return [b for row in self.buttons for b in row]


class HandoffSettings(Strict):
    keywords: Words = Field(default_factory=list)
    department: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None
    ) = None
    say: Text | None = None


class Fallback(Strict):
    say: Text | None = None
    handoff_after: int = Field(3, ge=0, le=100)


class FaqEntry(Strict):
    keywords: Words = Field(default_factory=list)
    questions: Words = Field(default_factory=list)
    answer: Text

    @model_validator(mode="after")
    def _findable(self) -> FaqEntry:
        if not self.keywords and not self.questions:
            raise ValueError("a FAQ entry needs keywords or questions")
        return self


class BusinessHours(hub.hours.BusinessHours):
    """The shared business hours (hub.hours) plus what a flow says and notes while closed."""

    closed_say: Text | None = None
    callback_note: str | None = None


class Flow(Strict):
    name: Name
    bot_name: BotName = Field(default_factory=lambda: {ANY_LANGUAGE: "Bot"})
    channels: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]]
    language: Lang | None = None
    start: Name
    restart: Words = Field(default_factory=lambda: ["/start"])
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    fallback: Fallback = Field(default_factory=Fallback)
    business_hours: BusinessHours | None = None
    faq: list[FaqEntry] = Field(default_factory=list)
    states: Annotated[dict[Name, State], Field(min_length=1)]

    def find_button(self, button_id: str, current: str | None) -> ButtonSpec | None:
        """The pressed button: in the current state first, else the first state that has one with that id
        (a button of an older message)."""
        order = [current] if current in self.states else []
        order += [name for name in self.states if name != current]
        for name in order:
            for button in self.states[name].all_buttons():
                if button.id == button_id:
                    return button
        return None


# --- checks across the flow ---------------------------------------------------------------------------------------


def flow_problems(flow: Flow) -> list[tuple[Path, str]]:
    """What pydantic cannot see: unknown states, actions out of order, loops, buttons that clash."""
    problems: list[tuple[Path, str]] = []
    states = flow.states

    def goto(path: Path, target: str | None, what: str = "goto") -> None:
        if target is not None and target not in states:
            problems.append(((*path, what), f"unknown state {target!r} in {what}"))

    def actions(path: Path, do: list[Action], *, then: str | None = None) -> None:
        handoffs = [i for i, a in enumerate(do) if "handoff" in a.model_fields_set]
        for i in handoffs:
            if i != len(do) - 1:
                problems.append(
                    ((*path, "do", i), "handoff must be the last action (the bot is silent after it)")
                )
        if handoffs and then:
            problems.append(((*path, then), f"after a handoff the bot is silent: remove {then}"))

    def effect(path: Path, e: Effect) -> None:
        goto(path, e.goto)
        actions(path, e.do)
        if e.handoff_spec() is not None and e.goto is not None:
            problems.append(((*path, "goto"), "hand off or goto, not both"))

    if flow.start not in states:
        problems.append((("start",), f"unknown start state {flow.start!r} (not under states)"))

    for name, state in states.items():
        at: Path = ("states", name)
        if state.say is None and not state.do and state.next is None:
            problems.append((at, f"state {name!r} does nothing: give it say, do or next"))
        if state.say is None and (state.buttons or state.capture):
            problems.append(
                ((*at, "buttons" if state.buttons else "capture"), "buttons and capture need a say")
            )
        if state.next is not None and (state.buttons or state.capture or state.on_text):
            problems.append(
                ((*at, "next"), "a state with next moves on at once: no buttons, capture or on_text")
            )
        if state.capture is not None and state.on_text:
            problems.append(
                ((*at, "on_text"), "a capture state takes any text as the answer: on_text is unused")
            )
        goto(at, state.next, "next")
        ends = any("handoff" in a.model_fields_set for a in state.do)
        actions(at, state.do, then="next" if state.next else None)
        if ends and (state.buttons or state.capture):
            problems.append(((*at, "do"), "a state that hands off cannot have buttons or capture"))
        seen: set[str] = set()
        for r, row in enumerate(state.buttons):
            for c, button in enumerate(row):
                bpath: Path = (*at, "buttons", r, c)
                if button.id in seen:
                    problems.append(
                        ((*bpath, "id"), f"button id {button.id!r} is used twice in state {name!r}")
                    )
                seen.add(button.id)
                if any(len(t) > MAX_BUTTON_TEXT for t in button.text.values()):
                    problems.append(
                        ((*bpath, "text"), f"a button text has at most {MAX_BUTTON_TEXT} characters")
                    )
                effect(bpath, button)
        for i, rule in enumerate(state.on_text):
            effect((*at, "on_text", i), rule)
        if state.capture is not None:
            cap = state.capture
            cpath: Path = (*at, "capture")
            goto(cpath, cap.goto)
            if cap.on_fail is not None:
                effect((*cpath, "on_fail"), cap.on_fail)
            if cap.validate_ == "text" and not cap.field:
                problems.append(((*cpath, "field"), "validate: text needs a field to store the answer in"))
            if cap.validate_ == "contact" and cap.field:
                problems.append(
                    ((*cpath, "field"), "validate: contact stores into email or phone: drop field")
                )

    # `next` chains that loop would make the bot talk forever
    for name in states:
        chain = [name]
        current = states[name].next
        while current is not None and current in states and current not in chain:
            chain.append(current)
            current = states[current].next
        if current == name:
            loop = " -> ".join([*chain, name])
            problems.append((("states", name, "next"), f"states loop through next without waiting: {loop}"))
    return problems
