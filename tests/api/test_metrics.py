"""GET /metrics: Prometheus text for an admin or the scrape token (HUB_METRICS_TOKEN), 401 for anyone else; the
figures follow what happened (inbound by channel, HTTP routes, sockets by namespace, pushes, loop lag)."""

from __future__ import annotations

import asyncio

import pytest
import socketio
from prometheus_client.parser import text_string_to_metric_families
from support import make_settings

from hub.actions import staff
from hub.domain import Role
from realtime import DISPATCH_KEY

SCRAPE = "scrape-token-" + "s" * 24


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path, metrics_token=SCRAPE)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def get_metrics(server, token: str | None) -> tuple[int, str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with server.http.get(f"{server.url}/metrics", headers=headers) as r:
        return r.status, r.headers.get("Content-Type", ""), await r.text()


async def test_metrics_for_an_admin_or_the_scrape_token_only(server):
    await staff.create_user(
        server.hub, email="agent@example.com", name="Agent", role=Role.agent, password="agent-password"
    )
    admin = (await server.login())["Authorization"][7:]
    agent = (await server.login("agent@example.com", "agent-password"))["Authorization"][7:]
    for token in (None, "nonsense", agent, SCRAPE[:-1]):
        status, _type, _text = await get_metrics(server, token)
        assert status == 401, token
    for token in (admin, SCRAPE):
        status, content_type, text = await get_metrics(server, token)
        assert status == 200 and content_type.startswith("text/plain")
        assert "hub_inbound_messages" in text and "process_cpu_seconds_total" in text


async def test_the_figures_follow_the_traffic(server):
    headers = await server.login()
    token = headers["Authorization"][7:]
    agent = socketio.AsyncClient(reconnection=False)
    got = asyncio.Event()
    agent.on("timeline:new", lambda _data: got.set(), namespace="/agent")
    await agent.connect(
        server.url, namespaces=["/agent"], auth={"token": token}, transports=["websocket"], wait_timeout=5
    )
    try:
        for n in range(3):
            async with server.http.post(
                f"{server.url}/api/v1/inbound",
                headers=headers,
                json={"external_id": f"m-{n}", "sender": {"email": "m@example.com"}, "text": "hi"},
            ) as r:
                assert r.status == 201
        async with server.http.post(  # a duplicate is not a new message
            f"{server.url}/api/v1/inbound",
            headers=headers,
            json={"external_id": "m-0", "sender": {"email": "m@example.com"}, "text": "hi"},
        ) as r:
            assert r.status == 200
        await asyncio.wait_for(got.wait(), 5)
        await server.app[DISPATCH_KEY].drain()
        await asyncio.sleep(0.3)  # one loop-lag tick
        status, _type, text = await get_metrics(server, SCRAPE)
        assert status == 200
        m = samples(text)
        assert m[("hub_inbound_messages_total", (("channel", "api"),))] == 3
        assert m[("hub_ingest_seconds_count", ())] == 3
        inbound = (("method", "POST"), ("route", "/api/v1/inbound"), ("status", "201"))
        assert m[("hub_http_request_seconds_count", inbound)] == 3
        duplicate = (("method", "POST"), ("route", "/api/v1/inbound"), ("status", "200"))
        assert m[("hub_http_request_seconds_count", duplicate)] == 1
        assert m[("hub_sockets_connected", (("namespace", "/agent"),))] == 1
        assert m[("hub_fanout_seconds_count", (("event", "EntryAdded"),))] == 3
        assert m[("hub_fanout_queue_depth", ())] == 0
        assert m[("hub_fanout_failures_total", ())] == 0
        assert m[("hub_event_loop_lag_seconds_count", ())] >= 1
    finally:
        await agent.disconnect()
