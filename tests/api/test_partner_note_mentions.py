"""A partner's shared note @mentions the staff who own the client (issue #11), on both adapters: the mentioned
colleague's bell gets it once with the note's text; a staff member the note does not name gets nothing; another
organisation's partner user named in it is not notified (they may not read that client)."""

from __future__ import annotations

from api_helpers import new_department, new_user, push
from test_partners import grants_path, new_partner, partner_user


async def test_a_partners_note_mentions_the_staff_who_own_the_client(admin):
    sales = await new_department(admin, "Sales")
    owner = await new_user(admin, "agent", [sales["id"]], name="Olga Owner")
    bystander = await new_user(admin, "agent", [sales["id"]], name="Boris Bystander")
    north, south = await new_partner(admin, "North"), await new_partner(admin, "South")
    dealer, rival = await partner_user(admin, north), await partner_user(admin, south)
    message = await push(admin, text="I want a quote for 40 chairs")
    await admin.ok(
        "PATCH", f"/api/v1/conversations/{message['conversation_id']}", {"department_id": sales["id"]}
    )
    await admin.ok("POST", grants_path(north), {"client_id": message["client_id"]}, status=201)

    owner_handle = owner.user["email"].split("@")[0]
    rival_handle = rival.user["email"].split("@")[0]
    text = f"@{owner_handle} the customer agreed to 38, @{rival_handle} fyi"
    note = await dealer.ok(
        "POST", f"/api/v1/conversations/{message['conversation_id']}/notes", {"text": text}, status=201
    )
    assert note["meta"].get("shared_with_partners") is True  # a partner's note is always shared

    def mentions(page: dict) -> list[dict]:
        return [n for n in page["items"] if n["kind"] == "mention"]

    got = mentions(await owner.ok("GET", "/api/v1/notifications"))
    assert [(n["entry_id"], n["text"]) for n in got] == [(note["id"], text)]
    assert mentions(await bystander.ok("GET", "/api/v1/notifications")) == []
    assert mentions(await rival.ok("GET", "/api/v1/notifications")) == []
