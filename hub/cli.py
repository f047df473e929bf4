"""The `hub` command: serve, demo, user add, check."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable

from pydantic import ValidationError
from pydantic_settings import SettingsError

from hub.config import ConfigurationError, Settings, check, describe_errors
from hub.context import Hub
from hub.errors import HubError


def _settings(args: argparse.Namespace | None = None) -> Settings:
    overrides = {}
    if args is not None:
        if getattr(args, "host", None):
            overrides["host"] = args.host
        if getattr(args, "port", None):
            overrides["port"] = args.port
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        print("The configuration is not valid:", file=sys.stderr)
        for line in describe_errors(exc):
            print(f"  - {line}", file=sys.stderr)
        raise SystemExit(2) from None
    except SettingsError as exc:
        # a JSON variable that is not JSON: named, never echoed (it holds secrets)
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"HUB_{field.group(1).upper()}" if field else "a JSON variable"
        print(f"The configuration is not valid:\n  - {name} is not valid JSON", file=sys.stderr)
        raise SystemExit(2) from None


def _logging(settings: Settings) -> None:
    from hub.logs import configure

    configure(settings.log_level, settings.log_format)  # HUB_LOG_FORMAT=json: one JSON object per line


def _serve(settings: Settings, *, demo: bool, reuse_port: bool = False) -> None:
    from aiohttp import web

    from hub.api.http import HUB_KEY
    from hub.app import create_app

    async def build() -> web.Application:
        app = await create_app(settings)
        if demo:
            from hub.demo import seed_demo

            async def seed(_app: web.Application) -> None:
                if await seed_demo(app[HUB_KEY]):
                    logging.getLogger("hub.demo").info("demo data seeded")

            app.on_startup.insert(0, seed)  # first: the bots then find the departments they hand off to
        return app

    url = f"http://{settings.host}:{settings.port}"

    def announce(_text: str) -> None:
        print(f"\nThe hub is running at {url}  (store: {settings.store}; Ctrl+C stops it)", flush=True)
        if demo:
            from hub.demo import demo_logins

            print("Demo logins (email / password / role):")
            for email, password, role in demo_logins():
                print(f"  {email:<24} {password:<16} {role}")
            print(f"Inbox: {url}/inbox   web chat demo page: {url}/demo/site")
            print(f"Partner portal (partner@example.com, Dealer North): {url}/portal")
            print(f"Admin pages (admin@example.com; supervisor@ reads them): {url}/admin")
            print(f"API: {url}/api/v1/openapi.json   health: {url}/healthz\n", flush=True)

    try:
        web.run_app(
            build(),
            host=settings.host,
            port=settings.port,
            print=announce if not reuse_port else None,
            access_log=None,
            reuse_port=reuse_port or None,
            loop=_event_loop(),
        )
    except ConfigurationError as exc:
        print("The hub cannot start:", file=sys.stderr)
        for line in exc.problems:
            print(f"  - {line}", file=sys.stderr)
        raise SystemExit(2) from None


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (a dependency off Windows): ~3% more ingest in the same run (issue #13)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _logging(settings)
    workers = getattr(args, "workers", 1) or 1
    if workers > 1:
        from hub.workers import serve_workers

        return serve_workers(settings, workers)
    _serve(settings, demo=False, reuse_port=bool(getattr(args, "reuse_port", False)))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _logging(settings)
    _serve(settings, demo=True)
    return 0


def cmd_check(_args: argparse.Namespace) -> int:
    settings = _settings()
    errors, warnings = check(settings)
    from hub.app import check_extensions

    errors += check_extensions(settings)
    if settings.store == "sqlite":
        where = f"sqlite at {settings.sqlite_path}"
    else:
        where = f"mongo database {settings.mongo_db!r}"
    print(
        f"store: {where}; listening on {settings.host}:{settings.port}"
        f"{'; redis: ' + settings.redis_url if settings.redis_url else ''}"
    )
    for line in warnings:
        print(f"warning: {line}")
    for line in errors:
        print(f"error: {line}", file=sys.stderr)
    if errors:
        return 2
    print("configuration OK")
    return 0


def _with_hub(settings: Settings, work: Callable[[Hub], Awaitable[str]]) -> int:
    """Run one action against the configured store, outside the server: print what `work` returns, or the
    action's error (exit 2)."""
    from hub.app import open_store
    from hub.auth import Tokens
    from hub.events import EventBus

    async def run() -> int:
        store = await open_store(settings)
        try:
            hub = Hub(
                settings=settings, store=store, bus=EventBus(), tokens=Tokens(settings.resolved_secret(), 60)
            )
            print(await work(hub))
            return 0
        except HubError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        finally:
            await store.close()

    return asyncio.run(run())


def cmd_user_add(args: argparse.Namespace) -> int:
    from hub.actions.staff import create_user
    from hub.domain import Role

    settings = _settings()
    password = args.password or os.environ.get("HUB_NEW_USER_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print(
                "error: give --password (or HUB_NEW_USER_PASSWORD) when not run from a terminal",
                file=sys.stderr,
            )
            return 2
        password = getpass.getpass("Password for the new user: ")

    async def add(hub: Hub) -> str:
        department_ids = []
        for name in args.department or []:
            department = await hub.store.departments.get_by_name(name)
            if department is None:
                raise HubError(f"no department named {name!r}")
            department_ids.append(department.id)
        user = await create_user(
            hub,
            email=args.email,
            name=args.name,
            role=Role(args.role),
            password=password,
            department_ids=department_ids,
        )
        return f"added {user.role.value} {user.email} ({user.id})"

    return _with_hub(settings, add)


def cmd_department_add(args: argparse.Namespace) -> int:
    from hub.actions.staff import create_department

    async def add(hub: Hub) -> str:
        department = await create_department(hub, args.name)
        return f"added department {department.name} ({department.id})"

    return _with_hub(_settings(), add)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hub", description="Omnichannel communication hub and collaborative CRM")
    sub = p.add_subparsers(dest="command", required=True)
    for name, func, help_text in (
        ("serve", cmd_serve, "serve the hub"),
        ("demo", cmd_demo, "serve the hub with demo data (seeded once)"),
    ):
        s = sub.add_parser(name, help=help_text)
        s.add_argument("--host")
        s.add_argument("--port", type=int)
        if name == "serve":
            s.add_argument(
                "--workers", type=int, default=1, help="processes sharing the port (needs HUB_REDIS_URL)"
            )
            # each worker of --workers: bind with SO_REUSEPORT
            s.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
        s.set_defaults(func=func)
    s = sub.add_parser("check", help="validate the configuration and say what is wrong")
    s.set_defaults(func=cmd_check)
    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    s = user.add_parser("add", help="add a user")
    s.add_argument("--email", required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--role", required=True, choices=["admin", "supervisor", "agent", "partner"])
    s.add_argument("--department", action="append", help="department name (repeatable)")
    s.add_argument("--password", help="the password (else HUB_NEW_USER_PASSWORD, else asked)")
    s.set_defaults(func=cmd_user_add)
    dep = sub.add_parser("department", help="manage departments").add_subparsers(
        dest="dep_command", required=True
    )
    s = dep.add_parser("add", help="add a department")
    s.add_argument("--name", required=True)
    s.set_defaults(func=cmd_department_add)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
