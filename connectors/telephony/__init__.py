"""Telephony: signed call webhooks from Twilio, Zadarma / Novofon, Mango Office and any PBX (`generic`).

`POST /webhooks/telephony/{provider}` (Mango: `/webhooks/telephony/mango/events/{kind}`) for each provider
configured in HUB_TELEPHONY. Each provider module verifies the request exactly as the provider signs it and parses
it into a provider-neutral `hub.calls.CallEvent`; `calls` turns it into hub actions. Unsigned or wrongly signed:
403, nothing stored; malformed: 400; a provider that is not configured: 404.

The phone channel carries calls, never text: its sender says so (`sends_text = False`), so a text reply to a phone
conversation is refused before it is queued.
"""

from __future__ import annotations

import logging

from aiohttp import web

from hub.api.http import ApiRoutes, Doc, error_response, json_response
from hub.calls import CHANNEL, CallEvent
from hub.config import ConfigurationError, Settings
from hub.context import Hub
from hub.outbound import DeliveryError, OutboundMessage

from . import generic, mango, twilio, zadarma
from .calls import apply
from .common import Ignored, Malformed, SignatureError, WebhookRequest
from .config import TelephonyConfig, load_config
from .dialers import Http, make_dialer
from .recordings import MANGO_REF, ZADARMA_REF, RecordingFetcher

__all__ = ["PhoneSender", "TelephonyConnector", "check", "configure", "install"]

log = logging.getLogger(__name__)


class PhoneSender:
    """The phone channel's sender: calls only, no text (hub.outbound.ChannelRegistry.can_send_text)."""

    channel = CHANNEL
    sends_text = False

    async def send(self, message: OutboundMessage) -> str | None:
        raise DeliveryError(
            "a phone conversation has no text messages", permanent=True, code="phone.no_text", params={}
        )


class TelephonyConnector:
    def __init__(self, hub: Hub, config: TelephonyConfig) -> None:
        self.hub = hub
        self.config = config
        self.region = hub.settings.default_region
        self.http = Http()
        self.recordings = RecordingFetcher(hub, config, self.http)

    def public_url(self, request: web.Request) -> str:
        """The URL the provider called: HUB_PUBLIC_URL + path and query (behind a proxy the request's own host and
        scheme are the proxy's), or the request's URL when no public URL is set."""
        base = self.hub.settings.public_url.rstrip("/")
        return f"{base}{request.path_qs}" if base else str(request.url)

    def events(self, provider: str, request: WebhookRequest) -> list[CallEvent]:
        config = self.config
        if provider == "twilio" and config.twilio:
            return [twilio.parse(twilio.verify(config.twilio, request), self.region)]
        if provider in ("zadarma", "novofon"):
            section = config.zadarma if provider == "zadarma" else config.novofon
            if section:
                form = zadarma.verify(section, request)
                return [zadarma.parse(provider, form, request, self.region)]
        if provider == "mango" and config.mango:
            return [mango.parse(request.kind, mango.verify(config.mango, request), self.region)]
        if provider == "generic" and config.generic:
            generic.verify(config.generic, request, self.hub.clock())
            return [generic.parse(request, self.region)]
        raise web.HTTPNotFound(text="no such telephony provider, or it is not configured")

    async def webhook(self, request: web.Request) -> web.Response:
        provider = request.match_info["provider"]
        if provider not in self.config.providers():
            return error_response(404, "not_found", "no such telephony provider, or it is not configured")
        kind = request.match_info.get("kind", "")
        if kind and provider != "mango":
            return error_response(404, "not_found", "no such telephony webhook")
        body = await request.read()
        incoming = WebhookRequest(
            url=self.public_url(request),
            headers=request.headers,
            body=body,
            content_type=request.content_type,
            kind=kind,
        )
        try:
            events = self.events(provider, incoming)
        except SignatureError as exc:
            log.warning("telephony %s: refused a webhook: %s", provider, exc)
            return error_response(403, "bad_signature", str(exc))
        except Malformed as exc:
            return error_response(400, "invalid", str(exc))
        except Ignored as exc:
            return json_response({"ok": True, "ignored": str(exc)})
        except ValueError as exc:  # a CallEvent the parsed values do not make
            return error_response(400, "invalid", str(exc))
        applied = 0
        for event in events:
            result = await apply(self.hub, self.config, event)
            if result is not None and not result.duplicate:
                applied += 1
                # fetched after this answer (at most once per call and recording)
                if event.recording_url:
                    self.recordings.schedule(result.entry.id, event.provider, event.recording_url)
                elif event.recording_id and provider in ("zadarma", "novofon"):
                    self.recordings.schedule(
                        result.entry.id, event.provider, ZADARMA_REF + event.recording_id
                    )
                elif event.recording_id and provider == "mango":
                    self.recordings.schedule(result.entry.id, provider, MANGO_REF + event.recording_id)
        return json_response({"ok": True, "applied": applied})

    async def echo(self, request: web.Request) -> web.Response:
        """Zadarma / Novofon check a notification URL with GET ?zd_echo=X and expect X back."""
        provider = request.match_info["provider"]
        if provider not in ("zadarma", "novofon") or provider not in self.config.providers():
            return error_response(404, "not_found", "no such telephony provider, or it is not configured")
        echo = request.query.get("zd_echo", "")
        if not echo or len(echo) > 200 or not echo.isascii() or not echo.isprintable():
            return error_response(400, "invalid", "zd_echo is missing or not a plain token")
        return web.Response(text=echo, content_type="text/plain")


_RESPONSES = {
    200: "the event is recorded (`applied` 0: a replay, or a call event the hub has no use for)",
    400: "not what the provider sends",
    403: "unsigned, wrongly signed or stale",
    404: "no such provider, or it is not configured",
}


def configure(settings: Settings) -> TelephonyConfig:
    """HUB_TELEPHONY as the hub starts with it; ConfigurationError names each wrong field (never a secret's
    value). The one validator: start-up and `hub check` both call it."""
    config = load_config(settings.telephony, settings.default_region)
    if config.dialer() == "twilio" and not settings.public_url:
        raise ConfigurationError(
            ["HUB_PUBLIC_URL is required to place calls through Twilio (its status callbacks)"]
        )
    return config


def check(settings: Settings) -> list[str]:
    """Problems of HUB_TELEPHONY for `hub check`: exactly what would stop the hub from starting."""
    try:
        configure(settings)
    except ConfigurationError as exc:
        return exc.problems
    return []


def install(app: web.Application, hub: Hub, routes: ApiRoutes) -> TelephonyConnector:
    """Declare the webhook routes and register the phone channel's sender (calls only, no text)."""
    connector = TelephonyConnector(hub, configure(hub.settings))
    hub.dialer = make_dialer(connector.config, connector.http, hub.settings.public_url)

    async def close_http(_app: web.Application) -> None:
        await connector.recordings.stop()
        await connector.http.close()

    app.on_cleanup.append(close_http)
    for path in ("/webhooks/telephony/{provider}", "/webhooks/telephony/{provider}/events/{kind}"):
        routes.route(
            "POST",
            path,
            summary="A call event from a telephony provider (HUB_TELEPHONY: twilio, zadarma, novofon, mango, "
            "generic), signed as that provider signs",
            auth=None,
            tag="channels",
            responses=_RESPONSES,
        )(connector.webhook)
    routes.route(
        "GET",
        "/webhooks/telephony/{provider}",
        summary="Zadarma / Novofon URL check: answers the `zd_echo` query parameter",
        auth=None,
        tag="channels",
        responses={
            200: ("the zd_echo value", Doc("", {"type": "string"}, content_type="text/plain")),
            400: "no zd_echo",
            404: "not zadarma or novofon, or not configured",
        },
    )(connector.echo)
    hub.channels.register(PhoneSender())
    return connector
