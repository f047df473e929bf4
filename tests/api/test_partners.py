"""Partner organisations and grants over REST: a partner user sees exactly what their organisation is granted —
a record outside the grants answers 404 like a nonexistent id, and is absent from lists, searches and counts; a
revoke takes effect at the next request; redacted fields never leave the server."""

from __future__ import annotations

from api_helpers import PASSWORD, Api, new_user, push, timeline, unique, unique_phone


async def new_partner(admin: Api, name: str | None = None, redacted: list[str] | None = None) -> dict:
    body = {"name": name or unique("Dealer"), "redacted_fields": redacted or []}
    return await admin.ok("POST", "/api/v1/partners", body, status=201)


async def partner_user(admin: Api, partner: dict) -> Api:
    email = f"{unique('dealer')}@example.com"
    body = {
        "email": email,
        "name": unique("Dealer"),
        "role": "partner",
        "password": PASSWORD,
        "partner_id": partner["id"],
    }
    user = await admin.ok("POST", "/api/v1/users", body, status=201)
    assert user["partner_id"] == partner["id"]
    return await admin.login(email, PASSWORD)


def grants_path(partner: dict) -> str:
    return f"/api/v1/partners/{partner['id']}/grants"


async def ids(api: Api, path: str, **params: str) -> set[str]:
    body = await api.ok("GET", path, params=params or None)
    return {item["id"] for item in body["items"]}


async def test_organisations_and_their_users_are_managed_by_admins(admin):
    supervisor = await new_user(admin, "supervisor")
    agent = await new_user(admin, "agent")
    (await supervisor.post("/api/v1/partners", {"name": "X"})).error(403, "forbidden")
    (await agent.get("/api/v1/partners")).error(403, "forbidden")
    north = await new_partner(admin, "Dealer North", ["phone"])
    assert north["redacted_fields"] == ["phone"]
    assert north["id"] in await ids(supervisor, "/api/v1/partners")
    (await admin.post("/api/v1/partners", {"name": ""})).error(400)
    (await admin.post("/api/v1/partners", {"name": "Y", "redacted_fields": ["bad name!"]})).error(400)
    # a partner user names an existing organisation; staff have none
    body = {
        "email": "x@example.com",
        "name": "X",
        "role": "partner",
        "password": PASSWORD,
        "partner_id": "nope",
    }
    (await admin.post("/api/v1/users", body)).error(400, "invalid")
    body = {**body, "role": "agent", "partner_id": north["id"]}
    (await admin.post("/api/v1/users", body)).error(400, "invalid")
    dealer = await partner_user(admin, north)
    (await dealer.get("/api/v1/partners")).error(403, "forbidden")
    (await dealer.post(grants_path(north), {"client_id": "x"})).error(403, "forbidden")
    (await agent.post(grants_path(north), {"client_id": "x"})).error(403, "forbidden")


async def test_bad_grants_get_a_clear_400_or_404(admin):
    north = await new_partner(admin)
    client_id = (await push(admin))["client_id"]
    (await admin.post(grants_path(north), {})).error(400, "invalid")
    (await admin.post(grants_path(north), {"client_id": client_id, "rule": {"tag": "x"}})).error(
        400, "invalid"
    )
    (await admin.post(grants_path(north), {"rule": {}})).error(400, "invalid")
    (await admin.post(grants_path(north), {"rule": {"tag": "a", "brought_by": True}})).error(400, "invalid")
    (await admin.post(grants_path(north), {"rule": {"field": "region"}})).error(400, "invalid")
    (await admin.post(grants_path(north), {"rule": {"field": "a.b", "value": "x"}})).error(400)
    (await admin.post(grants_path(north), {"can_reply": 1, "client_id": client_id})).error(400)
    (await admin.post(grants_path(north), {"client_id": "nope"})).error(404, "not_found")
    (await admin.post(grants_path(north), {"conversation_id": "nope"})).error(404, "not_found")
    (await admin.post("/api/v1/partners/nope/grants", {"client_id": client_id})).error(404, "not_found")
    (await admin.call("DELETE", f"{grants_path(north)}/nope")).error(404, "not_found")
    (await admin.get("/api/v1/partners/nope/grants")).error(404, "not_found")


async def test_each_kind_of_grant_shows_exactly_its_part_and_a_revoke_hides_it_at_once(admin):
    north, south = await new_partner(admin, "North"), await new_partner(admin, "South")
    dealer, rival = await partner_user(admin, north), await partner_user(admin, south)
    by_client = await push(admin, name="Granted Client", text="hello from granted")
    tagged = await push(admin, name="Tagged Client")
    regional = await push(admin, name="Regional Client")
    brought = await push(admin, name="Brought Client")
    conv_email = f"{unique('conv')}@example.com"
    conv_only = await push(
        admin, name="Conversation Client", text="first thread", thread_key="t1", email=conv_email
    )
    second = await push(
        admin, name="Conversation Client", text="second thread", thread_key="t2", email=conv_email
    )
    assert second["client_id"] == conv_only["client_id"]
    assert second["conversation_id"] != conv_only["conversation_id"]
    hidden = await push(admin, name="Hidden Client", text="nobody's business")
    await admin.ok("PATCH", f"/api/v1/clients/{tagged['client_id']}", {"tags": ["vip"]})
    await admin.ok("PATCH", f"/api/v1/clients/{regional['client_id']}", {"fields": {"region": "North"}})
    await admin.ok(
        "PATCH", f"/api/v1/clients/{brought['client_id']}", {"fields": {"brought_by": north["id"]}}
    )
    await admin.ok("PATCH", f"/api/v1/clients/{hidden['client_id']}", {"fields": {"region": "South"}})
    # the conversation-only client has a second conversation and a client-level note the dealer must not see
    conv_client = f"/api/v1/clients/{conv_only['client_id']}"
    await admin.ok(
        "POST",
        f"{conv_client}/notes",
        {"text": "client-level shared", "shared_with_partners": True},
        status=201,
    )

    # nothing granted: nothing seen
    assert await ids(dealer, "/api/v1/clients") == set()
    assert (await dealer.ok("GET", "/api/v1/conversations"))["items"] == []

    grants = [
        await admin.ok("POST", grants_path(north), body, status=201)
        for body in (
            {"client_id": by_client["client_id"]},
            {"rule": {"tag": "vip"}},
            {"rule": {"field": "region", "value": "North"}},
            {"rule": {"brought_by": True}},
            {"conversation_id": conv_only["conversation_id"]},
        )
    ]
    # granting the same thing again is the same grant
    again = await admin.ok("POST", grants_path(north), {"rule": {"tag": "vip"}}, status=201)
    assert again["id"] == grants[1]["id"]
    assert [g["id"] for g in (await admin.ok("GET", grants_path(north)))["items"]] == [
        g["id"] for g in grants
    ]

    visible = {
        by_client["client_id"],
        tagged["client_id"],
        regional["client_id"],
        brought["client_id"],
        conv_only["client_id"],
    }
    assert await ids(dealer, "/api/v1/clients") == visible
    assert await ids(dealer, "/api/v1/clients", q="client") == visible
    assert await ids(dealer, "/api/v1/clients", q="hidden") == set()
    inbox = await dealer.ok("GET", "/api/v1/conversations")
    assert {c["id"] for c in inbox["items"]} == {
        by_client["conversation_id"],
        tagged["conversation_id"],
        regional["conversation_id"],
        brought["conversation_id"],
        conv_only["conversation_id"],
    }
    assert set(inbox["clients"]) == visible
    # the other organisation sees none of it
    assert await ids(rival, "/api/v1/clients") == set()
    (await rival.get(f"/api/v1/clients/{by_client['client_id']}")).error(404, "not_found")

    # hidden records answer exactly like nonexistent ones
    missing = await dealer.get("/api/v1/clients/000000000000000000000000")
    hidden_reply = await dealer.get(f"/api/v1/clients/{hidden['client_id']}")
    assert hidden_reply.error(404, "not_found") == missing.error(404, "not_found")
    (await dealer.get(f"/api/v1/conversations/{hidden['conversation_id']}")).error(404, "not_found")
    (await dealer.get(f"/api/v1/entries/{hidden['entry_id']}/files/x")).error(404, "not_found")

    # a conversation grant: the card, that conversation, and only its entries (no client-level note)
    card_timeline = await timeline(dealer, conv_client)
    assert [e["text"] for e in card_timeline] == ["first thread"]
    assert await ids(dealer, f"{conv_client}/conversations") == {conv_only["conversation_id"]}

    # revoking: 404 at the very next request, gone from lists and search
    for grant in grants:
        await admin.ok("DELETE", f"{grants_path(north)}/{grant['id']}")
    assert await ids(dealer, "/api/v1/clients") == set()
    assert (await dealer.ok("GET", "/api/v1/conversations"))["items"] == []
    for item in (by_client, tagged, regional, brought, conv_only):
        (await dealer.get(f"/api/v1/clients/{item['client_id']}")).error(404, "not_found")
        (await dealer.get(f"/api/v1/conversations/{item['conversation_id']}")).error(404, "not_found")
    assert (await admin.ok("GET", grants_path(north)))["items"] == []
    card = await admin.ok("GET", f"/api/v1/clients/{by_client['client_id']}")
    assert card["partner_ids"] == []


async def test_redacted_fields_and_other_organisations_never_reach_a_partner(admin):
    north = await new_partner(admin, redacted=["phone", "inn"])
    south = await new_partner(admin)
    dealer = await partner_user(admin, north)
    shared = await push(
        admin, name="Redacted Client", email=f"{unique('r')}@example.com", phone=unique_phone()
    )
    path = f"/api/v1/clients/{shared['client_id']}"
    await admin.ok("PATCH", path, {"fields": {"inn": "7701", "city": "Perm"}})
    await admin.ok("POST", grants_path(north), {"client_id": shared["client_id"]}, status=201)
    await admin.ok("POST", grants_path(south), {"client_id": shared["client_id"]}, status=201)
    staff_card = await admin.ok("GET", path)
    assert {i["kind"] for i in staff_card["identities"]} == {"phone", "email"}
    assert sorted(staff_card["partner_ids"]) == sorted([north["id"], south["id"]])
    for card in (
        await dealer.ok("GET", path),
        (await dealer.ok("GET", "/api/v1/clients"))["items"][0],
        (await dealer.ok("GET", "/api/v1/conversations"))["clients"][shared["client_id"]],
    ):
        assert {i["kind"] for i in card["identities"]} == {"email"}
        assert card["fields"] == {"city": "Perm"}
        assert card["partner_ids"] == []
    # the organisation's redactions follow a change at once
    await admin.ok("PATCH", f"/api/v1/partners/{north['id']}", {"redacted_fields": []})
    assert "inn" in (await dealer.ok("GET", path))["fields"]


async def test_replies_only_where_a_grant_allows_and_notes_are_always_shared(admin):
    north = await new_partner(admin)
    dealer = await partner_user(admin, north)
    read_only = await push(admin, name="Read Only")
    may_reply = await push(admin, name="May Reply")
    await admin.ok("POST", grants_path(north), {"client_id": read_only["client_id"]}, status=201)
    await admin.ok(
        "POST",
        grants_path(north),
        {"conversation_id": may_reply["conversation_id"], "can_reply": True},
        status=201,
    )
    (
        await dealer.post(f"/api/v1/conversations/{read_only['conversation_id']}/replies", {"text": "hi"})
    ).error(403)
    sent = await dealer.ok(
        "POST", f"/api/v1/conversations/{may_reply['conversation_id']}/replies", {"text": "hi"}, status=201
    )
    assert sent["direction"] == "out" and sent["author"]["id"] == dealer.user["id"]
    note = await dealer.ok(
        "POST",
        f"/api/v1/conversations/{read_only['conversation_id']}/notes",
        {"text": "from the dealer"},
        status=201,
    )
    assert note["meta"]["shared_with_partners"] is True
    internal = await admin.ok(
        "POST",
        f"/api/v1/conversations/{read_only['conversation_id']}/notes",
        {"text": "internal"},
        status=201,
    )
    texts = [e["text"] for e in await timeline(dealer, f"/api/v1/clients/{read_only['client_id']}")]
    assert "from the dealer" in texts and "internal" not in texts
    (await dealer.get(f"/api/v1/entries/{internal['id']}/files/x")).error(404, "not_found")


async def test_the_patch_shortcut_keeps_client_grants_in_step(admin):
    north = await new_partner(admin)
    dealer = await partner_user(admin, north)
    shared = await push(admin, name="Shortcut Client")
    path = f"/api/v1/clients/{shared['client_id']}"
    # a partner user's id stands for their organisation
    card = await admin.ok("PATCH", path, {"partner_ids": [dealer.user["id"]]})
    assert card["partner_ids"] == [north["id"]]
    listed = (await admin.ok("GET", grants_path(north)))["items"]
    assert [g["client_id"] for g in listed] == [shared["client_id"]]
    assert await ids(dealer, "/api/v1/clients") == {shared["client_id"]}
    await admin.ok("PATCH", path, {"partner_ids": []})
    assert (await admin.ok("GET", grants_path(north)))["items"] == []
    (await dealer.get(path)).error(404, "not_found")
