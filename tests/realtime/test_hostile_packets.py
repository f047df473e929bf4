"""Hostile Socket.IO packets: a packet nested 100,000 levels deep is dropped (realtime/safe_json.py turns the
parser's RecursionError into a malformed packet); the hub keeps serving and the same connection keeps working."""

from __future__ import annotations


async def test_a_deeply_nested_packet_is_dropped_and_the_connection_keeps_working(server):
    token = (await server.login())["Authorization"][7:]
    ws_url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with server.http.ws_connect(ws_url) as ws:
        assert (await ws.receive_str()).startswith("0{")
        await ws.send_str('40/agent,{"token":"%s"}' % token)
        await ws.send_str("42/agent," + "[" * 100_000)
        await ws.send_str('427/agent,["join",{"conversation_id":"nope"}]')
        answers = []
        while not any(a.startswith("437/agent,") for a in answers):
            answers.append(await ws.receive_str())
        assert '437/agent,[{"ok":false,"error":"no such conversation"}]' in answers
    async with server.http.get(f"{server.url}/healthz") as r:
        assert r.status == 200
