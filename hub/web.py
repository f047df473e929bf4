"""Pages and static files of the agent interface: /login, /inbox, /admin (and / redirecting to one of them).

The pages are server-rendered shells (Jinja2, autoescaped); everything else happens in static/*.js, which talk to
the REST API and the /agent Socket.IO namespace with the HttpOnly session cookie. Every page carries a strict
Content-Security-Policy: scripts only from this origin, no inline script (the page's configuration travels in
`<script type="application/json">` blocks, which are never executed), no plugins, no framing.

Customer data is always put into the page as text (static/dom.js builds nodes; there is no innerHTML in static/).
The one exception is an e-mail's HTML (entry.html, already cleaned by nh3 when it was ingested): the inbox shows it,
on request, inside `<iframe sandbox="" srcdoc=...>` (no scripts, opaque origin, and this page's policy inherited).
Interface texts: static/i18n.json (en, ru); every page embeds the reader's dictionary (`reader_language`: the
switch's cookie, the browser's first language, HUB_LANGUAGE) and serves the others at /i18n/<lang>.json;
static/i18n.js picks the language (the header
switch, kept in localStorage; else Russian for a browser language starting with "ru"; else HUB_LANGUAGE).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from aiohttp import web

from hub.access import can_manage_staff, can_view_admin_pages, is_partner, is_staff, sees_everything
from hub.api.http import SESSION_COOKIE, hub_of, user_from_token
from hub.assets import Assets, accepted
from hub.domain import Handler, User
from hub.inbox_preload import preload
from hub.queries import partners as partner_queries
from hub.representations import user_json

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates"
I18N_FILE = STATIC_DIR / "i18n.json"
LANGUAGE_COOKIE = (
    "hub_lang"  # the header switch's choice (static/i18n.js), so the page embeds that dictionary
)
SOCKET_IO_JS = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def content_security_policy(host: str | None) -> str:
    """The pages' policy. `connect-src` names the page's own ws:/wss: origin too (older browsers do not let
    'self' cover WebSockets); a Host header that does not look like a host is left out."""
    connect = ["'self'"]
    if host and _HOST.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "media-src 'self'",  # the inbox's notification sound
            "font-src 'self'",
            f"connect-src {' '.join(connect)}",
            # e-mail HTML is shown in <iframe sandbox="" srcdoc=...>; srcdoc frames inherit this policy
            "frame-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def security_headers(request: web.Request) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(request.host),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def json_block(data: Any) -> markupsafe.Markup:
    """JSON for a <script type="application/json"> block: readable UTF-8, with the characters that could end the
    block or start markup escaped (the same rule as Jinja's tojson, without escaping every non-ASCII letter)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return markupsafe.Markup(text)


def load_i18n() -> dict[str, dict[str, str]]:
    return json.loads(I18N_FILE.read_text(encoding="utf-8"))


async def page_user(request: web.Request) -> User | None:
    """The user of the session cookie (pages never take a bearer header)."""
    return await user_from_token(hub_of(request), request.cookies.get(SESSION_COOKIE))


def install(app: web.Application) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["json_block"] = json_block
    i18n = load_i18n()

    async def socket_io_js(_request: web.Request) -> web.StreamResponse:
        if not SOCKET_IO_JS.is_file():
            raise web.HTTPNotFound(
                text="socket.io-client is not installed: run `npm install` (make run does)"
            )
        return web.FileResponse(SOCKET_IO_JS, headers={"Cache-Control": "public, max-age=86400"})

    # the built files (hub/assets.py: bundled, hashed, precompressed); static/ as it is for anything else
    assets = Assets.load()

    async def built_asset(request: web.Request) -> web.StreamResponse:
        found = assets.body(request.match_info["name"], request.headers.get("Accept-Encoding", ""))
        if found is None:
            raise web.HTTPNotFound()
        body, content_type, headers = found
        return web.Response(body=body, content_type=content_type, headers=headers)

    async def favicon(_request: web.Request) -> web.StreamResponse:
        # what a browser asks for on any page without a <link rel=icon> (the demo shop, the API, a file)
        return web.FileResponse(
            STATIC_DIR / "favicon.ico", headers={"Cache-Control": "public, max-age=86400"}
        )

    app.router.add_get("/favicon.ico", favicon)
    app.router.add_get("/static/a/{name}", built_asset)
    app.router.add_get("/static/vendor/socket.io.min.js", socket_io_js)
    static = app.router.add_static("/static/", STATIC_DIR, append_version=True, name="static")

    def static_url(filename: str) -> str:
        return assets.url(filename) or str(static.url_for(filename=filename))

    # each page embeds one dictionary, the reader's (a weak link pays for one language, not both); the other is
    # fetched when the reader switches (/i18n/<lang>.json, gzip, cached)
    i18n_bodies = {lang: json.dumps(texts, ensure_ascii=False).encode() for lang, texts in i18n.items()}
    i18n_gzip = {lang: gzip.compress(body, 9) for lang, body in i18n_bodies.items()}

    async def i18n_json(request: web.Request) -> web.StreamResponse:
        lang = request.match_info["lang"]
        if lang not in i18n_bodies:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding"}
        if "gzip" in accepted(request.headers.get("Accept-Encoding", "")):
            return web.Response(
                body=i18n_gzip[lang],
                content_type="application/json",
                headers={**headers, "Content-Encoding": "gzip"},
            )
        return web.Response(body=i18n_bodies[lang], content_type="application/json", headers=headers)

    app.router.add_get("/i18n/{lang}.json", i18n_json)

    def reader_language(request: web.Request) -> str:
        """As static/i18n.js picks it: the header switch's choice (its cookie), Russian when the browser's first
        language is Russian, else HUB_LANGUAGE."""
        chosen = request.cookies.get(LANGUAGE_COOKIE, "")
        if chosen in i18n:
            return chosen
        first = request.headers.get("Accept-Language", "").split(",")[0].strip().lower()
        if first.startswith("ru") and "ru" in i18n:
            return "ru"
        setting = hub_of(request).settings.language
        return setting if setting in i18n else "en"

    def render(request: web.Request, template: str, **context: Any) -> web.Response:
        lang = reader_language(request)
        html = env.get_template(template).render(
            static=static_url,
            language=hub_of(request).settings.language,
            reader_language=lang,
            languages=",".join(i18n),
            i18n={lang: i18n[lang]},
            **context,
        )
        response = web.Response(
            text=html,
            content_type="text/html",
            charset="utf-8",
            headers={**security_headers(request), "Vary": "Accept-Encoding"},
        )
        # the pages embed a dictionary (and the inbox its first data): gzip when the browser takes it
        if "gzip" in accepted(request.headers.get("Accept-Encoding", "")):
            response.enable_compression(web.ContentCoding.gzip)
        return response

    def redirect(request: web.Request, location: str) -> web.HTTPFound:
        return web.HTTPFound(location, headers=security_headers(request))

    async def index(request: web.Request) -> web.StreamResponse:
        user = await page_user(request)
        if user is not None and is_partner(user):
            raise redirect(request, "/portal")
        raise redirect(request, "/inbox" if user is not None and is_staff(user) else "/login")

    async def login_page(request: web.Request) -> web.StreamResponse:
        user = await page_user(request)
        if user is not None and is_staff(user):
            raise redirect(request, "/inbox")
        if user is not None and is_partner(user):
            raise redirect(request, "/portal")
        notice = "staff_only" if user is not None else ""
        return render(request, "login.html", notice=notice)

    async def inbox_page(request: web.Request) -> web.StreamResponse:
        user = await page_user(request)
        if user is not None and is_partner(user):
            raise redirect(request, "/portal")
        if user is None or not is_staff(user):
            raise redirect(request, "/login")
        hub = hub_of(request)
        known = {*hub.channels.channels, "api", "webchat", "telegram", "email", "phone"}
        config = {
            "user": user_json(user),
            "sees_everything": sees_everything(user),
            # where "hand back to the bot" means something: the channels a bot flow answers on
            "bot_channels": sorted(c for c in known if hub.initial_handler(c) is Handler.bot),
        }
        return render(request, "inbox.html", config=config, preload=await preload(request, hub, user))

    async def portal_page(request: web.Request) -> web.StreamResponse:
        """The partner portal: what the user's organisation is granted, live over /partner."""
        user = await page_user(request)
        if user is None or not is_partner(user):
            raise redirect(request, "/inbox" if user is not None and is_staff(user) else "/login")
        organisation = await partner_queries.organisation(hub_of(request), user)
        config = {"user": user_json(user), "partner": organisation.name if organisation else ""}
        return render(request, "portal.html", config=config)

    async def admin_page(request: web.Request) -> web.StreamResponse:
        """The admin area: admins manage users, departments, partners, rules; supervisors read it. Anyone else
        gets the answer of a page that does not exist (the policy's rule: hidden and missing look the same)."""
        user = await page_user(request)
        if user is None:
            raise redirect(request, "/login")
        if not can_view_admin_pages(user):
            raise web.HTTPNotFound()
        config = {"user": user_json(user), "can_manage": can_manage_staff(user)}
        return render(request, "admin.html", config=config)

    app.router.add_get("/", index)
    app.router.add_get("/login", login_page)
    app.router.add_get("/inbox", inbox_page)
    app.router.add_get("/portal", portal_page)
    app.router.add_get("/admin", admin_page)
