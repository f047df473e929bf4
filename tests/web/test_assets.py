"""The built static files (hub/assets.py) over real HTTP: one bundled inbox module, content-hashed names cached for a
year, the precompressed body the browser accepts; the inbox page compressed, with its first data embedded; a
changed module is in the next build (and until then the hub serves the modules themselves)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil

import brotli
from aiohttp import ClientSession, DummyCookieJar

from hub import assets
from hub.actions.ingest import ingest
from hub.identities import make_identity
from hub.inbound import InboundMessage

HOSTILE = '</script><script>alert("x")</script><!-- & \' Ян'


async def raw_get(url: str, **headers: str):
    """A GET whose body stays as it came over the wire (no automatic decompression)."""
    async with (
        ClientSession(cookie_jar=DummyCookieJar(), auto_decompress=False) as http,
        http.get(url, headers=headers, allow_redirects=False) as r,
    ):
        return r.status, r.headers, await r.read()


async def inbox_html(pages, cookie: str) -> str:
    status, _, body = await raw_get(
        pages.url + "/inbox", Cookie=f"hub_session={cookie}", **{"Accept-Encoding": "identity"}
    )
    assert status == 200
    return body.decode()


async def test_the_inbox_is_one_hashed_module_served_precompressed_and_immutable(pages):
    cookie = await pages.cookie("agent@example.com", "agent-password")
    html = await inbox_html(pages, cookie)
    found = re.search(r'<script type="module" src="(/static/a/inbox\.([0-9a-f]{16})\.js)"', html)
    assert found, "the inbox page does not load the bundle"
    url, digest = found.groups()

    status, headers, plain = await raw_get(pages.url + url, **{"Accept-Encoding": "identity"})
    assert status == 200
    assert "Content-Encoding" not in headers
    assert hashlib.sha256(plain).hexdigest()[:16] == digest  # the name changes whenever the bytes do
    code = plain.decode()
    assert not re.search(r'from\s*"\./', code), "the bundle still imports modules one by one"
    assert "hubInbox" in code and "DOMContentLoaded" in code  # main.js is in it

    for accept, coding, decode in (
        ("gzip, deflate, br", "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("br;q=0, gzip", "gzip", gzip.decompress),
        ("*", "br", brotli.decompress),
    ):
        status, headers, body = await raw_get(pages.url + url, **{"Accept-Encoding": accept})
        assert status == 200
        assert headers["Content-Encoding"] == coding, accept
        assert headers["Vary"] == "Accept-Encoding"
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["Content-Type"].startswith("text/javascript")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert len(body) < len(plain) / 2, (accept, len(body), len(plain))
        assert decode(body) == plain

    status, _, _ = await raw_get(pages.url + "/static/a/inbox.0000000000000000.js")
    assert status == 404


async def test_every_page_names_built_files_and_the_styles_are_css(pages):
    cookie = await pages.cookie("agent@example.com", "agent-password")
    login = (await raw_get(pages.url + "/login", **{"Accept-Encoding": "identity"}))[2].decode()
    html = login + await inbox_html(pages, cookie)
    urls = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert urls and all(u.startswith("/static/a/") for u in urls), urls
    css = next(u for u in urls if u.endswith(".css"))
    status, headers, body = await raw_get(pages.url + css, **{"Accept-Encoding": "br"})
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert b".conv-item" in brotli.decompress(body)


async def test_the_inbox_page_is_compressed_and_embeds_the_first_list_as_the_api_answers_it(pages):
    await ingest(
        pages.hub,
        InboundMessage(
            channel="api",
            provider_message_id="hostile-1",
            thread_key="t",
            identities=(make_identity("email", "hostile@example.com"),),
            display_name=HOSTILE,
            text=HOSTILE,
        ),
    )
    cookie = await pages.cookie("agent@example.com", "agent-password")
    status, headers, body = await raw_get(
        pages.url + "/inbox", Cookie=f"hub_session={cookie}", **{"Accept-Encoding": "deflate, gzip"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    html = gzip.decompress(body).decode()
    block = re.search(r'<script type="application/json" id="hub-preload">(.*?)</script>', html, re.S)
    assert block, "no preload block"
    assert "<" not in block.group(1) and ">" not in block.group(1)  # a customer's text cannot end the block
    preloaded = json.loads(block.group(1))

    path = "/api/v1/conversations?assignee=none&handler=human&limit=50&status=open"  # the agent's default tab
    async with (
        ClientSession() as http,
        http.get(pages.url + path, headers={"Cookie": f"hub_session={cookie}"}) as r,
    ):
        answer = await r.json()
    assert preloaded[path] == answer
    assert [c["last_message_preview"] for c in answer["items"]] == [HOSTILE]
    assert {"/api/v1/users", "/api/v1/departments"} <= set(preloaded)


async def test_a_changed_module_is_in_the_next_build_and_the_old_file_stays(tmp_path, monkeypatch):
    static = tmp_path / "static"
    shutil.copytree(assets.STATIC_DIR, static)
    build = tmp_path / "build"
    monkeypatch.setattr(assets, "STATIC_DIR", static)
    monkeypatch.setattr(assets, "BUNDLES", {"inbox/main.js": static / "inbox"})
    monkeypatch.setattr(assets, "BUILD_DIR", build)
    monkeypatch.setattr(assets, "MANIFEST", build / "manifest.json")

    assert assets.is_stale()
    first = assets.ensure_built()
    assert not assets.is_stale()
    assert assets.ensure_built() == first

    module = static / "inbox" / "list.js"
    module.write_text(
        module.read_text(encoding="utf-8") + '\nconsole.debug("rebuilt-probe");\n', encoding="utf-8"
    )
    earlier = os.stat(module).st_mtime - 5  # the build was before the edit (however coarse the clock)
    os.utime(assets.MANIFEST, (earlier, earlier))
    assert assets.is_stale()
    # a hub started now serves the modules as they are, never the bundle of before the edit
    assert assets.Assets.load().url("inbox/main.js") is None
    second = assets.ensure_built()
    assert assets.Assets.load().url("inbox/main.js") == f"/static/a/{second['inbox/main.js']}"
    assert second["inbox/main.js"] != first["inbox/main.js"]
    assert "rebuilt-probe" in (build / second["inbox/main.js"]).read_text(encoding="utf-8")
    assert (build / first["inbox/main.js"]).is_file()  # a page rendered before the build still loads
    assert second["hub.css"] == first["hub.css"]
