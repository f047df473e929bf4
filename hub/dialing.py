"""Click-to-call, provider-neutral: the port a telephony connector implements to place a call (`Dialer`), what it is
asked (`DialRequest`) and how it fails (`DialError`, a code rendered in the hub's language).

hub.actions.dialing asks the access policy, picks the client's number, asks the dialer, and records the call on the
client's phone conversation; the provider's status webhooks then update that same entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.errors import HubError

# how long a placed call waits for the provider's first webhook to name it (providers that give no id at once)
PENDING_MINUTES = 10

TEXTS: dict[str, dict[str, str]] = {
    "calls_not_configured": {
        "en": "calls cannot be placed: no telephony provider is configured to place calls (HUB_TELEPHONY)",
        "ru": "позвонить нельзя: не настроен провайдер телефонии для исходящих звонков (HUB_TELEPHONY)",
    },
    "no_phone": {
        "en": "the client has no phone number",
        "ru": "у клиента нет номера телефона",
    },
    "not_a_client_number": {
        "en": "{number} is not one of the client's phone numbers",
        "ru": "{number} — не номер этого клиента",
    },
    "no_agent_line": {
        "en": "your phone line is not set up (HUB_TELEPHONY.agents or default_agent)",
        "ru": "ваша телефонная линия не настроена (HUB_TELEPHONY.agents или default_agent)",
    },
    "provider_refused": {
        "en": "{provider} refused the call: {reason}",
        "ru": "{provider} отказал в звонке: {reason}",
    },
    "provider_unreachable": {
        "en": "{provider} did not answer; try again",
        "ru": "{provider} не ответил; попробуйте ещё раз",
    },
}


class DialError(HubError):
    """A call that could not be placed: `code` names why (a key of TEXTS), `params` fill its text. The caller's
    mistakes and the configuration are 400; the provider's refusal or silence 502."""

    def __init__(self, code: str, language: str = "en", **params: str) -> None:
        texts = TEXTS[code]
        super().__init__(texts.get(language, texts["en"]).format(**params))
        self.code = code
        self.params = params
        self.status = 502 if code.startswith("provider_") else 400


@dataclass(frozen=True, slots=True)
class DialRequest:
    """Connect the agent with the client's `number` (E.164). `call_ref` is the hub's own name of the call (a
    provider that gives no call id at once is matched to it by its first webhook)."""

    call_ref: str
    number: str
    user_id: str
    user_email: str
    language: str = "en"


@dataclass(frozen=True, slots=True)
class PlacedCall:
    """What the provider said: its id of the call ("" when it names the call only in its webhooks) and our line."""

    provider: str
    call_id: str
    line: str = ""


class Dialer(Protocol):
    provider: str

    async def dial(self, request: DialRequest) -> PlacedCall:
        """Ask the provider to connect the agent and the client; raise DialError when it cannot."""
