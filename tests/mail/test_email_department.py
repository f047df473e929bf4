"""A mailbox's `department` setting routes its new conversations, on real Dovecot and aiosmtpd: the customer's
mail to it starts a conversation in that department, and so does a new email an agent writes from the client card
through it (POST /api/v1/clients/{id}/emails) — an agent of that department sees it, one of another does not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mail_helpers import MailHub, mailbox_config
from test_email_channel import arrived, mail

from hub.actions import staff
from hub.domain import Role


@pytest.fixture
async def sales_mail_hub(tmp_path, dovecot, smtp) -> AsyncIterator[MailHub]:
    from hub.store.sqlite import open_sqlite_store

    _keeper, smtp_port = smtp
    store = await open_sqlite_store(tmp_path / "hub.db")
    config = mailbox_config(dovecot.port, smtp_port, department="Sales")
    hub = MailHub(tmp_path, store, {"mailboxes": [config]})
    try:
        yield hub
    finally:
        await hub.stop()
        await store.close()


async def _call(running, headers, method, path, body=None):
    kwargs = {"json": body} if body is not None else {}
    async with running.http.request(method, f"{running.url}{path}", headers=headers, **kwargs) as response:
        return response.status, await response.json()


async def test_mail_and_new_emails_of_a_mailbox_start_in_its_department(sales_mail_hub, dovecot):
    running = await sales_mail_hub.start()
    hub = running.hub
    sales = await staff.create_department(hub, "Sales")
    support = await staff.create_department(hub, "Support")
    for email, department in (("seller@example.com", sales), ("helper@example.com", support)):
        await staff.create_user(
            hub,
            email=email,
            name=email[:6],
            role=Role.agent,
            password="agent-password",
            department_ids=[department.id],
        )
    admin = await running.login()
    seller = await running.login("seller@example.com", "agent-password")
    helper = await running.login("helper@example.com", "agent-password")
    await sales_mail_hub.synced()

    # the customer's mail to the mailbox
    dovecot.deliver("support", mail(1, subject="A quote, please"))
    inbound = await arrived(sales_mail_hub.store, "<m1@client.example>")
    status, conversation = await _call(
        running, seller, "GET", f"/api/v1/conversations/{inbound.conversation_id}"
    )
    assert status == 200 and conversation["department_id"] == sales.id

    # a new email to the same client from the client card
    status, started = await _call(
        running,
        admin,
        "POST",
        f"/api/v1/clients/{inbound.client_id}/emails",
        {"subject": "Your quote", "text": "Here it is."},
    )
    assert status == 201, started
    new = started["conversation"]
    assert new["id"] != inbound.conversation_id and new["department_id"] == sales.id
    status, seen = await _call(running, seller, "GET", f"/api/v1/conversations/{new['id']}")
    assert status == 200 and seen["department_id"] == sales.id
    status, _hidden = await _call(running, helper, "GET", f"/api/v1/conversations/{new['id']}")
    assert status == 404
