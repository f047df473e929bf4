"""HUB_TELEPHONY: which providers are connected, their secrets, and which department each of our numbers is for."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hub.config import ConfigurationError
from hub.identities import InvalidIdentity, normalize_phone

_SECRET = Field(min_length=1, max_length=512)
DIALERS = ("twilio", "zadarma", "novofon")
API_URLS = {
    "twilio": "https://api.twilio.com",
    "zadarma": "https://api.zadarma.com",
    "novofon": "https://api.novofon.com",
    "mango": "https://app.mango-office.ru/vpbx",
}


def _api_url(value: str) -> str:
    """An http(s) base URL without a trailing slash (overridable so tests point at a stand-in)."""
    if value and not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _origins(values: list[str]) -> list[str]:
    """Origins (scheme://host[:port]) recordings may be downloaded from."""
    for value in values:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError("each recording host is an origin like https://pbx.example.com")
    return [v.rstrip("/").lower() for v in values]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TwilioConfig(_Section):
    """`auth_token` checks the webhooks; `account_sid` + `caller_id` (one of your Twilio numbers) place calls
    through the Calls API at `api_url`; `record` asks Twilio to record them."""

    auth_token: str = _SECRET
    account_sid: str = Field("", pattern=r"^(AC[0-9a-fA-F]{32})?$")
    caller_id: str = Field("", max_length=40)
    api_url: str = Field("", max_length=300)
    record: bool = False
    # other origins its recordings may be downloaded from (https://api.twilio.com and api_url always are)
    recording_hosts: list[str] = Field(default_factory=list, max_length=20)

    _hosts = field_validator("recording_hosts")(classmethod(lambda cls, v: _origins(v)))

    _url = field_validator("api_url")(classmethod(lambda cls, v: _api_url(v)))

    @model_validator(mode="after")
    def _dialing(self) -> TwilioConfig:
        if self.account_sid and not self.caller_id:
            raise ValueError("caller_id (your Twilio number) is required with account_sid")
        return self


class ZadarmaConfig(_Section):
    """Zadarma, and Novofon (the same API): the key's secret from the personal account's API page."""

    secret: str = _SECRET
    # the key (the secret above signs its API requests): places calls through the callback request at api_url
    api_key: str = Field("", max_length=512)
    api_url: str = Field("", max_length=300)

    _url = field_validator("api_url")(classmethod(lambda cls, v: _api_url(v)))


class MangoConfig(_Section):
    """The VPBX API key and salt sign Mango's events and the hub's requests; recordings are fetched from `api_url`
    (`POST /queries/recording/post`), redirects followed to https *.mango-office.ru and `recording_hosts`."""

    api_key: str = _SECRET
    api_salt: str = _SECRET
    api_url: str = Field("", max_length=300)
    recording_hosts: list[str] = Field(default_factory=list, max_length=20)

    _hosts = field_validator("recording_hosts")(classmethod(lambda cls, v: _origins(v)))

    _url = field_validator("api_url")(classmethod(lambda cls, v: _api_url(v)))


class GenericConfig(_Section):
    """Any PBX: `secret` keys X-Hub-Signature; `tokens` are bearer tokens, one per PBX that cannot compute an HMAC
    (an Asterisk dialplan's CURL)."""

    secret: str = Field("", max_length=512)
    tokens: list[str] = Field(default_factory=list)
    # the origins (https://pbx.example.com) recording_url may point at: only those are downloaded
    recording_hosts: list[str] = Field(default_factory=list, max_length=20)

    _hosts = field_validator("recording_hosts")(classmethod(lambda cls, v: _origins(v)))

    @field_validator("tokens")
    @classmethod
    def _tokens(cls, value: list[str]) -> list[str]:
        if any(len(t) < 16 for t in value):
            raise ValueError("each token must be at least 16 characters")
        return value


class TelephonyConfig(_Section):
    twilio: TwilioConfig | None = None
    zadarma: ZadarmaConfig | None = None
    novofon: ZadarmaConfig | None = None
    mango: MangoConfig | None = None
    generic: GenericConfig | None = None
    # our numbers (E.164) -> the name of the department their calls are for
    numbers: dict[str, str] = Field(default_factory=dict)
    # click-to-call: which provider places calls (default: the first of twilio, zadarma, novofon that can), and
    # each agent's line there (by the user's email; an extension, a number or sip:...), else default_agent
    dial_provider: Literal["twilio", "zadarma", "novofon"] | None = None
    agents: dict[str, str] = Field(default_factory=dict)
    default_agent: str = Field("", max_length=100)

    @field_validator("agents")
    @classmethod
    def _agents(cls, value: dict[str, str]) -> dict[str, str]:
        for email, line in value.items():
            if "@" not in email or not line.strip() or len(line) > 100:
                raise ValueError("each agent is an email and a line (extension, number or sip:...)")
        return {email.strip().lower(): line.strip() for email, line in value.items()}

    @model_validator(mode="after")
    def _dialer(self) -> TelephonyConfig:
        if self.dial_provider is not None and self.dialer() != self.dial_provider:
            needs = "account_sid and caller_id" if self.dial_provider == "twilio" else "api_key"
            raise ValueError(f"dial_provider {self.dial_provider} needs {self.dial_provider}.{needs}")
        return self

    def dialer(self) -> str | None:
        """The provider that places calls, or None (click-to-call is not configured)."""
        able = [name for name in DIALERS if self.can_dial(name)]
        if self.dial_provider is not None:
            return self.dial_provider if self.dial_provider in able else None
        return able[0] if able else None

    def can_dial(self, name: str) -> bool:
        section = getattr(self, name)
        if section is None:
            return False
        return bool(section.account_sid) if name == "twilio" else bool(section.api_key)

    def api_url(self, name: str) -> str:
        return getattr(self, name).api_url or API_URLS[name]

    def agent_line(self, email: str) -> str:
        return self.agents.get(email.strip().lower(), self.default_agent)

    @field_validator("generic")
    @classmethod
    def _generic(cls, value: GenericConfig | None) -> GenericConfig | None:
        if value is not None and not value.secret and not value.tokens:
            raise ValueError("generic needs a secret or at least one token")
        return value

    def providers(self) -> list[str]:
        return [name for name in ("twilio", "zadarma", "novofon", "mango", "generic") if getattr(self, name)]


def load_config(raw: dict, region: str) -> TelephonyConfig:
    """HUB_TELEPHONY validated; the numbers normalized to E.164. ConfigurationError says what is wrong (never a
    secret's value)."""
    try:
        config = TelephonyConfig.model_validate(raw or {})
    except ValidationError as exc:
        problems = [
            f"{'.'.join(['HUB_TELEPHONY', *(str(p) for p in e['loc'])])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors(include_url=False)
        ]
        raise ConfigurationError(problems) from exc
    numbers: dict[str, str] = {}
    for raw_number, department in config.numbers.items():
        try:
            numbers[normalize_phone(raw_number, region)] = department
        except InvalidIdentity as exc:
            raise ConfigurationError([f"HUB_TELEPHONY.numbers: {exc}"]) from exc
    updates: dict = {"numbers": numbers}
    if config.twilio is not None and config.twilio.caller_id:
        try:
            caller_id = normalize_phone(config.twilio.caller_id, region)
        except InvalidIdentity as exc:
            raise ConfigurationError([f"HUB_TELEPHONY.twilio.caller_id: {exc}"]) from exc
        updates["twilio"] = config.twilio.model_copy(update={"caller_id": caller_id})
    return config.model_copy(update=updates)
