"""Configuration: environment variables prefixed HUB_, over optional defaults in config/hub.toml."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_TOML = Path("config/hub.toml")


class TelegramBotConfig(BaseModel):
    """One Telegram bot: `name` appears in its webhook URL /webhooks/telegram/{name}."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    token: str = Field(pattern=r"^\d+:[A-Za-z0-9_-]{20,}$")
    webhook_secret: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    groups: bool = False  # also take messages from group chats


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore", validate_default=True)

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = ""
    store: Literal["sqlite", "mongo", ""] = ""
    sqlite_path: Path = Path("./data/hub.db")
    mongo_url: str = ""
    mongo_db: str = "hub"
    redis_url: str = ""
    # permessage-deflate on the Socket.IO websockets (browsers offer it): compressed per socket and frame
    ws_deflate: bool = False
    secret_key: str = ""
    token_ttl_hours: int = Field(24 * 7, ge=1)
    admin_email: str = ""
    admin_password: str = ""
    default_region: str = "RU"
    language: Literal["en", "ru"] = "en"
    # who of the staff sees a client card: every staff member, or agents only through their departments' work
    client_visibility: Literal["all", "department"] = "all"
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    api_webhook_url: str = ""
    # the key of X-Hub-Signature on api webhooks; empty: derived from secret_key (hub.keys), never the master key
    api_webhook_secret: str = ""
    # proxies (IP addresses or CIDR networks) whose X-Forwarded-For names the client; others' is ignored
    trusted_proxies: list[str] = Field(default_factory=list)
    # failed logins: per account and per client address, within the window; beyond it 429 with Retry-After
    login_failures_per_account: int = Field(5, ge=1)
    login_failures_per_address: int = Field(20, ge=1)
    login_failure_window_seconds: int = Field(15 * 60, ge=1)
    # new web chat visitors one address may start within the window (a token bucket)
    widget_new_visitors_per_address: int = Field(30, ge=1)
    widget_new_visitors_window_seconds: int = Field(10 * 60, ge=1)
    delivery_max_attempts: int = Field(6, ge=1)
    delivery_base_delay: float = Field(2.0, gt=0)
    # tasks: the reminder goes this many minutes before the due time (0: no reminder, only the overdue notice); the
    # notice timer also re-reads the store at least this often (tasks another hub process scheduled)
    task_reminder_minutes: float = Field(15.0, ge=0)
    task_timer_max_sleep_seconds: float = Field(30.0, gt=0)
    log_level: str = "INFO"
    # "json": one JSON object per log line, with the request id of the HTTP request it belongs to (hub.logs)
    log_format: Literal["text", "json"] = "text"
    # a bearer token a Prometheus scraper may read GET /metrics with (admins' own tokens work too); empty: none
    metrics_token: str = ""
    files_dir: Path = Path("./data/files")
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    # channels
    telegram_bots: list[TelegramBotConfig] = Field(default_factory=list)
    telegram_api_base: str = ""
    telegram_mode: Literal["webhook", "polling"] = "webhook"
    # email mailboxes (HUB_MAILBOXES, a JSON list, or [[mailboxes]] in hub.toml): validated by connectors.email
    mailboxes: list[dict[str, Any]] = Field(default_factory=list)
    widget_origins: list[str] = Field(default_factory=list)
    # HUB_TELEPHONY (JSON): providers and their secrets, our numbers' departments (connectors.telephony.config)
    telephony: dict[str, Any] = Field(default_factory=dict)
    # bots
    bots_dir: Path = Path("./config/bots")
    # routing rules (hub.routing); a missing file: no rules. Admins may replace them over REST (stored)
    routing_file: Path = Path("./config/routing.yaml")
    # SLA policies (hub.sla): first-response and resolution targets per department and priority; missing: no SLA
    sla_file: Path = Path("./config/sla.yaml")
    # an agent who replies to an unassigned conversation takes it (HUB_ASSIGN_ON_REPLY=true)
    assign_on_reply: bool = False

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("HUB_CONFIG", DEFAULT_TOML))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @field_validator("admin_email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if value and "@" not in value:
            raise ValueError("must be an email address")
        return value

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str) -> str:
        import phonenumbers

        value = value.upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown region {value!r} (use a two-letter country code like RU, US, GB)")
        return value

    @model_validator(mode="after")
    def _store_choice(self) -> Settings:
        if not self.store:
            self.store = "mongo" if self.mongo_url else "sqlite"
        if self.store == "mongo" and not self.mongo_url:
            raise ValueError("HUB_STORE is mongo but HUB_MONGO_URL is empty")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("HUB_REDIS_URL must start with redis://, rediss:// or unix://")
        names = [b.name for b in self.telegram_bots]
        if len(names) != len(set(names)):
            raise ValueError("HUB_TELEGRAM_BOTS: two bots have the same name")
        if self.telegram_mode == "webhook" and any(not b.webhook_secret for b in self.telegram_bots):
            raise ValueError("HUB_TELEGRAM_BOTS: every bot needs a webhook_secret in webhook mode")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(f"HUB_TRUSTED_PROXIES: not an IP address or network: {proxy!r}") from exc
        if bool(self.admin_email) != bool(self.admin_password):
            raise ValueError("set both HUB_ADMIN_EMAIL and HUB_ADMIN_PASSWORD, or neither")
        return self

    def resolved_secret(self) -> str:
        """HUB_SECRET_KEY, or (single machine only) a key generated once and kept next to the SQLite file."""
        if self.secret_key:
            return self.secret_key
        key_file = self.sqlite_path.parent / "secret_key"
        if key_file.is_file():
            return key_file.read_text().strip()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


class ConfigurationError(Exception):
    """Configuration the hub cannot start with (e.g. a broken bot flow file); `problems` says what and where."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


_SECRET_WORDS = ("token", "secret", "password", "key")


def describe_errors(exc: ValidationError) -> list[str]:
    """One line a problem: the variable (HUB_TELEGRAM_BOTS[0].token), what is wrong, and what was given (never
    the value of a secret)."""
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if not loc:
            lines.append(err["msg"])
            continue
        name = f"HUB_{loc[0].upper()}" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        # a whole JSON object or list (HUB_TELEPHONY, HUB_MAILBOXES) may hold secrets: never echoed
        secret = any(word in loc[-1].lower() for word in _SECRET_WORDS) or isinstance(
            err.get("input"), (dict, list)
        )
        given = "" if secret else f" (got {err.get('input')!r})"
        lines.append(f"{name}: {err['msg']}{given}")
    return lines


def check(settings: Settings) -> tuple[list[str], list[str]]:
    """Problems (errors, warnings) a valid-looking configuration still has."""
    errors: list[str] = []
    warnings: list[str] = []
    if settings.store == "mongo" and not settings.mongo_url.startswith(("mongodb://", "mongodb+srv://")):
        errors.append("HUB_MONGO_URL must start with mongodb:// or mongodb+srv://")
    if settings.store == "sqlite":
        parent = settings.sqlite_path.resolve().parent
        probe = parent
        while not probe.exists():
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            errors.append(f"HUB_SQLITE_PATH: cannot write under {probe}")
    if settings.redis_url and settings.store == "sqlite":
        warnings.append(
            "HUB_REDIS_URL is set with the sqlite store: several processes need a shared store (mongo)"
        )
    if not settings.secret_key:
        warnings.append(
            "HUB_SECRET_KEY is empty: a key is generated and kept next to the SQLite file "
            "(set one for production and for several processes)"
        )
    elif len(settings.secret_key) < 32:
        errors.append("HUB_SECRET_KEY is too short: use at least 32 characters")
    tokens = [b.token for b in settings.telegram_bots]
    if len(tokens) != len(set(tokens)):
        errors.append(
            "HUB_TELEGRAM_BOTS: two bots have the same token (Telegram sends each update to one of them)"
        )
    if settings.telegram_bots and settings.telegram_mode == "webhook":
        if not settings.public_url:
            warnings.append(
                "Telegram bots in webhook mode and no HUB_PUBLIC_URL: set it so the hub calls setWebhook, "
                "or set HUB_TELEGRAM_MODE=polling for development"
            )
        elif not settings.public_url.startswith("https://"):
            errors.append("HUB_PUBLIC_URL must be https:// for Telegram webhooks")
    if settings.public_url and not settings.public_url.startswith(("http://", "https://")):
        errors.append("HUB_PUBLIC_URL must start with http:// or https://")
    if settings.admin_password and len(settings.admin_password) < 8:
        errors.append("HUB_ADMIN_PASSWORD is too short: use at least 8 characters")
    return errors, warnings


def load(**overrides: Any) -> Settings:
    return Settings(**overrides)
