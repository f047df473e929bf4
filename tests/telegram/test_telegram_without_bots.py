"""Without HUB_TELEGRAM_BOTS the hub starts without importing aiogram (its types take seconds to import, on every
start of the hub and of each worker), and the webhook route is still there and documented, answering 404."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

from tests.support import make_settings


async def test_the_webhook_without_bots_answers_404_and_is_documented(server):
    async with server.http.post(f"{server.url}/webhooks/telegram/main", json={"update_id": 1}) as r:
        assert r.status == 404
        body = await r.json()
    assert "no Telegram bot named 'main'" in str(body)
    async with server.http.get(f"{server.url}/api/v1/openapi.json") as r:
        document = await r.json()
    assert "post" in document["paths"]["/webhooks/telegram/{name}"]


async def test_a_hub_without_bots_does_not_import_aiogram_and_one_with_bots_does(tmp_path):
    root = str(Path(__file__).resolve().parents[2])  # noqa: ASYNC240 (no I/O: a path from __file__)
    """Two fresh interpreters build the whole app (the composition root, every connector), one without bots and one
    with a bot configured."""
    script = textwrap.dedent(
        """
        import asyncio, json, os, sys
        from pathlib import Path
        from tests.support import make_settings
        from hub.app import create_app

        async def main():
            bots = json.loads(sys.argv[2])
            settings = make_settings(Path(sys.argv[1]), telegram_bots=bots)
            await create_app(settings)
            print("aiogram" in sys.modules, flush=True)
            os._exit(0)  # the app's store thread and pools need not be wound down for this

        asyncio.run(main())
        """
    )
    results = []
    for name, bots in (
        ("none", "[]"),
        ("one", '[{"name": "main", "token": "123:abcdefghijklmnopqrstuvwxyz", "webhook_secret": "s"}]'),
    ):
        (tmp_path / name).mkdir()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            str(tmp_path / name),
            bots,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=root,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        assert proc.returncode == 0, err.decode()
        results.append(out.decode().strip().splitlines()[-1])
    assert results == ["False", "True"]
    assert make_settings(tmp_path).telegram_bots == []
