"""GET /widget.js at its stable URL (customers embed it): the precompressed body the browser accepts, an ETag that
makes a revalidation a bodiless 304, a short cache lifetime; an edit to the file is served at once."""

from __future__ import annotations

import gzip
import os
import shutil

import brotli
from aiohttp import ClientSession, web
from multidict import CIMultiDict
from support import start_app

from connectors.webchat import WIDGET_JS
from connectors.webchat.widget_asset import WidgetScript


async def get(url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    # auto_decompress off: the bytes as they travel
    async with ClientSession(auto_decompress=False) as http, http.get(url, headers=headers) as r:
        return r.status, r.headers.copy(), await r.read()


async def test_brotli_gzip_or_plain_as_the_browser_accepts(server):
    source = WIDGET_JS.read_bytes()
    status, headers, body = await get(f"{server.url}/widget.js", **{"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200
    assert headers["Content-Encoding"] == "br"
    assert brotli.decompress(body) == source
    assert len(body) < len(source) / 3
    assert headers["Content-Type"].startswith("application/javascript")
    assert headers["Vary"] == "Accept-Encoding"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["Access-Control-Allow-Origin"] == "*"

    status, gz_headers, body = await get(f"{server.url}/widget.js", **{"Accept-Encoding": "gzip"})
    assert gz_headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == source
    assert gz_headers["ETag"] == headers["ETag"]  # one content, one tag

    status, plain, body = await get(f"{server.url}/widget.js", **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain and body == source


async def test_a_revalidation_with_the_etag_is_a_304_without_a_body(server):
    _, headers, _ = await get(f"{server.url}/widget.js", **{"Accept-Encoding": "br"})
    status, again, body = await get(
        f"{server.url}/widget.js", **{"Accept-Encoding": "br", "If-None-Match": headers["ETag"]}
    )
    assert status == 304 and body == b""
    assert again["ETag"] == headers["ETag"]
    status, _, _ = await get(f"{server.url}/widget.js", **{"If-None-Match": '"something-else"'})
    assert status == 200


async def test_an_edited_widget_is_served_at_once_with_a_new_etag(tmp_path):
    path = tmp_path / "widget.js"
    shutil.copy(WIDGET_JS, path)
    app = web.Application()
    app.router.add_get("/widget.js", WidgetScript(path).handle)
    runner, url = await start_app(app)
    try:
        _, before, _ = await get(f"{url}/widget.js", **{"Accept-Encoding": "br"})
        stamp = path.stat().st_mtime_ns
        path.write_text("console.log('new widget');\n", encoding="utf-8")
        os.utime(path, ns=(stamp + 10**9, stamp + 10**9))  # a later edit, whatever the clock's granularity
        status, after, body = await get(f"{url}/widget.js", **{"Accept-Encoding": "br"})
        assert status == 200
        assert brotli.decompress(body) == b"console.log('new widget');\n"
        assert after["ETag"] != before["ETag"]
    finally:
        await runner.cleanup()
