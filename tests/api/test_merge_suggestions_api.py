"""GET /api/v1/merge-suggestions?client_id=: only the suggestions naming that client (the client card's "Possible
duplicates", issue #12); an over-long id is a 400. Each store."""

from __future__ import annotations

from api_helpers import push, unique_email, unique_phone


async def suggested_pair(admin) -> tuple[str, str]:
    email, phone = unique_email(), unique_phone()
    by_email = await push(admin, email=email, text="by email")
    by_phone = await push(admin, phone=phone, text="by phone")
    await push(admin, email=email, phone=phone, text="both")  # one message naming both: a suggestion
    return by_email["client_id"], by_phone["client_id"]


async def test_the_client_filter_lists_only_that_clients_suggestions(admin):
    first = await suggested_pair(admin)
    second = await suggested_pair(admin)
    everything = (await admin.ok("GET", "/api/v1/merge-suggestions"))["items"]
    assert {tuple(sorted(s["client_ids"])) for s in everything} == {
        tuple(sorted(first)),
        tuple(sorted(second)),
    }

    for client_id in first:
        found = (await admin.ok("GET", "/api/v1/merge-suggestions", params={"client_id": client_id}))["items"]
        assert [set(s["client_ids"]) for s in found] == [set(first)]
    alone = await push(admin, text="no twin")
    assert (await admin.ok("GET", "/api/v1/merge-suggestions", params={"client_id": alone["client_id"]}))[
        "items"
    ] == []

    # dismissed ones leave the open list of that client, and are listed under status=dismissed
    suggestion = (await admin.ok("GET", "/api/v1/merge-suggestions", params={"client_id": first[0]}))[
        "items"
    ][0]
    await admin.ok("POST", f"/api/v1/merge-suggestions/{suggestion['id']}/dismiss")
    assert (await admin.ok("GET", "/api/v1/merge-suggestions", params={"client_id": first[0]}))["items"] == []
    dismissed = await admin.ok(
        "GET", "/api/v1/merge-suggestions", params={"client_id": first[1], "status": "dismissed"}
    )
    assert [s["id"] for s in dismissed["items"]] == [suggestion["id"]]
    assert len((await admin.ok("GET", "/api/v1/merge-suggestions"))["items"]) == 1


async def test_an_over_long_client_id_is_a_clear_400(admin):
    reply = await admin.get("/api/v1/merge-suggestions", params={"client_id": "x" * 65})
    assert reply.status == 400, reply.text
    assert "client_id" in reply.body["error"]["message"]
