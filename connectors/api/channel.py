from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Annotated

import aiohttp
from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, field_validator, model_validator

from hub.access import can_push_inbound, require
from hub.actions.ingest import ingest
from hub.api.http import ApiError, ApiRoutes, current_user, hub_of, json_response, parse_body
from hub.context import Hub
from hub.domain import IdentityKind
from hub.identities import InvalidIdentity, make_identity
from hub.inbound import InboundMessage
from hub.keys import api_webhook_secret
from hub.outbound import DeliveryError, OutboundMessage

CHANNEL = "api"
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=256)]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_text(value: object) -> object:
    """A JSON escape like "\\ud800" decodes to a lone UTF-16 surrogate: no character, and no store can keep it."""
    if isinstance(value, str) and _LONE_SURROGATE.search(value):
        raise ValueError(
            "contains a lone UTF-16 surrogate (a broken \\uD800-\\uDFFF escape): not valid Unicode"
        )
    return value


class SenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    email: Short | None = None
    phone: Short | None = None
    external_user_id: Short | None = None

    @model_validator(mode="after")
    def _some_identity(self) -> SenderIn:
        if not (self.email or self.phone or self.external_user_id):
            raise ValueError("the sender needs an email, a phone or an external_user_id")
        return self

    @field_validator("*", mode="before")
    @classmethod
    def _valid_unicode(cls, value: object) -> object:
        return _valid_text(value)


class InboundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    external_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
    sender: SenderIn
    text: Annotated[str, StringConstraints(max_length=10_000)] = ""
    thread_key: Short | None = None
    occurred_at: AwareDatetime | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _valid_unicode(cls, value: object) -> object:
        return _valid_text(value)

    @field_validator("occurred_at")
    @classmethod
    def _storable_time(cls, value: datetime | None) -> datetime | None:
        # '0001-01-01T00:00+14:00' has no UTC form, and the stores keep 4-digit years: refuse, do not crash later
        if value is None:
            return None
        try:
            value = value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("out of range") from exc
        if value.year < 1970:
            raise ValueError("must be in 1970 or later")
        return value


def to_inbound(body: InboundIn, default_region: str) -> InboundMessage:
    """The generic API payload as the hub's one inbound type. Identities: external id (most specific), phone,
    email."""
    sender = body.sender
    identities = []
    try:
        if sender.external_user_id:
            identities.append(make_identity(IdentityKind.api, sender.external_user_id))
        if sender.phone:
            identities.append(make_identity(IdentityKind.phone, sender.phone, default_region))
        if sender.email:
            identities.append(make_identity(IdentityKind.email, sender.email))
    except InvalidIdentity as exc:
        raise ApiError(400, "invalid", f"sender: {exc}") from exc
    thread = body.thread_key or "default"
    extra = {"occurred_at": body.occurred_at} if body.occurred_at else {}
    return InboundMessage(
        channel=CHANNEL,
        provider_message_id=body.external_id,
        thread_key=thread,
        identities=tuple(identities),
        display_name=sender.name,
        text=body.text,
        **extra,
    )


async def inbound(request: web.Request) -> web.Response:
    hub = hub_of(request)
    user = await current_user(request)
    require(can_push_inbound(user), "partners cannot push messages")
    body = await parse_body(request, InboundIn)
    result = await ingest(hub, to_inbound(body, hub.settings.default_region))
    return json_response(
        {
            "entry_id": result.entry.id,
            "client_id": result.entry.client_id,
            "conversation_id": result.entry.conversation_id,
            "duplicate": result.duplicate,
        },
        status=200 if result.duplicate else 201,
    )


class ApiChannelSender:
    channel = CHANNEL

    def __init__(self, webhook_url: str, secret: str, timeout: float = 10.0) -> None:
        self.webhook_url = webhook_url
        self._secret = secret.encode()
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _payload(self, message: OutboundMessage) -> bytes:
        entry = message.entry
        data = {
            "entry_id": entry.id,
            "conversation_id": message.conversation.id,
            "thread_key": message.conversation.thread_key,
            "client_id": message.client.id,
            "text": entry.text,
            "author": entry.author.model_dump(mode="json"),
            "occurred_at": _iso(entry.occurred_at),
        }
        return json.dumps(data, ensure_ascii=False).encode()

    async def send(self, message: OutboundMessage) -> str | None:
        if not self.webhook_url:
            return None  # nothing to push to: the other system reads replies from the timeline
        body = self._payload(message)
        signature = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(
                self.webhook_url,
                data=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature": f"sha256={signature}"},
            ) as response:
                if response.status < 300:
                    return None
                retry_after = _retry_after(response.headers.get("Retry-After"))
                permanent = 400 <= response.status < 500 and response.status not in (408, 425, 429)
                raise DeliveryError(
                    f"webhook answered {response.status}",
                    permanent=permanent,
                    retry_after=retry_after,
                    code="api.webhook_status",
                    params={"status": response.status},
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            detail = f"{type(exc).__name__} {exc}".strip()
            raise DeliveryError(
                f"webhook unreachable: {detail}", code="api.webhook_unreachable", params={"detail": detail}
            ) from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def install(app: web.Application, hub: Hub, routes: ApiRoutes) -> ApiChannelSender:
    """Register the inbound route and the reply sender of the api channel."""
    routes.route(
        "POST",
        "/api/v1/inbound",
        summary="Push a customer's message from any system (the generic `api` channel); idempotent on external_id",
        body=InboundIn,
        tag="channels",
        responses={201: "stored", 200: "already stored (duplicate: true)"},
    )(inbound)
    sender = ApiChannelSender(hub.settings.api_webhook_url, api_webhook_secret(hub.settings))
    hub.channels.register(sender)

    async def _close(_app: web.Application) -> None:
        await sender.close()

    app.on_cleanup.append(_close)
    return sender
