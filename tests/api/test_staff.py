"""Users and departments over HTTP: create, uniqueness (409), the new user logs in. Each store."""

from __future__ import annotations

from api_helpers import PASSWORD, new_department, unique


async def test_department_names_are_unique_whatever_the_case(admin):
    sales = await admin.ok("POST", "/api/v1/departments", {"name": "  Sales  "}, status=201)
    assert sales["name"] == "Sales" and sales["id"]

    for name in ("Sales", "sales", "SALES", " sAlEs "):
        (await admin.post("/api/v1/departments", {"name": name})).error(409, "conflict")

    support = await new_department(admin, "Support")
    (await admin.patch(f"/api/v1/departments/{support['id']}", {"name": "SALES"})).error(409, "conflict")
    renamed = await admin.ok("PATCH", f"/api/v1/departments/{support['id']}", {"name": "Customer Care"})
    assert renamed == {**support, "name": "Customer Care"}
    # renaming to another case of its own name is fine
    assert (await admin.ok("PATCH", f"/api/v1/departments/{sales['id']}", {"name": "SALES"}))[
        "name"
    ] == "SALES"
    # the old name is free again
    await admin.ok("POST", "/api/v1/departments", {"name": "support"}, status=201)

    listed = (await admin.ok("GET", "/api/v1/departments"))["items"]
    assert sorted(d["name"] for d in listed) == ["Customer Care", "SALES", "support"]


async def test_create_a_user_who_then_logs_in(admin):
    sales = await new_department(admin)
    email = f"{unique('new.agent')}@example.com"
    body = {"email": email, "name": "  New Agent ", "password": PASSWORD, "department_ids": [sales["id"]]}
    created = await admin.ok("POST", "/api/v1/users", body, status=201)
    assert created["email"] == email and created["name"] == "New Agent"
    assert (
        created["role"] == "agent"
        and created["department_ids"] == [sales["id"]]
        and created["active"] is True
    )
    assert "password_hash" not in created and "password" not in created and "token_version" not in created

    for taken in (email, email.upper(), f"  {email} "):
        reply = await admin.post("/api/v1/users", {**body, "email": taken, "name": "Twin"})
        reply.error(409, "conflict")

    agent = await admin.login(email.upper(), PASSWORD)
    assert agent.user["id"] == created["id"]
    me = await agent.ok("GET", "/api/v1/me")
    assert me["user"] == created

    users = (await admin.ok("GET", "/api/v1/users"))["items"]
    assert [u["email"] for u in users].count(email) == 1
    assert not any("password_hash" in u for u in users)


async def test_user_input_is_checked(admin):
    cases = (
        ({"email": "not-an-email", "name": "X", "password": PASSWORD}, 400),
        (
            {
                "email": f"{unique('u')}@example.com",
                "name": "X",
                "password": PASSWORD,
                "department_ids": ["0" * 24],
            },
            400,
        ),
        ({"email": f"{unique('u')}@example.com", "name": "   ", "password": PASSWORD}, 400),
        ({"email": f"{unique('u')}@example.com", "name": "X", "password": "1234567"}, 400),
    )
    for body, status in cases:
        (await admin.post("/api/v1/users", body)).error(status)
    users = (await admin.ok("GET", "/api/v1/users"))["items"]
    assert [u["email"] for u in users] == ["admin@example.com"]


async def test_patch_a_user(admin):
    sales = await new_department(admin)
    email = f"{unique('u')}@example.com"
    created = await admin.ok(
        "POST", "/api/v1/users", {"email": email, "name": "U", "password": PASSWORD}, status=201
    )
    path = f"/api/v1/users/{created['id']}"

    changed = await admin.ok(
        "PATCH", path, {"role": "supervisor", "department_ids": [sales["id"]], "name": "Sue"}
    )
    assert (changed["role"], changed["department_ids"], changed["name"]) == (
        "supervisor",
        [sales["id"]],
        "Sue",
    )
    (await admin.patch(path, {"department_ids": ["0" * 24]})).error(400, "invalid")
    (await admin.patch(path, {"email": "other@example.com"})).error(400, "invalid")
    supervisor = await admin.login(email, PASSWORD)
    assert (await supervisor.ok("GET", "/api/v1/me"))["user"] == changed
