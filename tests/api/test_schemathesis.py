"""Schemathesis against GET /api/v1/openapi.json: generated requests (valid and invalid) to every documented
operation, on a hub seeded with the demo data, as the admin and as a partner (whose calls meet the 403s and 404s
of the access policy). It fails on any 5xx, any status the document does not list, a response that does not match
its documented schema or content type, an operation that answers without the authentication it documents, and
invalid input (by the document) that is accepted.
Sqlite only; bounded: `HUB_SCHEMATHESIS_EXAMPLES` examples per operation and phase (25 by default).

Two operations can end the caller's own session: PATCH /api/v1/users/{user_id} (schemathesis finds the caller's id in
the answers: `{"active": false}`, a new password or role) and POST /api/v1/auth/logout. They run last, each in a run of
its own.

Reproduce a failure by hand: `hub demo`, log in, then the command the failing assertion shows.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from api_helpers import Api

from hub.demo import DEMO_PASSWORD, seed_demo

ST = str(Path(sys.executable).with_name("st"))
OPENAPI = "/api/v1/openapi.json"
SELF_ENDING = ("--exclude-path", "/api/v1/auth/logout", "--exclude-path", "/api/v1/users/{user_id}")
MAX_EXAMPLES = int(os.environ.get("HUB_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "ignored_auth",
    "negative_data_rejection",
)


async def schemathesis(
    url: str, token: str, tmp_path: Path, *options: str, examples: int = MAX_EXAMPLES
) -> None:
    """One `st run` against the running hub as the caller of `token`; fails the test with its report."""
    command = [
        ST,
        "run",
        f"{url}{OPENAPI}",
        "--header",
        f"Authorization: {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(examples),
        "--seed",
        "20261129",
        "--workers",
        "1",  # hypothesis' lambda-source cache is not thread-safe (a RuntimeError inside schemathesis with 2)
        "--request-timeout",
        "10",
        "--no-shrink",
        "--suppress-health-check",
        "all",
        "--output-truncate",
        "false",
        "--report",
        "vcr",  # every request and answer, under the test's tmp_path/schemathesis-report
        *options,
    ]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    proc = await asyncio.create_subprocess_exec(
        *command,
        cwd=tmp_path,  # no schemathesis.toml of the caller takes part
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:  # the API grows: a bound for a stuck run, not for a slow machine
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=240)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    report = out.decode(errors="replace")
    print(report)
    shown = " ".join(c if " " not in c else repr(c) for c in command).replace(token, "Bearer <token>")
    assert proc.returncode == 0, f"{shown}\n\n{report[-20_000:]}"


@pytest.mark.timeout(600)
async def test_the_api_answers_only_what_its_document_says(sqlite_server, sqlite_admin, tmp_path):
    assert await seed_demo(sqlite_server.hub)
    url = sqlite_server.url
    partner = await Api(url, sqlite_server.http).login("partner@example.com", DEMO_PASSWORD)

    admin = sqlite_admin.headers["Authorization"]
    await schemathesis(url, admin, tmp_path, *SELF_ENDING)
    half = MAX_EXAMPLES // 2 or 1
    await schemathesis(url, partner.headers["Authorization"], tmp_path, *SELF_ENDING, examples=half)
    # the tokens still work: nothing in these runs ended a session
    assert (await sqlite_admin.get("/api/v1/me")).status == 200
    assert (await partner.get("/api/v1/me")).status == 200
    # the admin may deactivate or demote themselves here (hub.actions.staff lets them), then logs out
    await schemathesis(url, admin, tmp_path, "--include-path", "/api/v1/users/{user_id}")
    await schemathesis(url, admin, tmp_path, "--include-path", "/api/v1/auth/logout")
