"""Mailboxes: HUB_MAILBOXES (a JSON list) or [[mailboxes]] in config/hub.toml, validated here. A problem names the
field (HUB_MAILBOXES[0].imap.port) and never echoes a password."""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, FilePath, SecretStr, ValidationError, field_validator

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class ImapConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(993, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "ssl"
    user: str = Field(min_length=1, max_length=320)
    password: SecretStr
    folder: str = Field("INBOX", min_length=1, max_length=255)
    # a PEM file of the CA(s) to trust besides the system's (a self-signed or private CA); verification stays on
    ca_file: FilePath | None = None

    def tls_context(self) -> ssl.SSLContext:
        return tls_context(self.ca_file)


class SmtpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(465, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "ssl"
    user: str = ""
    password: SecretStr = SecretStr("")
    ca_file: FilePath | None = None

    def tls_context(self) -> ssl.SSLContext:
        return tls_context(self.ca_file)


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's trusted CAs, plus `ca_file` when given; the certificate and the host name are always checked."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


class MailboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    address: str
    display_name: str = Field("", max_length=200)
    department: str | None = None
    imap: ImapConfig
    smtp: SmtpConfig
    # tuning (defaults suit real providers): polling when the server has no IDLE; IDLE re-issued after
    # idle_renew seconds (RFC 2177 allows 29 min, some providers drop it after ~9); subject threading window
    poll_interval: float = Field(60.0, gt=0)
    idle_renew: float = Field(8 * 60.0, gt=0, le=29 * 60.0)
    subject_window_days: float = Field(14.0, ge=0)
    # put "+<ref>" into the Reply-To (support+ab12cd34ef@example.com) where the server delivers plus-addresses
    plus_addressing: bool = False

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        value = value.strip().lower()
        if not _ADDRESS.match(value):
            raise ValueError("not an email address")
        return value

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


class MailboxConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


_SECRET = ("password", "secret", "token")


def parse_mailboxes(raw: list[dict[str, Any]]) -> list[MailboxConfig]:
    """The mailboxes, or MailboxConfigError listing every problem (field path, message, never a secret's value)."""
    problems: list[str] = []
    found: list[MailboxConfig] = []
    for index, item in enumerate(raw):
        try:
            found.append(MailboxConfig.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
                secret = any(word in str(p).lower() for p in err["loc"] for word in _SECRET)
                given = "" if secret or err["type"] == "missing" else f" (got {_short(err.get('input'))})"
                problems.append(f"HUB_MAILBOXES[{index}]{path}: {err['msg']}{given}")
    names = [m.name for m in found]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"HUB_MAILBOXES: two mailboxes are named {name!r}")
    if problems:
        raise MailboxConfigError(problems)
    return found


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"  # may hold a password: never echoed
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check(raw: list[dict[str, Any]]) -> list[str]:
    try:
        parse_mailboxes(raw)
    except MailboxConfigError as exc:
        return exc.problems
    return []
