"""Channel-agnostic bot engine. Work in progress: install() and check() are wired by hub.app."""

from __future__ import annotations

from aiohttp import web

from hub.api.http import ApiRoutes
from hub.config import Settings
from hub.context import Hub


def install(app: web.Application, hub: Hub, routes: ApiRoutes) -> None:
    return None


def check(settings: Settings) -> list[str]:
    """Problems with the bot flows (file, line, reason), for `hub check` and start-up."""
    return []
