"""Configuration: HUB_* variables over config/hub.toml (or the file HUB_CONFIG names)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.config import Settings, describe_errors

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture
def clean_env(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith("HUB_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_toml_gives_defaults_and_the_environment_wins(tmp_path, clean_env):
    toml = tmp_path / "hub.toml"
    toml.write_text(
        f'port = 9090\ntelegram_mode = "polling"\n[[telegram_bots]]\nname = "shop"\ntoken = "{TOKEN}"\n'
    )
    clean_env.setenv("HUB_CONFIG", str(toml))
    settings = Settings()
    assert settings.port == 9090 and settings.telegram_mode == "polling"
    assert [b.name for b in settings.telegram_bots] == ["shop"]
    clean_env.setenv("HUB_PORT", "9191")
    assert Settings().port == 9191


def test_the_store_follows_the_mongo_url(clean_env, tmp_path):
    clean_env.setenv("HUB_CONFIG", str(tmp_path / "none.toml"))
    assert Settings().store == "sqlite"
    clean_env.setenv("HUB_MONGO_URL", "mongodb://db:27017")
    assert Settings().store == "mongo"


def test_telegram_bots_from_json_and_webhook_mode_needs_secrets(clean_env, tmp_path):
    clean_env.setenv("HUB_CONFIG", str(tmp_path / "none.toml"))
    clean_env.setenv(
        "HUB_TELEGRAM_BOTS", f'[{{"name": "shop", "token": "{TOKEN}", "webhook_secret": "s3cret"}}]'
    )
    assert Settings().telegram_bots[0].webhook_secret == "s3cret"
    clean_env.setenv("HUB_TELEGRAM_BOTS", f'[{{"name": "shop", "token": "{TOKEN}"}}]')
    with pytest.raises(ValidationError) as failure:
        Settings()
    assert "webhook_secret" in " ".join(describe_errors(failure.value))
    clean_env.setenv("HUB_TELEGRAM_BOTS", '[{"name": "Shop Bot!", "token": "nope"}]')
    with pytest.raises(ValidationError) as failure:
        Settings()
    lines = describe_errors(failure.value)
    assert any(line.startswith("HUB_TELEGRAM_BOTS[0].name:") and "Shop Bot!" in line for line in lines)
    assert any(line.startswith("HUB_TELEGRAM_BOTS[0].token:") for line in lines)
    assert not any("nope" in line for line in lines)  # a token is never echoed


def test_check_reports_telegram_setups_that_cannot_work(clean_env, tmp_path):
    from hub.config import TelegramBotConfig, check

    def bots(*names: str) -> list[TelegramBotConfig]:
        return [TelegramBotConfig(name=n, token=TOKEN, webhook_secret="s") for n in names]

    base = {"sqlite_path": tmp_path / "hub.db", "secret_key": "k" * 40}
    errors, warnings = check(Settings(**base, telegram_bots=bots("a", "b")))
    assert any("same token" in e for e in errors)
    errors, warnings = check(Settings(**base, telegram_bots=bots("a")))
    assert not errors and any("HUB_PUBLIC_URL" in w for w in warnings)
    errors, _ = check(Settings(**base, telegram_bots=bots("a"), public_url="http://hub.example.com"))
    assert any("https://" in e for e in errors)
    errors, warnings = check(Settings(**base, telegram_bots=bots("a"), public_url="https://hub.example.com"))
    assert errors == [] and warnings == []
