"""Telegram channel (aiogram 3). Work in progress: install() is wired by hub.app."""

from __future__ import annotations

from aiohttp import web

from hub.api.http import ApiRoutes
from hub.context import Hub


def install(app: web.Application, hub: Hub, routes: ApiRoutes) -> None:
    return None
