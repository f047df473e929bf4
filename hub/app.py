"""The composition root: the one place that builds the store, the hub's services, the HTTP app, and plugs in the
connectors, the realtime layer and the bots. Nothing else in `hub` imports those packages."""

from __future__ import annotations

import gc
import logging

from aiohttp import web

import bots
import connectors.api
import connectors.email
import connectors.telegram
import connectors.telephony
import connectors.webchat
import hub.api.routes_auth  # noqa: F401  (registers the auth routes on the core table)
import realtime
import realtime.metrics
from hub import metrics as hub_metrics
from hub import web as web_pages
from hub.actions import notifications as notification_actions
from hub.actions.routing import Router
from hub.actions.sla_policies import SlaPolicies
from hub.actions.staff import ensure_admin
from hub.api.http import HUB_KEY, ApiRoutes, error_middleware, json_response
from hub.api.openapi import openapi_document
from hub.api.routes import api as core_routes
from hub.assignment import AssignmentEngine
from hub.auth import Tokens
from hub.config import ConfigurationError, Settings
from hub.context import Hub
from hub.delivery import DeliveryWorker
from hub.events import EventBus, StaffChanged
from hub.files import FileStore
from hub.logs import quiet_malformed_requests, request_ids
from hub.relay import RedisRelay
from hub.routing import load_rules_file
from hub.search_index import SearchBackfill
from hub.sla import load_sla_file
from hub.sla_timers import SlaTimers
from hub.snooze_timers import SnoozeTimers
from hub.store.port import Store
from hub.task_timers import TaskTimers

log = logging.getLogger(__name__)

WORKER_KEY = web.AppKey("delivery_worker", DeliveryWorker)
ROUTES_KEY = web.AppKey("routes", ApiRoutes)
TASK_TIMERS_KEY = web.AppKey("task_timers", TaskTimers)
SLA_TIMERS_KEY = web.AppKey("sla_timers", SlaTimers)
SNOOZE_TIMERS_KEY = web.AppKey("snooze_timers", SnoozeTimers)
SEARCH_BACKFILL_KEY = web.AppKey("search_backfill", SearchBackfill)


async def open_store(settings: Settings) -> Store:
    if settings.store == "mongo":
        from hub.store.mongo import open_mongo_store_url

        return await open_mongo_store_url(settings.mongo_url, settings.mongo_db)
    from hub.store.sqlite import open_sqlite_store

    return await open_sqlite_store(settings.sqlite_path)


async def create_app(
    settings: Settings, *, store: Store | None = None, poll_interval: float = 1.0
) -> web.Application:
    """A ready aiohttp application. The store is opened here unless given (tests pass their own); when building
    the app fails, a store opened here is closed again (its thread would keep the process alive)."""
    owns_store = store is None
    if store is None:
        store = await open_store(settings)
    try:
        return _build(settings, store, owns_store, poll_interval)
    except BaseException:
        if owns_store:
            await store.close()
        raise


def _build(settings: Settings, store: Store, owns_store: bool, poll_interval: float) -> web.Application:
    hub = Hub(
        settings=settings,
        store=store,
        bus=EventBus(),
        tokens=Tokens(settings.resolved_secret(), settings.token_ttl_hours * 3600),
        files=FileStore(settings.files_dir, settings.max_file_bytes),
    )

    async def drop_directory(_event: StaffChanged) -> None:
        hub.directory.invalidate()

    hub.bus.subscribe(StaffChanged, drop_directory)
    notification_actions.install(hub)  # mentions are stored in the notification centre
    relay = RedisRelay(hub.bus, settings.redis_url) if settings.redis_url else None
    metrics = hub_metrics.Metrics()
    quiet_malformed_requests()
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[request_ids, metrics.middleware(), error_middleware],
    )
    app[HUB_KEY] = hub

    routes = ApiRoutes()
    routes.specs = list(core_routes.specs)
    sio = realtime.create_server(app, hub)
    hub_metrics.install(app, hub, metrics)  # GET /metrics
    realtime.metrics.instrument(app, sio, metrics)
    connectors.api.install(app, hub, routes)
    email_sender = connectors.email.install(app, hub, routes)
    # mail the hub sends itself (web chat email codes) goes out through the first mailbox, when there is one
    hub.mailer = connectors.email.mailer_of(list(email_sender.mailboxes.values()))
    connectors.webchat.install(app, hub, routes, sio)
    connectors.telegram.install(app, hub, routes)
    connectors.telephony.install(app, hub, routes)
    try:
        flows = bots.install(app, hub, routes)
    except bots.FlowConfigError as exc:
        raise ConfigurationError(exc.problems) from exc
    hub.bot_flows = [bots.summarize(flow) for flow in flows]  # GET /api/v1/bots (hub/ never imports bots/)
    # routing rules (config/routing.yaml, HUB_ROUTING_FILE) run after ingest; assignment follows the bus
    rules, rule_problems = load_rules_file(settings.routing_file)
    if rules is None:
        raise ConfigurationError(rule_problems)
    hub.router = Router(rules)
    hub.after_inbound = hub.router.after_inbound
    # SLA policies (config/sla.yaml, HUB_SLA_FILE): clocks follow the conversations' events, notices on a timer
    sla_config, sla_problems = load_sla_file(settings.sla_file)
    if sla_config is None:
        raise ConfigurationError(sla_problems)
    hub.sla = sla_config
    sla_policies = SlaPolicies(hub)  # what an admin saved over REST replaces the file's, in every process
    sla_timers = SlaTimers(hub).listen()
    app[SLA_TIMERS_KEY] = sla_timers
    assignment = AssignmentEngine(hub).attach()
    routes.install(app)

    document = openapi_document(routes)

    async def openapi(_request: web.Request) -> web.Response:
        return json_response(document)

    app.router.add_get("/api/v1/openapi.json", openapi)
    web_pages.install(app)
    app[ROUTES_KEY] = routes

    worker = DeliveryWorker(hub, poll_interval=poll_interval)
    app[WORKER_KEY] = worker
    task_timers = TaskTimers(hub)
    app[TASK_TIMERS_KEY] = task_timers
    snooze_timers = SnoozeTimers(hub)  # snoozed conversations wake at their time
    app[SNOOZE_TIMERS_KEY] = snooze_timers
    search_backfill = SearchBackfill(hub)
    app[SEARCH_BACKFILL_KEY] = search_backfill

    async def startup(_app: web.Application) -> None:
        admin = await ensure_admin(hub)
        if admin is not None:
            log.info("created admin %s", admin.email)
        if relay is not None:
            await relay.start()
        await worker.start()
        await assignment.start()
        await task_timers.start()
        await sla_policies.start()
        await sla_timers.start()
        await snooze_timers.start()
        await search_backfill.start()  # entries stored before the full-text index, in the background
        # what start-up built lives as long as the process: keep it out of the cyclic GC's full collections,
        # which otherwise pause every request for tens of milliseconds once many sockets are connected
        gc.collect()
        gc.freeze()

    async def cleanup(_app: web.Application) -> None:
        await search_backfill.stop()
        await snooze_timers.stop()
        await sla_timers.stop()
        await sla_policies.stop()
        await task_timers.stop()
        await assignment.stop()
        await worker.stop()
        if relay is not None:
            await relay.stop()
        await hub.settles.flush()  # what this process ingested is settled before it stops
        if owns_store:
            await store.close()

    app.on_startup.append(startup)
    app.on_cleanup.append(cleanup)
    return app


def check_extensions(settings: Settings) -> list[str]:
    """Configuration problems found by the plugged-in packages (bot flows, ...) and the routing rules, for
    `hub check`."""
    return (
        load_rules_file(settings.routing_file)[1]
        + load_sla_file(settings.sla_file)[1]
        + _plugged_in(settings)
    )


def _plugged_in(settings: Settings) -> list[str]:
    return bots.check(settings) + connectors.email.check(settings) + connectors.telephony.check(settings)
