"""Updates arriving at the real webhook route, end to end into the store (on each store where it matters)."""

from __future__ import annotations

import asyncio

from telegram_helpers import eventually, message, text_update, update, user

from hub.domain import Direction, Identity, IdentityKind
from hub.files import entry_file_url
from hub.keys import API_WEBHOOK, TELEGRAM_LINKS, derive_secret
from hub.links import sign_client_link

# --- on both stores -----------------------------------------------------------------------------------------------


async def test_text_update_becomes_a_timeline_entry(tg):
    status, body = await tg.post_update(text_update("Hello <b>there</b>", message_id=7))

    assert (status, body) == (200, {"ok": True})
    entry = await tg.entry("main:42:7")
    assert entry is not None
    assert entry.text == "Hello <b>there</b>"
    assert entry.channel == "telegram"
    assert entry.direction is Direction.inbound
    assert entry.author.name == "Ivan Petrov"
    assert entry.meta["telegram"]["bot"] == "main"
    [conversation] = await tg.conversations()
    assert conversation.thread_key == "main:42"
    assert conversation.id == entry.conversation_id
    client = await tg.hub.store.clients.get(entry.client_id)
    assert client.name == "Ivan Petrov"
    assert client.identities == [Identity(kind=IdentityKind.telegram, value="42")]


async def test_redelivered_update_is_stored_once(tg):
    first = text_update("once", update_id=501, message_id=9)
    assert (await tg.post_update(first))[0] == 200
    assert (await tg.post_update(first))[0] == 200
    # the same message again under another update id (a webhook re-set) is the same message too
    assert (await tg.post_update(text_update("once", update_id=502, message_id=9)))[0] == 200

    [conversation] = await tg.conversations()
    entries = await tg.hub.store.timeline.conversation_page(conversation.id)
    assert [e.text for e in entries] == ["once"]
    assert conversation.unread == 1


async def test_contact_share_joins_the_client_known_by_phone(tg):
    headers = await tg.login()
    async with tg.http.post(
        f"{tg.url}/api/v1/inbound",
        headers=headers,
        json={
            "external_id": "call-1",
            "sender": {"name": "Caller", "phone": "8 (916) 123-45-67"},
            "text": "call",
        },
    ) as r:
        assert r.status == 201, await r.text()
        known_client = (await r.json())["client_id"]

    contact = {"phone_number": "79161234567", "first_name": "Ivan", "user_id": 42}
    status, _ = await tg.post_update(update(message=message(11, contact=contact)))

    assert status == 200
    entry = await tg.entry("main:42:11")
    assert entry.client_id == known_client
    assert entry.meta["telegram"]["contact"]["phone"] == "+79161234567"
    client = await tg.hub.store.clients.get(known_client)
    assert Identity(kind=IdentityKind.telegram, value="42") in client.identities
    assert len(await tg.clients()) == 1


async def test_edited_message_updates_the_text_and_keeps_the_previous(tg):
    await tg.post_update(text_update("I ned help", message_id=12))

    edited = message(12, text="I need help", edit_date=1_760_000_100)
    status, _ = await tg.post_update(update(edited_message=edited))

    assert status == 200
    entry = await tg.entry("main:42:12")
    assert entry.text == "I need help"
    assert entry.meta["edits"] == [{"text": "I ned help", "replaced_at": "2025-10-09T08:55:00+00:00"}]
    # redelivering the edit changes nothing more
    await tg.post_update(update(edited_message=edited))
    assert len((await tg.entry("main:42:12")).meta["edits"]) == 1


def link_key(tg) -> str:
    """The key of Telegram deep links: derived from HUB_SECRET_KEY for that purpose alone."""
    return derive_secret(tg.hub.settings.resolved_secret(), TELEGRAM_LINKS)


async def test_start_with_a_signed_link_joins_that_client(tg):
    headers = await tg.login()
    async with tg.http.post(
        f"{tg.url}/api/v1/inbound",
        headers=headers,
        json={"external_id": "w-1", "sender": {"email": "web@example.com"}, "text": "from the web"},
    ) as r:
        client_id = (await r.json())["client_id"]
    token = sign_client_link(link_key(tg), client_id)

    status, _ = await tg.post_update(text_update(f"/start {token}", message_id=13))

    assert status == 200
    entry = await tg.entry("main:42:13")
    assert entry.client_id == client_id
    assert entry.text == "/start"
    assert entry.meta["telegram"]["start_link"] == "linked"
    client = await tg.hub.store.clients.get(client_id)
    assert Identity(kind=IdentityKind.telegram, value="42") in client.identities


async def test_a_link_signed_with_the_master_key_or_another_purposes_key_joins_nobody(tg1):
    headers = await tg1.login()
    async with tg1.http.post(
        f"{tg1.url}/api/v1/inbound",
        headers=headers,
        json={"external_id": "w-2", "sender": {"email": "owner@example.com"}, "text": "mine"},
    ) as r:
        client_id = (await r.json())["client_id"]
    master = tg1.hub.settings.resolved_secret()
    for n, key in enumerate((master, derive_secret(master, API_WEBHOOK))):
        token = sign_client_link(key, client_id)
        status, _ = await tg1.post_update(
            text_update(f"/start {token}", message_id=50 + n, update_id=900 + n)
        )
        assert status == 200
        entry = await tg1.entry(f"main:42:{50 + n}")
        assert entry.meta["telegram"]["start_link"] == "invalid"
        assert entry.client_id != client_id


async def test_photo_is_fetched_into_the_attachment_store(tg):
    tg.standin.add_file("small", "photos/file_1.jpg", b"small-jpeg")
    tg.standin.add_file("large", "photos/file_2.jpg", b"the-large-jpeg-bytes")
    photo = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60, "file_size": 10},
        {"file_id": "large", "file_unique_id": "l", "width": 1280, "height": 853, "file_size": 20},
    ]
    status, _ = await tg.post_update(update(message=message(14, photo=photo, caption="my receipt")))

    assert status == 200
    entry = await tg.entry("main:42:14")
    assert entry.text == "my receipt"
    [attachment] = entry.attachments
    assert attachment.provider_file_id == "large"
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == len(b"the-large-jpeg-bytes")
    assert attachment.name == "file_2.jpg"
    assert [c.data["file_id"] for c in tg.standin.calls_of("getFile")] == ["large"]
    headers = await tg.login()
    async with tg.http.get(f"{tg.url}{entry_file_url(entry.id, attachment.url)}", headers=headers) as r:
        assert r.status == 200
        assert await r.read() == b"the-large-jpeg-bytes"


async def test_button_press_is_answered_and_stored_with_its_button_id(tg):
    keyboard = {
        "inline_keyboard": [
            [{"text": "Yes, please", "callback_data": "yes"}, {"text": "No", "callback_data": "no"}]
        ]
    }
    bot_message = message(20, sender={"id": 123456, "is_bot": True, "first_name": "Hub"}, text="Want it?",
                          reply_markup=keyboard)  # fmt: skip
    press = {"id": "cbq-1", "from": user(), "chat_instance": "ci", "message": bot_message, "data": "yes"}

    status, _ = await tg.post_update(update(callback_query=press))
    await tg.post_update(update(callback_query=press))  # redelivered

    assert status == 200
    entry = await tg.entry("main:cb:cbq-1")
    assert entry.meta["button_id"] == "yes"
    assert entry.text == "Yes, please"
    assert (await tg.hub.store.conversations.get(entry.conversation_id)).thread_key == "main:42"
    [answer] = tg.standin.calls_of("answerCallbackQuery")
    assert answer.data["callback_query_id"] == "cbq-1"


# --- the store does not matter: SQLite only ---------------------------------------------------------------------


async def test_wrong_or_missing_secret_is_401_and_stores_nothing(tg1):
    for secret in ("not-the-secret", None, "webhook-secret_123-2"):  # the last one is the other bot's
        status, body = await tg1.post_update(text_update("sneaky"), secret=secret)
        assert status == 401
        assert body["error"]["code"] == "unauthorized"
    assert await tg1.conversations() == []
    assert await tg1.clients() == []


async def test_unknown_bot_is_404(tg1):
    status, body = await tg1.post_update(text_update("hi"), bot="nobody")
    assert status == 404
    assert body["error"]["code"] == "not_found"


async def test_malformed_bodies_are_400(tg1):
    bad = [
        b"{not json",
        b"[1, 2]",
        b'{"no_update_id": true}',
        b'{"update_id": 1, "message": {"text": 5}}',
        b"\xff",
    ]
    for raw in bad:
        status, body = await tg1.post_update(None, raw=raw)
        assert status == 400, raw
        assert body["error"]["code"] in ("malformed_json", "invalid")
    assert await tg1.conversations() == []


async def test_group_messages_are_ignored_unless_the_bot_takes_groups(tg1):
    group = dict(chat_id=-100500, chat_type="supergroup")
    status, _ = await tg1.post_update(text_update("in a group", message_id=30, **group))
    assert status == 200
    assert await tg1.entry("main:-100500:30") is None

    # the bot "groupie" is configured with groups = true
    status, _ = await tg1.post_update(
        text_update("in a group", message_id=31, **group), bot="groupie", secret="webhook-secret_123-2"
    )
    assert status == 200
    entry = await tg1.entry("groupie:-100500:31")
    assert entry is not None
    assert (await tg1.hub.store.conversations.get(entry.conversation_id)).thread_key == "groupie:-100500"


async def test_forged_start_payload_is_ignored_and_the_message_kept(tg1):
    forged = "0" * 24 + "-" + "A" * 22
    status, _ = await tg1.post_update(text_update(f"/start {forged}", message_id=40))

    assert status == 200
    entry = await tg1.entry("main:42:40")
    assert entry.meta["telegram"]["start_link"] == "invalid"
    client = await tg1.hub.store.clients.get(entry.client_id)
    assert client.identities == [Identity(kind=IdentityKind.telegram, value="42")]


async def test_someone_elses_contact_does_not_become_the_senders_phone(tg1):
    contact = {"phone_number": "+79160000000", "first_name": "Friend", "user_id": 777}
    await tg1.post_update(update(message=message(41, contact=contact)))

    entry = await tg1.entry("main:42:41")
    client = await tg1.hub.store.clients.get(entry.client_id)
    assert client.identities == [Identity(kind=IdentityKind.telegram, value="42")]
    assert entry.meta["telegram"]["contact"] == {
        "phone": "+79160000000",
        "name": "Friend",
        "user_id": 777,
        "own": False,
    }


async def test_document_and_voice_keep_file_metadata(tg1):
    tg1.standin.add_file("doc-1", "documents/file_5.pdf", b"%PDF-1.4 ...")
    doc = {"file_id": "doc-1", "file_unique_id": "d1", "file_name": "invoice.pdf", "mime_type": "application/pdf",
           "file_size": 12}  # fmt: skip
    await tg1.post_update(update(message=message(50, document=doc)))
    # a voice note Telegram will not hand out (getFile fails): kept as metadata, without a url
    voice = {
        "file_id": "voice-gone",
        "file_unique_id": "v1",
        "duration": 3,
        "mime_type": "audio/ogg",
        "file_size": 5,
    }
    await tg1.post_update(update(message=message(51, voice=voice)))

    [pdf] = (await tg1.entry("main:42:50")).attachments
    assert (pdf.name, pdf.content_type, pdf.size, pdf.provider_file_id) == (
        "invoice.pdf",
        "application/pdf",
        12,
        "doc-1",
    )
    assert tg1.hub.files.path(pdf.url.rsplit("/", 1)[1]).read_bytes() == b"%PDF-1.4 ..."
    [ogg] = (await tg1.entry("main:42:51")).attachments
    assert (ogg.content_type, ogg.url, ogg.provider_file_id) == ("audio/ogg", None, "voice-gone")


async def test_edit_of_a_message_never_seen_is_stored_as_the_message(tg1):
    edited = message(60, text="fixed text", edit_date=1_760_000_100)
    await tg1.post_update(update(edited_message=edited))

    entry = await eventually(lambda: tg1.entry("main:42:60"), what="the edited message")
    assert entry.text == "fixed text"
    # the original arriving late does not replace it
    await tg1.post_update(text_update("orginal txt", message_id=60))
    assert (await tg1.entry("main:42:60")).text == "fixed text"


async def test_service_messages_are_ignored(tg1):
    joined = message(70, new_chat_members=[user(43, "New")])
    status, _ = await tg1.post_update(update(message=joined))
    assert status == 200
    assert await tg1.conversations() == []


async def test_webhook_route_is_in_the_openapi_document(tg1):
    async with tg1.http.get(f"{tg1.url}/api/v1/openapi.json") as r:
        document = await r.json()
    assert "post" in document["paths"]["/webhooks/telegram/{name}"]


async def test_a_failure_to_store_is_500_and_the_redelivery_is_stored(tg1, monkeypatch):
    store = tg1.hub.store

    async def broken(*_args, **_kwargs):
        raise ConnectionError("the database is down")

    lookup, create_client = store.inbound.lookup, store.inbound.create_client

    async def lookup_only(dedupe_key, identities, channel, thread_key, append=None):
        # the entry is not appended with the look-up, but through `append`
        return await lookup(dedupe_key, identities, channel, thread_key)

    async def create_only(client, primary, conversation, first=None):
        return await create_client(client, primary, conversation)  # nor with a new client

    monkeypatch.setattr(store.inbound, "lookup", lookup_only)
    monkeypatch.setattr(store.inbound, "create_client", create_only)
    monkeypatch.setattr(store.inbound, "append", broken)  # the write that stores an inbound entry
    status, body = await tg1.post_update(text_update("important", update_id=700, message_id=80))
    assert status == 500
    assert body["error"]["code"] == "internal"

    monkeypatch.undo()
    status, _ = await tg1.post_update(
        text_update("important", update_id=700, message_id=80)
    )  # Telegram retries
    assert status == 200
    assert (await tg1.entry("main:42:80")).text == "important"


async def test_slow_work_is_answered_200_and_finished_in_the_background(tg1, monkeypatch):
    import connectors.telegram.connector

    monkeypatch.setattr(connectors.telegram.connector, "WEBHOOK_INLINE_SECONDS", 0.05)
    tg1.standin.download_delay = 0.5
    tg1.standin.add_file("big", "documents/big.bin", b"big file")
    doc = {"file_id": "big", "file_unique_id": "b", "file_name": "big.bin", "file_size": 8}

    started = asyncio.get_running_loop().time()
    status, _ = await tg1.post_update(update(message=message(81, document=doc)))

    assert status == 200
    assert asyncio.get_running_loop().time() - started < 0.4
    assert await tg1.entry("main:42:81") is None  # not yet
    entry = await eventually(lambda: tg1.entry("main:42:81"), what="the background work")
    assert entry.attachments[0].size == 8


async def test_contact_of_a_known_telegram_user_suggests_a_merge(tg1):
    await tg1.post_update(text_update("hi", message_id=90))  # Telegram user 42 becomes a client
    telegram_client = (await tg1.entry("main:42:90")).client_id
    headers = await tg1.login()
    async with tg1.http.post(
        f"{tg1.url}/api/v1/inbound",
        headers=headers,
        json={"external_id": "call-9", "sender": {"phone": "+79161234567"}, "text": "call"},
    ) as r:
        phone_client = (await r.json())["client_id"]

    contact = {"phone_number": "+7 916 123 45 67", "first_name": "Ivan", "user_id": 42}
    await tg1.post_update(update(message=message(91, contact=contact)))

    assert (await tg1.entry("main:42:91")).client_id == phone_client  # the phone decides
    [suggestion] = await tg1.hub.store.merges.list()
    assert set(suggestion.client_ids) == {telegram_client, phone_client}
    assert suggestion.identity == Identity(kind=IdentityKind.telegram, value="42")


async def test_a_body_nested_too_deeply_is_400_not_500(tg1):
    for raw in (b"[" * 100_000, b'{"update_id": 1, "message": ' * 30_000):
        status, body = await tg1.post_update(None, raw=raw)
        assert status == 400, body
        assert body["error"]["code"] == "malformed_json"
    assert await tg1.conversations() == []


async def test_a_lone_surrogate_in_a_text_is_stored_as_a_replacement_character(tg1):
    # json.dumps writes "\ud800" as the JSON escape, as a hostile sender would
    sender = user(42, "Ann\ud800", None)
    update_json = text_update("hi \ud800 there \udfff", message_id=61, update_id=961, sender=sender)
    status, body = await tg1.post_update(update_json)
    assert status == 200, body
    entry = await tg1.entry("main:42:61")
    assert entry.text == "hi \ufffd there \ufffd"
    client = await tg1.hub.store.clients.get(entry.client_id)
    assert client.name == "Ann\ufffd"
    # a real emoji (a valid surrogate pair in JSON) is kept as it is
    status, _ = await tg1.post_update(text_update("ok \U0001f600", message_id=62, update_id=962))
    assert status == 200
    assert (await tg1.entry("main:42:62")).text == "ok \U0001f600"


async def test_a_100kb_text_is_stored_and_does_not_stall_the_hub(tg1):
    """Telegram caps texts at 4096 characters; whoever holds the secret can send more: it must stay cheap."""
    text = "delivery " + "word " * 20_000
    began = asyncio.get_running_loop().time()
    status, _ = await tg1.post_update(text_update(text, message_id=63, update_id=963))
    assert status == 200
    assert asyncio.get_running_loop().time() - began < 3
    assert (await tg1.entry("main:42:63")) is not None
