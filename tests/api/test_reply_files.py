"""Replies with files over HTTP (multipart/form-data): the files are kept and attached; a malformed or wrong body is
a clear 4xx, never a 500."""

from __future__ import annotations

import aiohttp
from api_helpers import push


async def _post(api, path, data, content_type=None):
    headers = dict(api.headers)
    if content_type:
        headers["Content-Type"] = content_type
    async with api.http.post(api.url + path, data=data, headers=headers) as response:
        return response.status, await response.json()


async def test_reply_files_are_attached_and_bad_bodies_refused(sqlite_admin):
    admin = sqlite_admin
    conversation = (await push(admin))["conversation_id"]
    path = f"/api/v1/conversations/{conversation}/replies"
    form = aiohttp.FormData()
    form.add_field("file", b"col1;col2\n", filename="report.csv", content_type="application/octet-stream")
    status, entry = await _post(admin, path, form)
    assert status == 201, entry
    assert entry["text"] == "" and entry["attachments"][0]["name"] == "report.csv"
    assert entry["attachments"][0]["content_type"] == "text/csv"  # guessed when the browser says octet-stream
    assert entry["attachments"][0]["url"].startswith(f"/api/v1/entries/{entry['id']}/files/")

    wrong_name = aiohttp.FormData()
    wrong_name.add_field("document", b"x", filename="a.txt")
    status, body = await _post(admin, path, wrong_name)
    assert status == 400 and "'file'" in body["error"]["message"]

    unknown = aiohttp.FormData()
    unknown.add_field("text", "hi")
    unknown.add_field("file", b"x", filename="a.txt")
    unknown.add_field("colour", "red")
    status, body = await _post(admin, path, unknown)
    assert status == 400 and "colour" in body["error"]["message"]

    many = aiohttp.FormData()
    for n in range(11):
        many.add_field("file", f"{n}".encode(), filename=f"{n}.txt")
    status, body = await _post(admin, path, many)
    assert status == 400 and "at most 10" in body["error"]["message"]

    broken = b'--B\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--B\r\nContent-Disp'
    status, body = await _post(admin, path, broken, "multipart/form-data; boundary=B")
    assert 400 <= status < 500, body
    status, body = await _post(admin, path, b"--X--\r\n", "multipart/form-data")  # no boundary at all
    assert 400 <= status < 500, body

    timeline = await admin.ok("GET", f"/api/v1/conversations/{conversation}/timeline")
    outgoing = [e for e in timeline["items"] if e["direction"] == "out"]
    assert len(outgoing) == 1  # only the good one was stored
