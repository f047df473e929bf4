"""Replies on the api channel are POSTed to HUB_API_WEBHOOK_URL, signed; retried on 5xx, failed on 4xx, and an
agent can retry a failed one. A local aiohttp server plays the other system. Sqlite only: the store is not the point.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from api_helpers import Api, admin_api, api_settings, push, run_hub, timeline, wait_for_delivery
from itsdangerous import URLSafeTimedSerializer
from support import RunningHub, free_port, start_app
from support import eventually as wait_for

from hub.config import Settings
from hub.keys import API_WEBHOOK, derive_secret


@dataclass
class Target:
    """The other system's webhook endpoint: answers with the queued statuses (then 200), records each request."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({"ok": status < 300}, status=status)


@dataclass
class WebhookHub:
    server: RunningHub
    settings: Settings
    target: Target
    admin: Api


@pytest.fixture
async def webhook_hub(tmp_path) -> AsyncIterator[WebhookHub]:
    target = Target()
    target_app = web.Application()
    target_app.router.add_post("/hook", target.handle)
    target_runner, target_url = await start_app(target_app)
    target.url = f"{target_url}/hook"
    settings = api_settings(tmp_path, api_webhook_url=target.url, delivery_base_delay=0.05)
    try:
        async with run_hub(settings) as server:
            yield WebhookHub(server, settings, target, await admin_api(server.url, server.http))
    finally:
        await target_runner.cleanup()


def webhook_key(settings: Settings) -> str:
    """What a receiver is given to verify X-Hub-Signature: HUB_API_WEBHOOK_SECRET, else the key derived from
    HUB_SECRET_KEY for this purpose (hub.keys)."""
    return settings.api_webhook_secret or derive_secret(settings.secret_key, API_WEBHOOK)


def check_signature(secret: str, headers: dict[str, str], body: bytes) -> None:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hub-Signature"], expected), headers
    wrong = "sha256=" + hmac.new(b"another secret", body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature"] != wrong


async def reply_in_new_conversation(admin: Api, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    pushed = await push(admin, text="question")
    reply = await admin.ok(
        "POST", f"/api/v1/conversations/{pushed['conversation_id']}/replies", {"text": text}, status=201
    )
    assert reply["delivery"]["status"] == "queued"
    return pushed, reply


async def test_a_reply_arrives_as_signed_json_and_becomes_sent(webhook_hub):
    hub, target = webhook_hub, webhook_hub.target
    pushed, reply = await reply_in_new_conversation(hub.admin, "Привет, your order ships today")

    sent = await wait_for_delivery(hub.admin, pushed["conversation_id"], reply["id"], "sent")
    assert sent["delivery"]["attempts"] == 1

    assert len(target.received) == 1
    headers, body = target.received[0]
    assert headers["Content-Type"].startswith("application/json")
    check_signature(webhook_key(hub.settings), headers, body)
    payload = json.loads(body)
    assert payload["entry_id"] == reply["id"]
    assert payload["conversation_id"] == pushed["conversation_id"]
    assert payload["client_id"] == pushed["client_id"]
    assert payload["thread_key"] == "default"
    assert payload["text"] == "Привет, your order ships today"
    assert payload["author"]["type"] == "user" and payload["author"]["id"] == hub.admin.user["id"]
    assert payload["occurred_at"].endswith("Z")

    # notes never leave the hub
    await hub.admin.ok(
        "POST", f"/api/v1/conversations/{pushed['conversation_id']}/notes", {"text": "internal"}, status=201
    )
    second = await hub.admin.ok(
        "POST", f"/api/v1/conversations/{pushed['conversation_id']}/replies", {"text": "second"}, status=201
    )
    await wait_for_delivery(hub.admin, pushed["conversation_id"], second["id"], "sent")
    assert [json.loads(b)["text"] for _h, b in target.received] == [
        "Привет, your order ships today",
        "second",
    ]


async def test_a_failing_target_is_retried_until_it_answers(webhook_hub):
    hub, target = webhook_hub, webhook_hub.target
    target.statuses = [500, 500, 200]
    pushed, reply = await reply_in_new_conversation(hub.admin, "retry me")

    sent = await wait_for_delivery(hub.admin, pushed["conversation_id"], reply["id"], "sent")
    assert sent["delivery"]["attempts"] == 3
    assert len(target.received) == 3
    assert {json.loads(b)["entry_id"] for _h, b in target.received} == {reply["id"]}
    for headers, body in target.received:
        check_signature(webhook_key(hub.settings), headers, body)


async def test_a_gone_target_fails_the_entry_visibly_and_retry_requeues_it(webhook_hub):
    hub, target = webhook_hub, webhook_hub.target
    target.statuses = [410]
    pushed, reply = await reply_in_new_conversation(hub.admin, "are you there?")
    conversation = f"/api/v1/conversations/{pushed['conversation_id']}"

    failed = await wait_for_delivery(hub.admin, pushed["conversation_id"], reply["id"], "failed")
    assert failed["delivery"]["attempts"] == 1
    assert "410" in failed["delivery"]["error"]
    in_client_timeline = next(
        e
        for e in await timeline(hub.admin, f"/api/v1/clients/{pushed['client_id']}")
        if e["id"] == reply["id"]
    )
    assert (
        in_client_timeline["delivery"]["status"] == "failed"
        and "410" in in_client_timeline["delivery"]["error"]
    )
    assert len(target.received) == 1  # a 4xx is not retried on its own

    retried = await hub.admin.ok("POST", f"/api/v1/entries/{reply['id']}/retry")
    assert retried["id"] == reply["id"] and retried["delivery"]["status"] == "queued"

    sent = await wait_for_delivery(hub.admin, pushed["conversation_id"], reply["id"], "sent")
    assert sent["delivery"]["error"] is None
    assert len(target.received) == 2
    # a sent entry cannot be retried
    (await hub.admin.post(f"/api/v1/entries/{reply['id']}/retry")).error(409)
    assert len([e for e in await timeline(hub.admin, conversation) if e["direction"] == "out"]) == 1


async def test_an_unreachable_target_keeps_the_entry_queued_with_the_reason(tmp_path):
    settings = api_settings(
        tmp_path, api_webhook_url=f"http://127.0.0.1:{free_port()}/hook", delivery_base_delay=30
    )
    async with run_hub(settings) as server:
        admin = await admin_api(server.url, server.http)
        pushed, reply = await reply_in_new_conversation(admin, "anyone?")

        async def attempted() -> dict[str, Any] | None:
            entries = await timeline(admin, f"/api/v1/conversations/{pushed['conversation_id']}")
            entry = next(e for e in entries if e["id"] == reply["id"])
            return entry if entry["delivery"]["attempts"] >= 1 else None

        entry = await wait_for(attempted, what="a first attempt")
        assert entry["delivery"]["status"] == "queued"
        assert "unreachable" in entry["delivery"]["error"]
        assert entry["delivery"]["next_attempt_at"] is not None


async def test_the_webhook_key_is_not_the_master_key_and_cannot_sign_a_login(webhook_hub):
    """A receiver holds the key that verifies X-Hub-Signature: it must not be able to mint an admin's token."""
    hub, target = webhook_hub, webhook_hub.target
    pushed, reply = await reply_in_new_conversation(hub.admin, "signed")
    await wait_for_delivery(hub.admin, pushed["conversation_id"], reply["id"], "sent")
    headers, body = target.received[0]
    key = webhook_key(hub.settings)
    check_signature(key, headers, body)
    master = "sha256=" + hmac.new(hub.settings.secret_key.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature"] != master

    for signing_key in (key, hub.settings.secret_key):
        minted = URLSafeTimedSerializer(signing_key, salt="hub.user").dumps([hub.admin.user["id"], 0])
        me = await hub.admin.get("/api/v1/me", headers={"Authorization": f"Bearer {minted}"}, auth=False)
        me.error(401, "unauthorized")


async def test_hub_api_webhook_secret_is_the_key_receivers_are_given(tmp_path):
    target = Target()
    target_app = web.Application()
    target_app.router.add_post("/hook", target.handle)
    target_runner, target_url = await start_app(target_app)
    secret = "receiver-secret-" + "z" * 24
    settings = api_settings(tmp_path, api_webhook_url=f"{target_url}/hook", api_webhook_secret=secret)
    try:
        async with run_hub(settings) as server:
            admin = await admin_api(server.url, server.http)
            pushed, reply = await reply_in_new_conversation(admin, "with a given secret")
            await wait_for_delivery(admin, pushed["conversation_id"], reply["id"], "sent")
            headers, body = target.received[0]
            check_signature(secret, headers, body)
            minted = URLSafeTimedSerializer(secret, salt="hub.user").dumps([admin.user["id"], 0])
            me = await admin.get("/api/v1/me", headers={"Authorization": f"Bearer {minted}"}, auth=False)
            me.error(401, "unauthorized")
    finally:
        await target_runner.cleanup()
