"""The web chat channel: a chat bubble any site gets with one tag, `<script src="https://hub.example/widget.js">`.

HTTP: GET /widget.js (the widget: brotli / gzip by Accept-Encoding, ETag, 5 minutes' cache: widget_asset.py),
GET /demo/site (a demo shop page with the widget embedded).

Socket.IO namespace /widget (auth: {"visitor_token"} of a returning visitor, or nothing for a new one, and "lang":
the language the widget shows, which the bot answers in; a forged or
foreign token, or an Origin outside HUB_WIDGET_ORIGINS, is refused; so is a new visitor beyond
HUB_WIDGET_NEW_VISITORS_PER_ADDRESS per HUB_WIDGET_NEW_VISITORS_WINDOW_SECONDS from one address, with the message
"rate_limited: ..." and data {"code": "rate_limited"}: the widget says so and tries again later):
  server → page   session  {"visitor_token", "visitor_id"}   on every connect and when the token changes: keep it
                  message  {"id", "text", "author": {"type", "name"}, "occurred_at", "buttons": [[{"id","text"}]],
                            "client_msg_id", "lang"}   a reply (agent, bot), or the visitor's own message from
                            another tab; "lang" (en, ru or null): the language the bot speaks now (a language
                            button, typed Cyrillic): the widget switches its labels to it
                  typing   {"on", "author": {"type", "name"}}   an agent (or bot) types
  page → server   message  {"text", "client_msg_id", "button_id"?, "page"?, "lang"?} → ack {"ok": true, "entry_id",
                            "duplicate"} | {"ok": false, "code", "error"} (codes: invalid, empty, too_long,
                            rate_limited, unavailable — the last two: send again later); the same client_msg_id
                            is stored once
                  history  {"limit"?} → ack {"ok": true, "items": [message shapes, oldest first]}
                  links    {} → ack {"ok": true, "items": [{"channel", "title", "url"}]} | {"ok": false, "code",
                            "error"} (code: rate_limited): "continue in <title>" links (Telegram deep links that
                            join that account to the visitor's client); empty until the visitor wrote a message
                  prechat  {"name"?, "email"?, "lang"?} → ack {"ok": true, "verification"?} | {"ok": false, "code",
                            "error"} (codes: invalid, invalid_email, rate_limited). The email is not proof of who
                            the visitor is: it never attaches them to an existing client; it is claimed for the
                            visitor's own client when nobody has it, else it becomes a merge suggestion for an
                            agent. With a mailbox (Hub.mailer) a one-time code is mailed to any address that is not
                            the visitor's already: "verification" {"sent": true, "to": "o…@example.org",
                            "expires_in": 600} | {"sent": false, "code": "rate_limited" | "unavailable"}
                  verify_email  {"code"} → ack {"ok": true}: the code was right, the visitor's client is now the
                            address's (merged; their chat goes on) | {"ok": false, "code", "error"} (codes:
                            invalid, wrong_code + "attempts_left", too_many_attempts, expired, no_code,
                            rate_limited)
                  typing   {"on"}   (no ack)

Identifiers: identity webchat:<visitor id>; thread key = visitor id; provider message id =
"<visitor id>:<client_msg_id>". Replies go out through WebchatSender (channel "webchat") to the room
"visitor:<visitor id>".
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import socketio
from aiohttp import web

from hub.api.http import ApiRoutes
from hub.context import Hub

from .limits import RateLimiter
from .namespace import WidgetNamespace, origin_allowed
from .outbound import StaffTyping, WebchatSender
from .visitors import CHANNEL, WIDGET_NS, Visitor, VisitorTokens, visitor_entry_json, visitor_room
from .widget_asset import WidgetScript

__all__ = [
    "CHANNEL",
    "WIDGET_NS",
    "RateLimiter",
    "Visitor",
    "VisitorTokens",
    "WebchatSender",
    "WidgetNamespace",
    "install",
    "origin_allowed",
    "visitor_entry_json",
    "visitor_room",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
WIDGET_JS = STATIC_DIR / "widget.js"

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=jinja2.select_autoescape(["html"]),
)


def _hub_origin(request: web.Request, public_url: str) -> str:
    if public_url:
        return public_url.rstrip("/")
    return f"{request.scheme}://{request.host}"


def install(app: web.Application, hub: Hub, routes: ApiRoutes, sio: socketio.AsyncServer) -> WidgetNamespace:
    """Register the /widget namespace, the reply sender, staff typing forwarding and the widget's pages."""
    tokens = VisitorTokens(hub.settings.resolved_secret())
    namespace = WidgetNamespace(hub, tokens)
    sio.register_namespace(namespace)
    hub.channels.register(WebchatSender(sio))
    StaffTyping(hub, sio).subscribe()

    async def demo_site(request: web.Request) -> web.Response:
        # Russian unless ?lang=en: the page's <html lang> is the language the widget starts in
        lang = "en" if request.query.get("lang") == "en" else "ru"
        html = _templates.get_template("demo_site.html").render(
            widget_src=_hub_origin(request, hub.settings.public_url) + "/widget.js", lang=lang
        )
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    # the stable URL customers embed: short cache + ETag, precompressed (widget_asset.py)
    app.router.add_get("/widget.js", WidgetScript(WIDGET_JS).handle)
    app.router.add_get("/demo/site", demo_site)
    return namespace
