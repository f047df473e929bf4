"""A partner knows before typing whether they may reply: each conversation read over REST carries `reply`, decided
by the access policy's reply grants (hub.access.can_reply), and a reply where it says no is refused (403). Each
store."""

from __future__ import annotations

from api_helpers import push
from test_partners import grants_path, new_partner, partner_user


async def test_the_conversations_say_whether_the_partner_may_reply(admin):
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

    listed = await dealer.ok("GET", f"/api/v1/clients/{read_only['client_id']}/conversations")
    assert [c["reply"]["allowed"] for c in listed["items"]] == [False]
    assert listed["items"][0]["reply"]["problem"]["code"] == "forbidden"
    one = await dealer.ok("GET", f"/api/v1/conversations/{may_reply['conversation_id']}")
    assert one["reply"] == {"allowed": True, "problem": None}
    listed = await dealer.ok("GET", f"/api/v1/clients/{may_reply['client_id']}/conversations")
    assert [c["reply"]["allowed"] for c in listed["items"]] == [True]
    # what it says is what the server does
    path = f"/api/v1/conversations/{read_only['conversation_id']}/replies"
    (await dealer.post(path, {"text": "hi"})).error(403)
    # a client grant with replies covers its conversations
    whole = await push(admin, name="Whole Client")
    await admin.ok(
        "POST", grants_path(north), {"client_id": whole["client_id"], "can_reply": True}, status=201
    )
    listed = await dealer.ok("GET", f"/api/v1/clients/{whole['client_id']}/conversations")
    assert [c["reply"]["allowed"] for c in listed["items"]] == [True]
    # staff who work the conversation may reply
    assert (await admin.ok("GET", f"/api/v1/conversations/{read_only['conversation_id']}"))["reply"][
        "allowed"
    ]
