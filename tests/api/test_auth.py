"""Logging in, bearer tokens and the session cookie, over HTTP. The tests of passwords themselves use real argon2
(`production_argon2`); the others cheap argon2 parameters of tests/conftest.py."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from api_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, Api, unique
from itsdangerous import URLSafeTimedSerializer

LOGIN = "/api/v1/auth/login"


def session_cookie(reply) -> SimpleCookie:
    cookies = SimpleCookie()
    for header in reply.headers.getall("Set-Cookie", []):
        cookies.load(header)
    return cookies


@pytest.mark.production_argon2
async def test_login_gives_a_token_the_user_and_an_http_only_session_cookie(sqlite_server):
    anonymous = Api(sqlite_server.url, sqlite_server.http)
    reply = await anonymous.post(LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})

    assert reply.status == 200, reply.text
    assert isinstance(reply.body["token"], str) and len(reply.body["token"]) > 20
    user = reply.body["user"]
    assert user["email"] == ADMIN_EMAIL and user["role"] == "admin" and user["active"] is True
    assert "password_hash" not in user and "token_version" not in user
    assert "argon2" not in reply.text

    cookie = session_cookie(reply)["hub_session"]
    assert cookie.value == reply.body["token"]
    assert cookie["httponly"] is True
    assert cookie["path"] == "/"
    assert cookie["samesite"].lower() in ("strict", "lax")

    me = await anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {reply.body['token']}"})
    assert me.status == 200 and me.body["user"]["id"] == user["id"]
    assert "password_hash" not in me.body["user"]


async def test_the_email_is_matched_case_insensitively(sqlite_server):
    reply = await Api(sqlite_server.url, sqlite_server.http).post(
        LOGIN, {"email": "  Admin@Example.COM ", "password": ADMIN_PASSWORD}
    )
    assert reply.status == 200, reply.text


@pytest.mark.production_argon2
async def test_wrong_password_and_unknown_email_are_401_json_errors(sqlite_server):
    anonymous = Api(sqlite_server.url, sqlite_server.http)
    wrong = await anonymous.post(LOGIN, {"email": ADMIN_EMAIL, "password": "not-the-password"})
    unknown = await anonymous.post(LOGIN, {"email": "nobody@example.com", "password": ADMIN_PASSWORD})

    wrong_error = wrong.error(401)
    unknown_error = unknown.error(401)
    # the two answers are the same: the API does not tell which emails have an account
    assert wrong_error == unknown_error
    assert not wrong.headers.getall("Set-Cookie", [])


async def test_requests_without_a_valid_token_are_401(sqlite_server, sqlite_admin):
    anonymous = Api(sqlite_server.url, sqlite_server.http)
    good = sqlite_admin.headers["Authorization"].removeprefix("Bearer ")
    middle = (
        len(good) - 8
    )  # inside the signature, where every character counts (unlike the last one's padding)
    tampered = good[:middle] + ("A" if good[middle] != "A" else "B") + good[middle + 1 :]
    forged = URLSafeTimedSerializer("some-other-secret-key-" + "y" * 32, salt="hub.user").dumps(
        [sqlite_admin.user["id"], 0]
    )
    attempts = {
        "no token": {},
        "garbage": {"Authorization": "Bearer garbage"},
        "empty bearer": {"Authorization": "Bearer "},
        "tampered": {"Authorization": f"Bearer {tampered}"},
        "signed with another key": {"Authorization": f"Bearer {forged}"},
        "basic auth": {"Authorization": "Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4tcGFzc3dvcmQ="},
        "garbage cookie": {"Cookie": "hub_session=garbage"},
    }
    for what, headers in attempts.items():
        for path in ("/api/v1/me", "/api/v1/conversations", "/api/v1/clients"):
            reply = await anonymous.get(path, headers=headers)
            assert reply.status == 401, (what, path, reply.text)
            reply.error(401, "unauthorized")
    inbound = await anonymous.post(
        "/api/v1/inbound", {"external_id": "x", "sender": {"phone": "+79161234567"}}
    )
    inbound.error(401, "unauthorized")
    # the real token still works
    assert (await sqlite_admin.get("/api/v1/me")).status == 200


async def test_a_deactivated_users_token_stops_working_and_they_cannot_log_in(sqlite_admin):
    email = f"{unique('agent')}@example.com"
    created = await sqlite_admin.ok(
        "POST", "/api/v1/users", {"email": email, "name": "Agent", "password": PASSWORD}, status=201
    )
    agent = await sqlite_admin.login(email, PASSWORD)
    assert (await agent.get("/api/v1/me")).status == 200

    await sqlite_admin.ok("PATCH", f"/api/v1/users/{created['id']}", {"active": False})

    (await agent.get("/api/v1/me")).error(401, "unauthorized")
    (await sqlite_admin.post(LOGIN, {"email": email, "password": PASSWORD}, auth=False)).error(401)

    await sqlite_admin.ok("PATCH", f"/api/v1/users/{created['id']}", {"active": True})
    # reactivation does not revive the old token, but the user can log in again
    (await agent.get("/api/v1/me")).error(401, "unauthorized")
    again = await sqlite_admin.login(email, PASSWORD)
    assert (await again.get("/api/v1/me")).status == 200


@pytest.mark.production_argon2
async def test_a_password_change_ends_the_old_sessions(sqlite_admin):
    email = f"{unique('agent')}@example.com"
    created = await sqlite_admin.ok(
        "POST", "/api/v1/users", {"email": email, "name": "Agent", "password": PASSWORD}, status=201
    )
    agent = await sqlite_admin.login(email, PASSWORD)

    await sqlite_admin.ok("PATCH", f"/api/v1/users/{created['id']}", {"password": "a-new-password"})

    (await agent.get("/api/v1/me")).error(401, "unauthorized")
    (await sqlite_admin.post(LOGIN, {"email": email, "password": PASSWORD}, auth=False)).error(401)
    renewed = await sqlite_admin.login(email, "a-new-password")
    assert (await renewed.get("/api/v1/me")).body["user"]["id"] == created["id"]
    # a change of name does not end sessions
    await sqlite_admin.ok("PATCH", f"/api/v1/users/{created['id']}", {"name": "Renamed"})
    assert (await renewed.get("/api/v1/me")).body["user"]["name"] == "Renamed"


async def test_the_session_cookie_alone_authenticates(sqlite_server):
    anonymous = Api(sqlite_server.url, sqlite_server.http)
    login = await anonymous.post(LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    cookie = session_cookie(login)["hub_session"].value

    me = await anonymous.get("/api/v1/me", headers={"Cookie": f"hub_session={cookie}"})
    assert me.status == 200, me.text
    assert me.body["user"]["email"] == ADMIN_EMAIL

    # a bad bearer header is not rescued by a good cookie, and logging out clears the cookie
    bad_header = await anonymous.get(
        "/api/v1/me", headers={"Cookie": f"hub_session={cookie}", "Authorization": "Bearer nonsense"}
    )
    bad_header.error(401, "unauthorized")
    logout = await anonymous.post("/api/v1/auth/logout", headers={"Cookie": f"hub_session={cookie}"})
    assert logout.status == 200
    cleared = session_cookie(logout)["hub_session"]
    assert cleared.value == "" and (cleared["max-age"] in ("0", 0) or cleared["expires"])
