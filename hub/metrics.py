"""What the hub is doing, for Prometheus: `GET /metrics` (text format, prometheus-client), readable with an admin's
token (or session) or with HUB_METRICS_TOKEN as the bearer token of a scraper.

- `hub_inbound_messages_total{channel}`: inbound timeline entries stored (duplicates are not counted);
- `hub_ingest_seconds`: from an inbound message's arrival in the ingest action to its events (`EntryAdded`);
- `hub_http_request_seconds{method, route, status}`: every HTTP request, by route template;
- `hub_fanout_seconds{event}`: from an event's publication to the end of its pushes (the agent listeners' lanes);
- `hub_fanout_queue_depth`, `hub_fanout_failures_total`: events waiting for their pushes, pushes that raised;
- `hub_sockets_connected{namespace}`: the Socket.IO sockets of this process;
- `hub_deliveries_total{channel, status}`: outgoing replies sent, failed or queued again (webhook and channel health);
- `hub_component_up{component}`: 1/0 health flags that plugged-in parts set (mailboxes, webhooks: `Metrics.health`);
- `hub_event_loop_lag_seconds`: how late a timer that should fire every 0.25 s fires (a blocked loop shows here);
- the process's CPU, memory and open files (prometheus-client's process collector).

Every figure is per process: with `hub serve --workers N` each scrape reaches one of them (label the targets by
worker, or scrape each worker on a port of its own). The registry is the app's own, so several apps in one process
(tests) do not clash.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector

from hub.context import Hub
from hub.domain import DeliveryStatus, Direction, Role
from hub.events import DeliveryChanged, EntryAdded

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_EVERY = 0.25


class _Callbacks:
    """Values read when scraped (socket counts, queue depths) rather than kept up to date."""

    def __init__(self) -> None:
        self.gauges: list[
            tuple[str, str, list[str], Callable[[], Iterable[tuple[tuple[str, ...], float]]]]
        ] = []
        self.counters: list[tuple[str, str, Callable[[], float]]] = []

    def collect(self):
        for name, doc, labels, read in self.gauges:
            family = GaugeMetricFamily(name, doc, labels=labels)
            try:
                for values, value in read():
                    family.add_metric(list(values), value)
            except Exception:
                log.exception("metric %s could not be read", name)
            yield family
        for name, doc, read in self.counters:
            family = CounterMetricFamily(name, doc)
            try:
                family.add_metric([], read())
            except Exception:
                log.exception("metric %s could not be read", name)
            yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.inbound = Counter("hub_inbound_messages", "Inbound messages stored", ["channel"], registry=r)
        self.ingest = Histogram(
            "hub_ingest_seconds",
            "Ingest of one inbound message, to its events",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.http = Histogram(
            "hub_http_request_seconds",
            "HTTP requests by route template",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.fanout = Histogram(
            "hub_fanout_seconds",
            "From an event's publication to the end of its pushes",
            ["event"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "hub_deliveries", "Outgoing deliveries by outcome", ["channel", "status"], registry=r
        )
        self.component_up = Gauge(
            "hub_component_up", "Health of a plugged-in part (1 up)", ["component"], registry=r
        )
        self.loop_lag = Histogram(
            "hub_event_loop_lag_seconds",
            f"How late a {LAG_EVERY} s timer fires",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=r,
        )
        self.callbacks = _Callbacks()
        r.register(self.callbacks)  # type: ignore[arg-type]
        ProcessCollector(registry=r)
        self._lag_task: asyncio.Task[None] | None = None

    # --- what plugged-in parts report ---------------------------------------------------------------------------

    def health(self, component: str, up: bool) -> None:
        self.component_up.labels(component).set(1 if up else 0)

    def gauge(
        self,
        name: str,
        doc: str,
        labels: list[str],
        read: Callable[[], Iterable[tuple[tuple[str, ...], float]]],
    ) -> None:
        self.callbacks.gauges.append((name, doc, labels, read))

    def counter(self, name: str, doc: str, read: Callable[[], float]) -> None:
        self.callbacks.counters.append((name, doc, read))

    def fanout_done(self, event: str, seconds: float) -> None:
        self.fanout.labels(event).observe(seconds)

    # --- wiring -------------------------------------------------------------------------------------------------

    def subscribe(self, hub: Hub) -> None:
        inbound = _Children(self.inbound)

        async def entry_added(event: EntryAdded) -> None:
            entry = event.entry
            if entry.direction is Direction.inbound:
                inbound.of(entry.channel).inc()
                self.ingest.observe(max(0.0, (hub.clock() - entry.created_at).total_seconds()))

        async def delivery_changed(event: DeliveryChanged) -> None:
            delivery = event.entry.delivery
            status = delivery.status if delivery is not None else None
            if status is not None:
                self.deliveries.labels(event.entry.channel, DeliveryStatus(status).value).inc()

        hub.bus.subscribe(EntryAdded, entry_added)
        hub.bus.subscribe(DeliveryChanged, delivery_changed)

    def middleware(self):
        http = _Children(self.http)

        @web.middleware
        async def measure(request: web.Request, handler):
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            finally:
                resource = request.match_info.route.resource
                route = resource.canonical if resource is not None else "unmatched"
                http.of(request.method, route, str(status)).observe(time.perf_counter() - started)

        return measure

    async def start(self) -> None:
        async def watch() -> None:
            loop = asyncio.get_running_loop()
            while True:
                due = loop.time() + LAG_EVERY
                await asyncio.sleep(LAG_EVERY)
                self.loop_lag.observe(max(0.0, loop.time() - due))

        self._lag_task = asyncio.get_running_loop().create_task(watch(), name="metrics:loop-lag")

    async def stop(self) -> None:
        if self._lag_task is not None:
            self._lag_task.cancel()
            try:
                await self._lag_task
            except asyncio.CancelledError:
                pass
            self._lag_task = None

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Children:
    """A labelled metric's children by their label values, looked up once: `labels()` checks and converts its
    values and takes a lock on every call (two calls per ingested message; issue #13)."""

    __slots__ = ("_metric", "_known")

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._known: dict[tuple[str, ...], Any] = {}

    def of(self, *values: str) -> Any:
        child = self._known.get(values)
        if child is None:
            child = self._known[values] = self._metric.labels(*values)
        return child


METRICS_KEY = web.AppKey("metrics", Metrics)


def install(app: web.Application, hub: Hub, metrics: Metrics) -> None:
    """GET /metrics, the subscribers and the loop-lag timer (the composition root adds `metrics.middleware()`)."""
    from hub.api.http import bearer_token, user_from_token

    metrics.subscribe(hub)
    scrape_token = hub.settings.metrics_token

    async def serve_metrics(request: web.Request) -> web.Response:
        token = bearer_token(request)
        allowed = bool(scrape_token and token and hmac.compare_digest(token.encode(), scrape_token.encode()))
        if not allowed:
            user = await user_from_token(hub, token)
            allowed = user is not None and user.role is Role.admin
        if not allowed:
            return web.Response(
                status=401,
                text="an admin's token or HUB_METRICS_TOKEN: 'Authorization: Bearer <token>'\n",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/metrics", serve_metrics)

    async def start(_app: web.Application) -> None:
        await metrics.start()

    async def stop(_app: web.Application) -> None:
        await metrics.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app[METRICS_KEY] = metrics
