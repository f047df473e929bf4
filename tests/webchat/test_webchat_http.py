"""The widget's HTTP side: the script, the demo page, the origin allow-list."""

from __future__ import annotations

import pytest
import socketio

from connectors.webchat import origin_allowed


async def test_widget_js_is_served_as_javascript_with_its_test_hooks(server):
    async with server.http.get(f"{server.url}/widget.js") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/javascript")
        body = await r.text()
    assert "/static/vendor/socket.io.min.js" in body
    for hook in ("bubble", "input", "send", "message", "typing", "prechat"):
        assert f'data-hub-widget="{hook}"' in body or f"[data-hub-widget={hook}]" in body
    assert 'mode: "open"' in body
    # the widget loads socket.io from the hub itself, and the hub serves it
    async with server.http.get(f"{server.url}/static/vendor/socket.io.min.js") as r:
        assert r.status == 200


async def test_demo_site_embeds_the_widget_with_one_tag_in_russian_or_english(server):
    pages = {}
    for query in ("", "?lang=en", "?lang=ru", "?lang=de"):
        async with server.http.get(f"{server.url}/demo/site{query}") as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/html")
            pages[query] = await r.text()
    for body in pages.values():
        assert body.count(f'<script src="{server.url}/widget.js" async></script>') == 1
        # the switch: both languages, each a link to the page in it
        assert '<a href="?lang=ru"' in body and '<a href="?lang=en"' in body
    for query in ("", "?lang=ru", "?lang=de"):  # Russian by default
        assert '<html lang="ru">' in pages[query] and "Демо-магазин" in pages[query]
        assert "Demo shop" not in pages[query]
    assert '<html lang="en">' in pages["?lang=en"] and "Demo shop" in pages["?lang=en"]
    assert "Демо-магазин" not in pages["?lang=en"]


@pytest.mark.parametrize(
    ("allowed", "origin", "host", "ok"),
    [
        (set(), "https://anywhere.example", "hub.example", True),  # no list: any origin
        ({"https://shop.example"}, None, "hub.example", True),  # no Origin header (not a browser)
        ({"https://shop.example"}, "https://shop.example", "hub.example", True),
        ({"https://shop.example"}, "https://shop.example/", "hub.example", True),
        ({"https://shop.example"}, "https://evil.example", "hub.example", False),
        ({"https://shop.example"}, "http://shop.example", "hub.example", False),  # another scheme
        ({"https://shop.example"}, "https://hub.example", "hub.example", True),  # same origin: the demo page
        ({"https://shop.example"}, "https://hub.example", "", False),
        ({"*"}, "https://evil.example", "hub.example", True),
    ],
)
def test_origin_allowed(allowed, origin, host, ok):
    assert origin_allowed(allowed, "", origin, host) is ok


def test_the_public_url_is_an_allowed_origin():
    assert origin_allowed(
        {"https://shop.example"}, "https://hub.example/base/", "https://hub.example", "10.0.0.1"
    )
    assert not origin_allowed(
        {"https://shop.example"}, "https://hub.example/", "https://other.example", "10.0.0.1"
    )


class TestWithAnAllowList:
    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(update={"widget_origins": ["https://shop.example"]})

    async def test_a_listed_origin_connects_and_another_is_refused(self, server, visitor):
        guest = await visitor(origin="https://shop.example")
        assert (await guest.wait_for("session"))["visitor_id"]

        intruder = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await intruder.connect(
                server.url,
                namespaces=["/widget"],
                headers={"Origin": "https://evil.example"},
                transports=["websocket"],
                wait_timeout=5,
            )
        await intruder.disconnect()

    async def test_the_namespace_checks_the_origin_itself(self, server, widget_ns):
        # behind a proxy that answers CORS itself, engine.io may let a foreign page through: /widget still refuses
        environ = {"HTTP_ORIGIN": "https://evil.example", "HTTP_HOST": "hub.example"}
        with pytest.raises(socketio.exceptions.ConnectionRefusedError):
            await widget_ns.on_connect("some-sid", environ, None)
