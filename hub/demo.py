"""Demo data: departments, staff, a partner, and clients whose timelines span several channels."""

from __future__ import annotations

from datetime import timedelta

from hub.access import SYSTEM
from hub.actions import clients as client_actions
from hub.actions import conversations as conv_actions
from hub.actions import messages, staff
from hub.actions import partners as partner_actions
from hub.actions.calls import record_call_event
from hub.actions.ingest import ingest
from hub.calls import CallEvent, CallStatus
from hub.context import Hub
from hub.domain import AssignmentPolicy, ClientKind, ConversationStatus, EntryKind, Handler, Role, User
from hub.errors import Conflict
from hub.identities import make_identity
from hub.inbound import InboundMessage

DEMO_PASSWORD = "demo-password"

STAFF = [
    ("admin@example.com", "Alice Admin", Role.admin, []),
    ("supervisor@example.com", "Sergey Supervisor", Role.supervisor, ["Sales", "Support"]),
    ("anna@example.com", "Anna Ivanova", Role.agent, ["Sales"]),
    ("boris@example.com", "Boris Smirnov", Role.agent, ["Support"]),
    ("vera@example.com", "Vera Petrova", Role.agent, ["Support"]),
    ("partner@example.com", "Paul Partner", Role.partner, []),
]


async def seed_demo(hub: Hub) -> bool:
    """Seed once; returns False when the demo data is there already (restarts keep what users changed)."""
    if await hub.store.users.get_by_email("anna@example.com") is not None:
        return False
    departments = {}
    for name in ("Sales", "Support"):
        try:
            departments[name] = await staff.create_department(hub, name)
        except Conflict:
            found = await hub.store.departments.get_by_name(name)
            assert found is not None
            departments[name] = found
    # a partner organisation: the dealer's users see what is granted to it, without the customers' phones
    dealer = await partner_actions.create_partner(hub, SYSTEM, name="Dealer North", redacted_fields=["phone"])
    users: dict[str, User] = {}
    for email, name, role, deps in STAFF:
        existing = await hub.store.users.get_by_email(email)
        users[email] = existing or await staff.create_user(
            hub,
            email=email,
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            department_ids=[departments[d].id for d in deps],
            partner_id=dealer.id if role is Role.partner else None,
        )
    # Support hands conversations out in turn to its online agents, two at a time each, and one not answered in
    # 10 minutes moves on; config/routing.yaml sends complaints and after-hours messages there
    await staff.update_department(
        hub, departments["Support"].id, assignment=AssignmentPolicy.round_robin, accept_minutes=10
    )
    for email, capacity in (("boris@example.com", 2), ("vera@example.com", 2), ("supervisor@example.com", 0)):
        await staff.update_user(hub, users[email].id, capacity=capacity)  # the supervisor watches, takes none
    # the demo's messages happened in the past: people answered them, not the bot
    bot_first = hub.initial_handler
    hub.initial_handler = lambda _channel: Handler.human
    # ... and were routed by hand (the rules and the assignment work on what arrives from now on)
    routing, hub.after_inbound = hub.after_inbound, None
    try:
        picked = await _seed_timelines(hub, departments, users)
    finally:
        hub.initial_handler = bot_first
        hub.after_inbound = routing
    await _seed_queue(hub)
    await _seed_tasks(hub, departments, users, picked)
    await _seed_sla(hub, departments)
    await _seed_canned(hub, departments, users)
    await _seed_views(hub, departments, users)
    return True


async def _seed_queue(hub: Hub) -> None:
    """Complaints that just arrived: the rules route them to Support, where they wait (nobody is online yet) and
    are handed out in turn as Boris and Vera log in, two each; the fifth waits until one of them resolves one."""
    for i, (name, text) in enumerate(
        [
            ("Oleg", "My order arrived broken"),
            ("Nina", "Жалоба: курьер опоздал на три часа"),
            ("Pavel", "The kettle is broken after a week, I want a refund"),
            ("Irina", "Возврат: товар сломался"),
            ("Denis", "Complaint about the installation team"),
        ],
        start=1,
    ):
        await ingest(
            hub,
            InboundMessage(
                channel="api",
                provider_message_id=f"complaint-{i}",
                thread_key=f"complaint-{i}",
                identities=(make_identity("email", f"{name.lower()}@example.net"),),
                display_name=name,
                text=text,
            ),
        )


async def _seed_timelines(hub: Hub, departments: dict, users: dict[str, User]) -> dict[str, str]:
    """The timelines; returns the conversations the demo's tasks are about, by name."""
    admin, anna, boris = users["admin@example.com"], users["anna@example.com"], users["boris@example.com"]
    dealer_id = users["partner@example.com"].partner_id or users["partner@example.com"].id
    now = hub.clock()

    def at(hours_ago: float):
        return now - timedelta(hours=hours_ago)

    async def push(channel, pid, thread, identities, name, text, hours_ago, kind=EntryKind.message, **extra):
        return await ingest(
            hub,
            InboundMessage(
                channel=channel,
                provider_message_id=pid,
                thread_key=thread,
                identities=tuple(make_identity(k, v, "RU") for k, v in identities),
                display_name=name,
                text=text,
                kind=kind,
                occurred_at=at(hours_ago),
                **extra,
            ),
        )

    # Ivan: calls first, then Telegram, then email: one client, one timeline
    ivan_phone = [("phone", "+7 916 123-45-67")]
    call = await push(
        "phone",
        "call-1001",
        "+79161234567",
        ivan_phone,
        "",
        "Incoming call, 2 min 14 s",
        50,
        kind=EntryKind.call,
        raw={"duration_s": 134, "direction": "in"},
    )
    ivan = call.entry.client_id
    # the same phone conversation: an answered call, then a missed one (a callback task for Sales)
    for call_id, status, hours_ago, extra in (
        ("demo-answered", CallStatus.completed, 28, {"duration": 185, "answered_by": "Anna Ivanova"}),
        ("demo-missed", CallStatus.missed, 1, {}),
    ):
        await record_call_event(
            hub,
            CallEvent(
                provider="demo",
                call_id=call_id,
                event_id=f"{call_id}:end",
                direction="in",
                number="+79161234567",
                line="+74951234567",
                status=status,
                occurred_at=at(hours_ago),
                started_at=at(hours_ago),
                **extra,
            ),
            department_id=departments["Sales"].id,
        )
    await push(
        "telegram",
        "tg-1:501",
        "501",
        [("telegram", "501"), ("phone", "+79161234567")],
        "Иван Петров",
        "Здравствуйте! Хочу уточнить статус заказа №4512",
        26,
    )
    tg = await push(
        "telegram",
        "tg-1:502",
        "501",
        [("telegram", "501")],
        "Иван Петров",
        "И можно ли доставить в субботу?",
        25.5,
    )
    ivan_email = await push(
        "email",
        "<a1@mail.example>",
        "<a1@mail.example>",
        [("email", "ivan.petrov@mail.example"), ("phone", "+79161234567")],
        "Ivan Petrov",
        "Attaching the invoice details, see below.",
        3,
        subject="Invoice for order 4512",
        html="<p>Attaching the <b>invoice</b> details, see below.</p>",
    )
    # a delivery question: Support's (Vera asks Boris about it; the Support task below is about it too)
    await conv_actions.update_conversation(
        hub, None, tg.entry.conversation_id, department_id=departments["Support"].id
    )
    await client_actions.update_client(hub, admin, ivan, fields={"city": "Москва", "orders": 3}, tags=["vip"])
    await messages.add_note(
        hub,
        users["vera@example.com"],
        conversation_id=tg.entry.conversation_id,
        text="@boris can you check the Saturday courier slots for this order?",
    )

    # Maria: web chat, then the API (a form on the website), routed to Support and assigned to Boris
    maria = await push(
        "webchat",
        "wc-1",
        "visitor-77",
        [("webchat", "visitor-77"), ("email", "maria@example.org")],
        "Мария Смирнова",
        "Добрый день, не могу войти в личный кабинет",
        6,
    )
    await push(
        "webchat",
        "wc-2",
        "visitor-77",
        [("webchat", "visitor-77")],
        "Мария Смирнова",
        "Пишет «неверный пароль», хотя я его только что сменила",
        5.9,
    )
    await conv_actions.update_conversation(
        hub, admin, maria.entry.conversation_id, department_id=departments["Support"].id, assignee_id=boris.id
    )
    # Boris waits for the password reset to go through: snoozed until tomorrow 9:00 Moscow time (06:00 UTC)
    tomorrow = (hub.clock() + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    await conv_actions.update_conversation(
        hub, boris, maria.entry.conversation_id, status=ConversationStatus.snoozed, snoozed_until=tomorrow
    )
    form = await push(
        "api",
        "crm-form-88",
        "form",
        [("email", "maria@example.org")],
        "Maria Smirnova",
        "Website form: please call me back after 18:00",
        2,
    )

    # Acme: a company writing through the API, shared with the partner
    acme = await push(
        "api",
        "acme-1",
        "rfq-2026",
        [("api", "acme-erp-42"), ("email", "purchasing@acme.example")],
        "Acme LLC",
        "Request for quote: 40 licences, annual billing",
        30,
    )
    await client_actions.update_client(
        hub,
        admin,
        acme.entry.client_id,
        kind=ClientKind.company,
        tags=["b2b", "lead"],
    )
    # Dealer North gets Acme (and may answer it) and every client of its region
    await partner_actions.grant(hub, admin, dealer_id, client_id=acme.entry.client_id, can_reply=True)
    await partner_actions.grant(hub, admin, dealer_id, rule={"field": "region", "value": "North"})
    await messages.send_reply(
        hub,
        anna,
        acme.entry.conversation_id,
        "Thank you! Our quote for 40 licences is attached, valid for 30 days.",
    )
    # the ball is in Acme's court: pending until they answer
    await conv_actions.update_conversation(
        hub, anna, acme.entry.conversation_id, status=ConversationStatus.pending
    )
    await messages.add_note(
        hub,
        anna,
        conversation_id=acme.entry.conversation_id,
        shared_with_partners=True,
        text="Partner: the client asked for an on-site demo next week.",
    )

    # John: an English email thread that was resolved
    john = await push(
        "email",
        "<j1@corp.example>",
        "<j1@corp.example>",
        [("email", "john.smith@corp.example")],
        "John Smith",
        "Hi, how do I export my data?",
        72,
        subject="Data export",
    )
    await messages.add_note(
        hub,
        boris,
        conversation_id=john.entry.conversation_id,
        text="Answered by phone: Settings → Export gives a CSV of everything.",
    )
    await conv_actions.update_conversation(
        hub, admin, john.entry.conversation_id, status=ConversationStatus.resolved
    )
    await client_actions.update_client(hub, admin, john.entry.client_id, fields={"region": "North"})
    await messages.add_note(
        hub,
        admin,
        client_id=john.entry.client_id,
        shared_with_partners=True,
        text="Dealer North: John's office is in your region, please offer an on-site visit.",
    )
    return {
        "ivan_email": ivan_email.entry.conversation_id or "",
        "ivan_telegram": tg.entry.conversation_id or "",
        "maria_form": form.entry.conversation_id or "",
    }


async def _seed_canned(hub: Hub, departments: dict, users: dict[str, User]) -> None:
    """Shared canned replies in Russian and English: two global ones (the admin's), one per department."""
    from hub.actions.canned import create_canned

    admin, sergey = users["admin@example.com"], users["supervisor@example.com"]
    replies = [
        (admin, "global", None, "Приветствие", "privet", "ru",
         "Здравствуйте, {{ client.first_name }}! Меня зовут {{ agent.first_name }}, чем могу помочь?"),
        (admin, "global", None, "Greeting", "hello", "en",
         "Hello {{ client.first_name }}, this is {{ agent.first_name }}. How can I help?"),
        (sergey, "department", departments["Support"].id, "Сроки доставки", "dostavka", "ru",
         "{{ client.first_name }}, доставка по Москве занимает 1–2 дня, в регионы — до 5 дней."),
        (sergey, "department", departments["Sales"].id, "Invoice sent", "invoice", "en",
         "{{ client.first_name }}, we have sent the invoice{% if conversation.subject %} for "
         "\u201c{{ conversation.subject }}\u201d{% endif %}. Thank you!"),
    ]  # fmt: skip
    for actor, scope, department_id, title, shortcut, language, body in replies:
        await create_canned(
            hub, actor, title=title, body=body, scope=scope, department_id=department_id, shortcut=shortcut,
            language=language,
        )  # fmt: skip


async def _seed_views(hub: Hub, departments: dict, users: dict[str, User]) -> None:
    """Saved views shared with everyone (the admin's) and one with Support (the supervisor's): the inbox's Views
    section shows them with live counts; each agent's count is what that agent may open."""
    from hub.actions.views import create_view

    admin, sergey = users["admin@example.com"], users["supervisor@example.com"]
    await create_view(
        hub, admin, name="Telegram, open", shared="everyone",
        filters={"channel": ["telegram"], "status": ["open", "pending"]},
    )  # fmt: skip
    await create_view(hub, admin, name="Urgent", shared="everyone", filters={"priority": ["high", "urgent"]})
    await create_view(hub, admin, name="SLA breached", shared="everyone", filters={"sla": ["breached"]})
    await create_view(
        hub, sergey, name="Support: unassigned", shared="department", department_id=departments["Support"].id,
        filters={"department": departments["Support"].id, "assignee": "none", "status": ["open"]},
    )  # fmt: skip


def demo_logins() -> list[tuple[str, str, str]]:
    return [(email, DEMO_PASSWORD, role.value) for email, _name, role, _deps in STAFF]


async def _seed_tasks(hub: Hub, departments: dict, users: dict[str, User], picked: dict[str, str]) -> None:
    """Tasks a supervisor sees working live: one overdue (its notice goes out at start-up), one due within the
    reminder window, one for a department with a checklist. Each is about a conversation its people may open:
    Boris (Support) calls Maria back about her website form (not routed: every agent sees it), Anna (Sales) sends
    Ivan the invoice his email asks for, Support checks the courier slots Ivan's Telegram chat (Support's) asks
    about."""
    from hub.actions.tasks import create_task, update_task

    now = hub.clock()
    conversations = {name: await hub.store.conversations.get(cid) for name, cid in picked.items()}
    form, invoice, courier = (
        conversations["maria_form"],
        conversations["ivan_email"],
        conversations["ivan_telegram"],
    )
    assert form is not None and invoice is not None and courier is not None
    sergey = users["supervisor@example.com"]
    await create_task(
        hub, sergey, title="Call the customer back", client_id=form.client_id, conversation_id=form.id,
        assignee_id=users["boris@example.com"].id, due_at=now - timedelta(minutes=30), priority="high",
    )  # fmt: skip
    await create_task(
        hub, sergey, title="Send the invoice", client_id=invoice.client_id, conversation_id=invoice.id,
        assignee_id=users["anna@example.com"].id, due_at=now + timedelta(minutes=10),
    )  # fmt: skip
    checklist = await create_task(
        hub, None, title="Check the courier slots", client_id=courier.client_id, conversation_id=courier.id,
        department_id=departments["Support"].id, due_at=now + timedelta(days=1), priority="low",
        description="Saturday deliveries for the regional orders",
    )  # fmt: skip
    items = [{"text": "Ask the courier", "done": True}, {"text": "Tell the client"}]
    await update_task(hub, None, checklist.id, checklist=items)


async def _seed_sla(hub: Hub, departments: dict) -> None:
    """Two urgent conversations under config/sla.yaml's round-the-clock "Urgent" policy (15 minutes to a first
    response): one written 50 minutes ago (breached: its notice goes out at start-up), one 8 minutes ago (the
    warning now, the breach live a few minutes later). The other conversations show their clocks running."""
    real_clock = hub.clock
    now = real_clock()
    for pid, name, text, minutes_ago, department in (
        ("sla-late", "Svetlana", "Срочно: не проходит оплата, заказ горит", 50, "Support"),
        ("sla-soon", "Kirill", "Urgent: the shop is down for our customers", 8, "Sales"),
    ):
        # the message arrived back then: the hub's clock says so while it is stored (the SLA clock starts then)
        hub.clock = lambda minutes_ago=minutes_ago: now - timedelta(minutes=minutes_ago)
        try:
            result = await ingest(
                hub,
                InboundMessage(
                    channel="api",
                    provider_message_id=pid,
                    thread_key=pid,
                    identities=(make_identity("email", f"{name.lower()}@example.org"),),
                    display_name=name,
                    text=text,
                    occurred_at=hub.clock(),
                ),
            )
            await conv_actions.update_conversation(
                hub, None, result.conversation.id, department_id=departments[department].id, priority="urgent"
            )
        finally:
            hub.clock = real_clock
