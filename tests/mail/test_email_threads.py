"""Email threads an agent corrects or starts, end to end on Dovecot and aiosmtpd: a moved mail and a split take the
customer's later answers with them; a new email from the client card threads its answer back."""

from __future__ import annotations

import email
import email.policy

from mail_helpers import SUPPORT
from support import eventually
from test_email_channel import arrived, mail

from hub.domain import DeliveryStatus


async def _api(running):
    return running, await running.login()


async def _post(running, headers, path, body=None):
    kwargs = {"json": body} if body is not None else {}
    async with running.http.post(f"{running.url}{path}", headers=headers, **kwargs) as response:
        return response.status, await response.json()


async def _sent(keeper, count):
    async def probe():
        return keeper.received if len(keeper.received) >= count else None

    received = await eventually(probe, within=20, what=f"{count} mails at the SMTP server")
    return email.message_from_bytes(received[count - 1][2], policy=email.policy.default)


async def _delivered(store, entry_id):
    async def probe():
        entry = await store.timeline.get(entry_id)
        return entry if entry.delivery.status is DeliveryStatus.sent else None

    return await eventually(probe, within=20, what="the mail sent")


async def test_a_moved_mail_takes_the_customers_answers_to_its_new_conversation(mail_hub, dovecot, smtp):
    keeper, _port = smtp
    running, headers = await _api(await mail_hub.start())
    await mail_hub.synced()
    dovecot.deliver("support", mail(1, subject="Order 1"))
    dovecot.deliver("support", mail(2, subject="Order 2"))
    one = await arrived(mail_hub.store, "<m1@client.example>")
    two = await arrived(mail_hub.store, "<m2@client.example>")
    assert one.conversation_id != two.conversation_id
    # the customer answers in the wrong thread
    dovecot.deliver("support", mail(3, subject="Re: Order 1", in_reply_to="<m1@client.example>"))
    wrong = await arrived(mail_hub.store, "<m3@client.example>")
    assert wrong.conversation_id == one.conversation_id
    status, body = await _post(
        running, headers, f"/api/v1/entries/{wrong.id}/move", {"conversation_id": two.conversation_id}
    )
    assert status == 200, body
    # the customer answers the moved mail: it follows the mail into Order 2
    dovecot.deliver(
        "support",
        mail(
            4,
            subject="Re: Order 1",
            in_reply_to="<m3@client.example>",
            references="<m1@client.example> <m3@client.example>",
        ),
    )
    answer = await arrived(mail_hub.store, "<m4@client.example>")
    assert answer.conversation_id == two.conversation_id
    # the agent's reply in Order 2 answers a mail of Order 2, and the customer's answer to it stays there
    status, reply = await _post(
        running,
        headers,
        f"/api/v1/conversations/{two.conversation_id}/replies",
        {"text": "Order 2 ships today"},
    )
    assert status == 201, reply
    sent = await _sent(keeper, 1)
    assert sent["In-Reply-To"] in ("<m4@client.example>", "<m3@client.example>", "<m2@client.example>")
    dovecot.deliver("support", mail(5, subject="Re: Order 1", in_reply_to=sent["Message-ID"]))
    assert (await arrived(mail_hub.store, "<m5@client.example>")).conversation_id == two.conversation_id


async def test_a_split_mail_gets_its_own_ref_and_its_answers(mail_hub, dovecot, smtp):
    keeper, _port = smtp
    running, headers = await _api(await mail_hub.start())
    await mail_hub.synced()
    dovecot.deliver("support", mail(1, subject="Refund"))
    first = await arrived(mail_hub.store, "<m1@client.example>")
    dovecot.deliver(
        "support",
        mail(2, subject="Re: Refund", in_reply_to="<m1@client.example>", body="And a new order, please"),
    )
    second = await arrived(mail_hub.store, "<m2@client.example>")
    assert second.conversation_id == first.conversation_id
    status, body = await _post(running, headers, f"/api/v1/entries/{second.id}/split")
    assert status == 201, body
    new_id = body["conversation"]["id"]
    old = await mail_hub.store.conversations.get(first.conversation_id)
    new = await mail_hub.store.conversations.get(new_id)
    assert new.thread_key.startswith("support/") and new.thread_key != old.thread_key
    # a reply from each conversation: each subject carries its own conversation's [#ref]
    for conversation_id, text in ((first.conversation_id, "About the refund"), (new_id, "About the order")):
        status, reply = await _post(
            running, headers, f"/api/v1/conversations/{conversation_id}/replies", {"text": text}
        )
        assert status == 201, reply
        await _delivered(mail_hub.store, reply["id"])
    refund, order = await _sent(keeper, 1), await _sent(keeper, 2)
    new_ref = new.thread_key.split("/", 1)[1]
    assert f"[#{new_ref}]" in order["Subject"] and f"[#{new_ref}]" not in refund["Subject"]
    assert order["In-Reply-To"] == "<m2@client.example>"
    # answers to the split's reply land in the split: by In-Reply-To, and by the [#ref] alone
    dovecot.deliver("support", mail(3, subject=order["Subject"], in_reply_to=order["Message-ID"]))
    assert (await arrived(mail_hub.store, "<m3@client.example>")).conversation_id == new_id
    dovecot.deliver("support", mail(4, subject=f"Re: new order [#{new_ref}]"))
    assert (await arrived(mail_hub.store, "<m4@client.example>")).conversation_id == new_id


async def test_a_new_email_from_the_client_card_is_sent_and_its_answer_threads_into_it(
    mail_hub, dovecot, smtp
):
    keeper, _port = smtp
    running, headers = await _api(await mail_hub.start())
    await mail_hub.synced()
    status, pushed = await _post(
        running,
        headers,
        "/api/v1/inbound",
        {
            "external_id": "crm-1",
            "sender": {"name": "Olga", "email": "Olga@Client.example"},
            "text": "signed up on the site",
        },
    )
    assert status == 201, pushed
    client_id = pushed["client_id"]
    path = f"/api/v1/clients/{client_id}/emails"
    status, body = await _post(
        running, headers, path, {"subject": "Ваш заказ готов", "text": "Здравствуйте, Ольга!\n\nЗаказ готов."}
    )
    assert status == 201, body
    conversation, entry = body["conversation"], body["entry"]
    assert conversation["channel"] == "email" and conversation["subject"] == "Ваш заказ готов"
    assert entry["conversation_id"] == conversation["id"] and entry["delivery"]["status"] == "queued"
    sent = await _sent(keeper, 1)
    assert keeper.received[0][1] == ["olga@client.example"]
    ref = conversation["thread_key"].split("/", 1)[1]
    assert conversation["thread_key"].startswith("support/")
    assert sent["Subject"] == f"Ваш заказ готов [#{ref}]"
    assert sent["In-Reply-To"] is None and SUPPORT in sent["From"]
    assert "Заказ готов." in sent.get_body(("plain",)).get_content()
    assert (await _delivered(mail_hub.store, entry["id"])).provider_id == sent["Message-ID"]
    # a second mail before the customer answers goes to the same address, under the first one
    status, follow = await _post(
        running,
        headers,
        f"/api/v1/conversations/{conversation['id']}/replies",
        {"text": "P.S. Доставка завтра."},
    )
    assert status == 201, follow
    again = await _sent(keeper, 2)
    assert keeper.received[1][1] == ["olga@client.example"]
    assert again["In-Reply-To"] == sent["Message-ID"] and again["Subject"] == f"Re: Ваш заказ готов [#{ref}]"
    dovecot.deliver(
        "support", mail(1, subject="Re: " + sent["Subject"], in_reply_to=sent["Message-ID"], body="Спасибо!")
    )
    answer = await arrived(mail_hub.store, "<m1@client.example>")
    assert answer.conversation_id == conversation["id"] and answer.client_id == client_id


async def test_a_new_email_is_refused_with_a_clear_reason(mail_hub):
    running, headers = await _api(await mail_hub.start())
    status, pushed = await _post(
        running,
        headers,
        "/api/v1/inbound",
        {"external_id": "crm-2", "sender": {"name": "Ivan", "email": "ivan@client.example"}, "text": "hi"},
    )
    client_id = pushed["client_id"]
    status, phone_only = await _post(
        running,
        headers,
        "/api/v1/inbound",
        {"external_id": "crm-3", "sender": {"name": "Petr", "phone": "+7 903 555-44-33"}, "text": "hi"},
    )
    ok = {"subject": "Hello", "text": "Hi"}
    cases = [
        (phone_only["client_id"], ok, "no email address"),
        (client_id, {**ok, "mailbox": "sales"}, "no mailbox is named 'sales'"),
        (client_id, {**ok, "to": "someone@else.example"}, "not one of the client's email addresses"),
        (client_id, {**ok, "subject": "   "}, "subject"),
        (client_id, {"text": "Hi"}, "subject"),
        (client_id, {**ok, "text": ""}, "text"),
        (client_id, {**ok, "text": "x" * 10_001}, "text"),
        (client_id, {**ok, "subject": "s" * 301}, "subject"),
    ]
    for target, body, reason in cases:
        status, answer = await _post(running, headers, f"/api/v1/clients/{target}/emails", body)
        assert status == 400, (body, answer)
        assert reason in answer["error"]["message"], (body, answer)
    status, answer = await _post(running, headers, f"/api/v1/clients/{'0' * 24}/emails", ok)
    assert status == 404
    # nothing was created for the refused ones
    found = await mail_hub.store.conversations.query(_query(client_id))
    assert [c.channel for c in found] == ["api"]


def _query(client_id):
    from hub.store.port import ConversationQuery

    return ConversationQuery(client_id=client_id, limit=50)
