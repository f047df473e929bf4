"""HUB_TELEPHONY: which providers are connected, their secrets, and which department each of our numbers is for."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.config import ConfigurationError
from hub.identities import InvalidIdentity, normalize_phone

_SECRET = Field(min_length=1, max_length=512)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TwilioConfig(_Section):
    auth_token: str = _SECRET


class ZadarmaConfig(_Section):
    """Zadarma, and Novofon (the same API): the key's secret from the personal account's API page."""

    secret: str = _SECRET


class MangoConfig(_Section):
    api_key: str = _SECRET
    api_salt: str = _SECRET


class GenericConfig(_Section):
    """Any PBX: `secret` keys X-Hub-Signature; `tokens` are bearer tokens, one per PBX that cannot compute an HMAC
    (an Asterisk dialplan's CURL)."""

    secret: str = Field("", max_length=512)
    tokens: list[str] = Field(default_factory=list)

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
            f"HUB_TELEPHONY.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors(include_url=False)
        ]
        raise ConfigurationError(problems) from exc
    numbers: dict[str, str] = {}
    for raw_number, department in config.numbers.items():
        try:
            numbers[normalize_phone(raw_number, region)] = department
        except InvalidIdentity as exc:
            raise ConfigurationError([f"HUB_TELEPHONY.numbers: {exc}"]) from exc
    return config.model_copy(update={"numbers": numbers})
