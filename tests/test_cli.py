"""The `hub` command as a user runs it: a real process, real configuration from the environment."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import aiohttp
import pytest
from support import HUB_COMMAND, free_port, hub_env, wait_healthy


async def run(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        HUB_COMMAND,
        *args,
        cwd=tmp_path,
        env=hub_env(tmp_path, **env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_check_accepts_a_valid_configuration_and_warns_about_the_missing_secret(tmp_path):
    code, out, _err = await run(tmp_path, "check")
    assert code == 0
    assert "configuration OK" in out
    assert "HUB_SECRET_KEY is empty" in out


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HUB_PORT": "eighty"}, "HUB_PORT"),
        ({"HUB_PORT": "70000"}, "HUB_PORT"),
        ({"HUB_STORE": "mongo"}, "HUB_MONGO_URL is empty"),
        ({"HUB_STORE": "postgres"}, "HUB_STORE"),
        ({"HUB_MONGO_URL": "http://db:27017"}, "HUB_MONGO_URL must start with mongodb://"),
        ({"HUB_SECRET_KEY": "short"}, "HUB_SECRET_KEY is too short"),
        ({"HUB_ADMIN_EMAIL": "boss@example.com"}, "HUB_ADMIN_PASSWORD"),
        ({"HUB_REDIS_URL": "localhost:6379"}, "HUB_REDIS_URL must start with redis://"),
        ({"HUB_DEFAULT_REGION": "XX"}, "HUB_DEFAULT_REGION"),
    ],
)
async def test_check_says_exactly_what_is_wrong(tmp_path, env, expected):
    code, out, err = await run(tmp_path, "check", **env)
    assert code == 2
    assert expected in out + err


async def test_user_add_creates_a_user_who_can_log_in(tmp_path):
    code, out, err = await run(tmp_path, "department", "add", "--name", "Sales")
    assert code == 0, err
    code, out, err = await run(
        tmp_path,
        "user",
        "add",
        "--email",
        "New.Agent@Example.com",
        "--name",
        "New Agent",
        "--role",
        "agent",
        "--department",
        "Sales",
        "--password",
        "a-good-password",
    )
    assert code == 0, err
    assert "added agent new.agent@example.com" in out

    from hub.auth import verify_password
    from hub.store.sqlite import open_sqlite_store

    store = await open_sqlite_store(tmp_path / "data" / "hub.db")
    try:
        user = await store.users.get_by_email("new.agent@example.com")
        department = await store.departments.get_by_name("sales")
    finally:
        await store.close()
    assert user is not None and department is not None
    assert user.department_ids == [department.id]
    assert verify_password(user.password_hash, "a-good-password")

    code, _out, err = await run(
        tmp_path,
        "user",
        "add",
        "--email",
        "new.agent@example.com",
        "--name",
        "Again",
        "--role",
        "agent",
        "--password",
        "a-good-password",
    )
    assert code == 2 and "exists" in err
    code, _out, err = await run(
        tmp_path,
        "user",
        "add",
        "--email",
        "x@example.com",
        "--name",
        "X",
        "--role",
        "agent",
        "--department",
        "Nowhere",
        "--password",
        "a-good-password",
    )
    assert code == 2 and "no department named 'Nowhere'" in err
    code, _out, err = await run(
        tmp_path, "user", "add", "--email", "y@example.com", "--name", "Y", "--role", "agent"
    )
    assert code == 2 and "--password" in err


async def _start_demo(tmp_path: Path, port: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        HUB_COMMAND,
        "demo",
        cwd=tmp_path,
        env=hub_env(tmp_path, HUB_PORT=str(port)),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _stop(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return out.decode()


async def test_demo_serves_seeded_data_and_keeps_it_across_restarts(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        proc = await _start_demo(tmp_path, port)
        try:
            await wait_healthy(http, url, proc)
            async with http.post(
                f"{url}/api/v1/auth/login", json={"email": "admin@example.com", "password": "demo-password"}
            ) as r:
                assert r.status == 200
                headers = {"Authorization": f"Bearer {(await r.json())['token']}"}
            async with http.get(f"{url}/api/v1/conversations", headers=headers) as r:
                first = (await r.json())["items"]
            channels = {c["channel"] for c in first}
            assert {"telegram", "email", "phone", "webchat", "api"} <= channels
            async with http.post(
                f"{url}/api/v1/inbound",
                headers=headers,
                json={
                    "external_id": "after-restart-1",
                    "sender": {"email": "kept@example.com"},
                    "text": "still here?",
                },
            ) as r:
                assert r.status == 201
                kept_client = (await r.json())["client_id"]
        finally:
            output = await _stop(proc)
        assert f"http://127.0.0.1:{port}" in output and "anna@example.com" in output

        proc = await _start_demo(tmp_path, port)
        try:
            await wait_healthy(http, url, proc)
            async with http.post(
                f"{url}/api/v1/auth/login", json={"email": "admin@example.com", "password": "demo-password"}
            ) as r:
                headers = {"Authorization": f"Bearer {(await r.json())['token']}"}
            async with http.get(f"{url}/api/v1/clients/{kept_client}/timeline", headers=headers) as r:
                assert r.status == 200
                assert [e["text"] for e in (await r.json())["items"]] == ["still here?"]
            async with http.get(f"{url}/api/v1/conversations?limit=200", headers=headers) as r:
                again = (await r.json())["items"]
            assert len(again) == len(first) + 1  # nothing seeded twice
        finally:
            await _stop(proc)


async def test_serve_with_a_broken_flow_file_says_where_and_exits(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "broken.yaml").write_text(
        "name: broken\nchannels: [webchat]\nstart: greet\nstates:\n  greet:\n    say: hi\n    next: nowhere\n"
    )
    code, _out, err = await run(tmp_path, "serve", HUB_BOTS_DIR=str(flows), HUB_PORT=str(free_port()))
    assert code == 2
    assert "broken.yaml:7" in err and "nowhere" in err
    code, _out, err = await run(tmp_path, "check", HUB_BOTS_DIR=str(flows))
    assert code == 2 and "broken.yaml:7" in err


TELEPHONY_SECRET = "s3cr3t-never-printed-9f2c"


@pytest.mark.parametrize(
    ("telephony", "expected"),
    [
        ({"mango": {"api_key": TELEPHONY_SECRET, "api_salt": ""}}, "HUB_TELEPHONY.mango.api_salt"),
        ({"zadarma": {"secret": TELEPHONY_SECRET, "api_url": "ftp://pbx"}}, "HUB_TELEPHONY.zadarma.api_url"),
        ({"generic": {"tokens": [TELEPHONY_SECRET[:8]]}}, "HUB_TELEPHONY.generic.tokens"),
        (
            {"mango": {"api_key": TELEPHONY_SECRET, "api_salt": "x", "apikey": "y"}},
            "HUB_TELEPHONY.mango.apikey",
        ),
        (
            {"twilio": {"auth_token": TELEPHONY_SECRET}, "numbers": {"not a number": "Sales"}},
            "HUB_TELEPHONY.numbers",
        ),
        (
            {
                "twilio": {
                    "auth_token": TELEPHONY_SECRET,
                    "account_sid": "AC" + "0" * 32,
                    "caller_id": "+12025550100",
                }
            },
            "HUB_PUBLIC_URL is required to place calls through Twilio",
        ),
        ([{"mango": {"api_key": TELEPHONY_SECRET}}], "HUB_TELEPHONY"),
    ],
)
async def test_check_names_the_wrong_telephony_field_and_never_prints_a_secret(tmp_path, telephony, expected):
    code, out, err = await run(tmp_path, "check", HUB_TELEPHONY=json.dumps(telephony))
    assert code == 2
    assert expected in err
    assert "configuration OK" not in out
    assert TELEPHONY_SECRET not in out + err and TELEPHONY_SECRET[:8] not in out + err


async def test_check_says_broken_telephony_json_is_not_json_without_echoing_it(tmp_path):
    broken = '{"mango": {"api_key": "' + TELEPHONY_SECRET + '", '
    code, out, err = await run(tmp_path, "check", HUB_TELEPHONY=broken)
    assert code == 2
    assert "HUB_TELEPHONY is not valid JSON" in err
    assert "Traceback" not in err and TELEPHONY_SECRET not in out + err


async def test_check_accepts_a_good_telephony_configuration(tmp_path):
    telephony = {
        "mango": {"api_key": TELEPHONY_SECRET, "api_salt": "salt-" + TELEPHONY_SECRET},
        "generic": {"tokens": ["a-bearer-token-of-the-pbx"]},
        "numbers": {"+7 495 123-45-67": "Sales"},
    }
    code, out, err = await run(tmp_path, "check", HUB_TELEPHONY=json.dumps(telephony))
    assert code == 0, err
    assert "configuration OK" in out
    assert TELEPHONY_SECRET not in out + err
