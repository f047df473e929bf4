"""The agent pages: redirects by session, security headers (a strict CSP), no inline script, safe config JSON."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from hub import assets
from hub.actions import staff
from hub.domain import Role


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


class Scripts(HTMLParser):
    """Every <script> of a page with its attributes and body, and every inline handler/style attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.inline_attrs: list[str] = []
        self._current: dict[str, str | None] | None = None
        self._body = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.inline_attrs += [
            f"{tag}[{name}]" for name in attributes if name.startswith("on") or name == "style"
        ]
        if tag == "script":
            self._current, self._body = attributes, ""

    def handle_data(self, data):
        if self._current is not None:
            self._body += data

    def handle_endtag(self, tag):
        if tag == "script" and self._current is not None:
            self.scripts.append((self._current, self._body))
            self._current = None


def parse(html: str) -> Scripts:
    parser = Scripts()
    parser.feed(html)
    return parser


async def get(http, url: str, cookie: str | None = None):
    headers = {"Cookie": f"hub_session={cookie}"} if cookie else {}
    response = await http.get(url, headers=headers, allow_redirects=False)
    return response, await response.text()


async def test_without_a_session_every_page_leads_to_the_login_page(pages, http):
    for path in ("/", "/inbox"):
        response, _ = await get(http, pages.url + path)
        assert response.status == 302, path
        assert response.headers["Location"] == "/login"
    response, _ = await get(http, pages.url + "/inbox", cookie="forged.token.value")
    assert (response.status, response.headers["Location"]) == (302, "/login")
    response, html = await get(http, pages.url + "/login")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert 'id="login-form"' in html


async def test_with_a_session_the_root_and_login_lead_to_the_inbox(pages, http):
    cookie = await pages.cookie("agent@example.com", "agent-password")
    for path in ("/", "/login"):
        response, _ = await get(http, pages.url + path, cookie)
        assert (response.status, response.headers["Location"]) == (302, "/inbox"), path
    response, html = await get(http, pages.url + "/inbox", cookie)
    assert response.status == 200
    assert 'id="conversation-list"' in html and 'id="timeline"' in html and 'id="client-card"' in html


async def test_a_session_ended_by_a_password_change_no_longer_opens_the_inbox(pages, http):
    cookie = await pages.cookie("agent@example.com", "agent-password")
    agent = await pages.hub.store.users.get_by_email("agent@example.com")
    await staff.update_user(pages.hub, agent.id, password="a-new-password")
    response, _ = await get(http, pages.url + "/inbox", cookie)
    assert (response.status, response.headers["Location"]) == (302, "/login")


async def test_a_partner_is_not_let_into_the_inbox_but_lands_in_the_portal(pages, http):
    cookie = await pages.cookie("partner@example.com", "partner-password")
    response, _ = await get(http, pages.url + "/inbox", cookie)
    assert (response.status, response.headers["Location"]) == (302, "/portal")
    response, _ = await get(http, pages.url + "/login", cookie)
    assert (response.status, response.headers["Location"]) == (302, "/portal")
    response, html = await get(http, pages.url + "/portal", cookie)
    assert response.status == 200 and 'id="portal-clients"' in html
    staff_cookie = await pages.cookie("agent@example.com", "agent-password")
    response, _ = await get(http, pages.url + "/portal", staff_cookie)
    assert (response.status, response.headers["Location"]) == (302, "/inbox")


async def test_pages_carry_a_strict_content_security_policy(pages, http):
    cookie = await pages.cookie("agent@example.com", "agent-password")
    for path, session in (("/login", None), ("/inbox", cookie)):
        response, _ = await get(http, pages.url + path, session)
        assert response.status == 200
        csp = response.headers.get("Content-Security-Policy")
        assert csp, f"{path} has no Content-Security-Policy"
        policy = directives(csp)
        assert policy["default-src"] == ["'none'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "'self'" in policy["connect-src"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"


async def test_a_forged_host_header_does_not_reach_the_policy(pages, http):
    response = await http.get(pages.url + "/login", headers={"Host": "evil.example; script-src *"})
    csp = response.headers["Content-Security-Policy"]
    assert "evil" not in csp
    assert directives(csp)["script-src"] == ["'self'"]


async def test_pages_have_no_inline_script_or_inline_handlers(pages, http):
    cookie = await pages.cookie("agent@example.com", "agent-password")
    for path, session in (("/login", None), ("/inbox", cookie)):
        _, html = await get(http, pages.url + path, session)
        found = parse(html)
        assert found.scripts, path
        for attrs, body in found.scripts:
            if attrs.get("src"):
                assert attrs["src"].startswith("/static/"), attrs
                assert not body.strip()
            else:
                # data blocks only: never executed, so the CSP needs no 'unsafe-inline'
                assert attrs.get("type") == "application/json", attrs
                json.loads(body)
        assert found.inline_attrs == [], f"{path}: {found.inline_attrs}"


async def test_the_page_config_is_json_that_cannot_break_out_of_its_block(pages, http):
    name = '</script><script>alert("x")</script> & <!-- Ян'
    await staff.create_user(
        pages.hub, email="odd@example.com", name=name, role=Role.agent, password="odd-password"
    )
    cookie = await pages.cookie("odd@example.com", "odd-password")
    _, html = await get(http, pages.url + "/inbox", cookie)
    block = re.search(r'<script type="application/json" id="hub-config">(.*?)</script>', html, re.S)
    assert block, "no config block"
    assert "<" not in block.group(1) and ">" not in block.group(1)
    config = json.loads(block.group(1))
    assert config["user"]["name"] == name
    assert config["user"]["email"] == "odd@example.com"
    assert "password_hash" not in config["user"]
    assert config["sees_everything"] is False
    assert html.count("<script") == html.count("</script>")


async def test_the_language_setting_reaches_the_page(start_pages, http):
    for language in ("ru", "en"):
        running = await start_pages(language=language)
        _, html = await get(http, running.url + "/login")
        assert f'data-language="{language}"' in html
        assert f'<html lang="{language}">' in html


async def test_the_scripts_styles_and_socket_client_are_served(pages, http):
    _, html = await get(http, pages.url + "/login")
    cookie = await pages.cookie("agent@example.com", "agent-password")
    _, inbox = await get(http, pages.url + "/inbox", cookie)
    urls = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html + inbox))
    names = {u.split("?")[0] for u in urls}
    built = assets.manifest()  # the session built them (conftest); the name in the page is the hashed one

    def url(name: str) -> str:
        return f"/static/a/{built[name]}" if name in built else f"/static/{name}"

    wanted = ["hub.css", "i18n.js", "login.js", "dom.js", "inbox/main.js", "vendor/socket.io.min.js"]
    assert {url(name) for name in wanted} <= names
    for url_ in urls:
        response = await http.get(pages.url + url_.replace("&amp;", "&"))
        assert response.status == 200, url_
        assert len(await response.read()) > 100, url_
    response = await http.get(pages.url + "/static/email-frame.css")
    assert response.status == 200
    assert f'<script type="module" src="{url("inbox/main.js")}' in inbox


async def test_every_inbox_module_is_served_as_javascript(pages, http):
    """The inbox is ES modules: a browser runs a module only when it comes with a JavaScript media type, and an
    import of a file the hub does not serve stops the whole page. Follow every import from the entry module."""
    seen: set[str] = set()
    todo = ["main.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        response = await http.get(f"{pages.url}/static/inbox/{name}")
        assert response.status == 200, name
        assert response.content_type in ("text/javascript", "application/javascript"), (
            name,
            response.content_type,
        )
        code = await response.text()
        todo += re.findall(r'^import [^;]+ from "\./([a-z_]+\.js)";$', code, flags=re.M)
    assert {"main.js", "core.js", "api.js", "socket.js", "timeline.js", "notifications.js"} <= seen


async def test_the_pages_have_an_icon_and_favicon_ico_is_served(pages, http):
    """Browsers ask for /favicon.ico on a page that names no icon (the demo shop, a file): not a 404 each time."""
    response = await http.get(pages.url + "/favicon.ico")
    assert response.status == 200
    assert response.content_type in ("image/x-icon", "image/vnd.microsoft.icon")
    assert (await response.read())[:4] == b"\x00\x00\x01\x00"  # an ICO
    _, html = await get(http, pages.url + "/login")
    [icon] = re.findall(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', html)
    assert icon.startswith("data:image/svg+xml,%3Csvg")  # the brand's mark, allowed by img-src data:
    response, shop = await get(http, pages.url + "/demo/site")
    assert response.status == 200 and '<link rel="icon" href="/favicon.ico">' in shop


async def test_a_page_embeds_the_readers_dictionary_only_and_serves_the_other(start_pages, http):
    """A weak link pays for one language: the switch's cookie, else the browser's first language, else
    HUB_LANGUAGE decides which dictionary the page carries; the other comes from /i18n/<lang>.json."""
    running = await start_pages(language="en")

    async def embedded(headers: dict[str, str]) -> set[str]:
        response = await http.get(running.url + "/login", headers=headers)
        html = await response.text()
        block = re.search(r'<script type="application/json" id="hub-i18n">(.*?)</script>', html, re.S)
        assert block and 'data-languages="en,ru"' in html
        return set(json.loads(block.group(1)))

    assert await embedded({}) == {"en"}
    assert await embedded({"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}) == {"ru"}
    assert await embedded({"Accept-Language": "ru-RU", "Cookie": "hub_lang=en"}) == {"en"}
    assert await embedded({"Cookie": "hub_lang=xx"}) == {"en"}  # not a language: ignored
    texts = json.loads((assets.ROOT / "static" / "i18n.json").read_text(encoding="utf-8"))
    response = await http.get(running.url + "/i18n/ru.json", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.headers["Content-Encoding"] == "gzip"
    assert await response.json() == texts["ru"]
    assert (await http.get(running.url + "/i18n/xx.json")).status == 404
