"""What the API stored is still there after the hub restarts on the same SQLite file."""

from __future__ import annotations

from api_helpers import PASSWORD, Api, admin_api, api_settings, new_department, push, run_hub, timeline


async def test_a_restart_on_the_same_sqlite_file_keeps_everything(tmp_path):
    settings = api_settings(tmp_path)
    async with run_hub(settings) as server:
        admin = await admin_api(server.url, server.http)
        pushed = await push(
            admin,
            name="Kept Customer",
            email="kept@example.com",
            text="remember me",
            occurred_at="2025-02-03T04:05:06Z",
        )
        department = await new_department(admin, "Sales")
        await admin.ok(
            "PATCH",
            f"/api/v1/conversations/{pushed['conversation_id']}",
            {"status": "pending", "department_id": department["id"]},
        )
        await admin.ok(
            "POST",
            "/api/v1/users",
            {"email": "kept.agent@example.com", "name": "Kept", "password": PASSWORD},
            status=201,
        )
        token = admin.headers
        before = await timeline(admin, f"/api/v1/clients/{pushed['client_id']}")
    assert settings.sqlite_path.is_file()

    async with run_hub(settings) as server:
        # the old token is still good: same secret key, same user
        admin = Api(server.url, server.http, token)
        client = await admin.ok("GET", f"/api/v1/clients/{pushed['client_id']}")
        assert client["name"] == "Kept Customer"
        assert {(i["kind"], i["value"]) for i in client["identities"]} >= {("email", "kept@example.com")}
        assert await timeline(admin, f"/api/v1/clients/{pushed['client_id']}") == before
        assert [e["id"] for e in before if e["kind"] != "system"] == [pushed["entry_id"]]
        assert [e["meta"]["code"] for e in before if e["kind"] == "system"] == ["pending", "rerouted"]

        conversation = await admin.ok("GET", f"/api/v1/conversations/{pushed['conversation_id']}")
        assert conversation["status"] == "pending" and conversation["department_id"] == department["id"]
        # the restart did not create a second admin, and the other user can still log in
        emails = [u["email"] for u in (await admin.ok("GET", "/api/v1/users"))["items"]]
        assert sorted(emails) == ["admin@example.com", "kept.agent@example.com"]
        await admin.login("kept.agent@example.com", PASSWORD)
        # the same message pushed again is still known
        again = await push(
            admin,
            external_id=next(e for e in before if e["kind"] != "system")["provider_id"],
            email="kept@example.com",
            expect=200,
        )
        assert again["duplicate"] is True and again["entry_id"] == pushed["entry_id"]
