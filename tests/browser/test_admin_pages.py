"""The admin area (/admin, issue #12) in a real Chromium: an admin reaches it from the inbox header, adds a user and a
department, edits the routing rules, gets the server's "line N: reason" under the text for a broken rule, fixes it
and saves, does the same with the SLA policies, and sees the loaded bot flows; deactivating an agent there sends that agent's open inbox to the login
page; a mailbox that cannot connect shows its error in red. At 1440x900 and 390x844 nothing scrolls sideways. An agent asking for /admin gets what a missing page gets.

Screenshots: admin-*.png in the test's tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from conftest import ADMIN, AGENT_PASSWORD, WebHub, start_web_hub
from playwright.async_api import expect
from support import eventually, free_port

from hub.access import SYSTEM
from hub.actions import staff
from hub.domain import AssignmentPolicy, Role
from hub.queries import email as email_queries

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
RULES = """# rules for the admin page test
rules:
  - name: Complaints
    when: {words: [complaint]}
    then: {department: Sales, priority: high}
"""


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path) -> AsyncIterator[WebHub]:
    """The browser tests' hub (conftest.py) with the shipped bot flow and SLA policies, a routing rule file, and a
    mailbox whose IMAP server is not there (its worker keeps failing: a channel with a problem)."""
    rules = tmp_path / "routing.yaml"
    rules.write_text(RULES, encoding="utf-8")
    mailbox = {
        "name": "support",
        "address": "support@shop.example",
        "imap": {"host": "127.0.0.1", "port": free_port(), "security": "none", "user": "s", "password": "x"},
        "smtp": {"host": "127.0.0.1", "port": free_port(), "security": "none"},
    }
    runner, running = await start_web_hub(
        tmp_path,
        bots_dir=ROOT / "config" / "bots",
        routing_file=rules,
        sla_file=ROOT / "config" / "sla.yaml",
        mailboxes=[mailbox],
    )
    sales = await staff.create_department(running.hub, "Sales")
    for email, name in (("agent1@example.com", "Agent One"), ("agent2@example.com", "Agent Two")):
        await staff.create_user(
            running.hub, email=email, name=name, role=Role.agent, password=AGENT_PASSWORD,
            department_ids=[sales.id],
        )  # fmt: skip
    try:
        yield running
    finally:
        await running.http.close()
        await runner.cleanup()


async def no_horizontal_scroll(page) -> None:
    widths = await page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


async def open_section(page, name: str) -> None:
    await page.click(f'.admin-nav a[data-section="{name}"]')
    await expect(page.locator(f"#section-{name}")).to_be_visible()


async def test_an_admin_manages_users_departments_rules_and_sees_the_bots(web_hub, new_page, login, tmp_path):
    hub = web_hub.hub
    page, watch = await new_page()
    await page.set_viewport_size(DESKTOP)
    await login(page, *ADMIN)
    await page.click("#admin-link")
    await page.wait_for_url(f"{web_hub.url}/admin")
    await page.wait_for_selector("body[data-ready=true]")

    # a user, with a role and a department
    form = page.locator("#new-user-form")
    await form.get_by_label("Name").fill("Vera Newcomer")
    await form.get_by_label("Email").fill("vera@example.com")
    await form.get_by_label("Role").select_option("supervisor")
    await form.get_by_label("Password (8 characters or more)").fill("vera-password")
    await form.get_by_label("Sales").check()
    await page.click("#new-user-submit")
    await expect(page.locator("#users-status")).to_have_text("Vera Newcomer was added.")
    row = page.locator("#users-list li", has_text="vera@example.com")
    await expect(row).to_contain_text("Supervisor")
    await expect(row).to_contain_text("Sales")
    vera = await hub.store.users.get_by_email("vera@example.com")
    assert vera is not None and vera.role is Role.supervisor and len(vera.department_ids) == 1
    await no_horizontal_scroll(page)
    await page.screenshot(path=tmp_path / "admin-users-1440.png", full_page=True)

    # a department, then its assignment
    await open_section(page, "departments")
    await page.fill("#new-department-name", "Billing")
    await page.click("#new-department-submit")
    await expect(page.locator("#departments-status")).to_have_text("Department Billing was added.")
    billing = page.locator("#departments-list li", has_text="Billing")
    await billing.locator("summary").click()
    await billing.get_by_label("Hands conversations out").select_option("round_robin")
    await billing.get_by_role("button", name="Save").click()
    await expect(billing.locator(".admin-row-status")).to_have_text("Saved.")
    stored = await hub.store.departments.get_by_name("Billing")
    assert stored is not None and stored.assignment is AssignmentPolicy.round_robin

    # the routing rules: a broken edit shows the server's line and reason, the fix is saved
    await open_section(page, "routing")
    text = page.locator("#routing-yaml")
    await expect(text).to_have_value(RULES)
    await text.fill(RULES.replace("priority: high", "priority: highest"))
    await page.click("#routing-save")
    problems = page.locator("#routing-problems li")
    await expect(problems).to_have_count(1)
    await expect(problems.first).to_contain_text("Line 5: ")
    await expect(problems.first).to_contain_text("priority")
    await page.screenshot(path=tmp_path / "admin-routing-error-1440.png", full_page=True)
    assert (await hub.router.active(hub))[1] == "file"  # nothing was saved
    await problems.first.locator("button").click()  # puts the cursor on line 5
    selected = await text.evaluate("t => t.value.slice(t.selectionStart, t.selectionEnd)")
    assert "priority: highest" in selected
    fixed = RULES.replace("priority: high", "priority: urgent") + (
        "  - name: Billing questions\n    when: {words: [invoice]}\n    then: {department: Billing}\n"
    )
    await text.fill(fixed)
    await page.click("#routing-save")
    await expect(page.locator("#routing-status")).to_have_text("Saved: 2 rule(s) are active now.")
    await expect(page.locator("#routing-problems")).to_have_count(0)
    ruleset, source = await hub.router.active(hub)
    assert source == "store" and [r.name for r in ruleset.rules] == ["Complaints", "Billing questions"]

    # the bots the hub runs (config/bots/default.yaml)
    await open_section(page, "bots")
    flow = page.locator('#bots-list [data-bot="default"]')
    await expect(flow.locator(".bot-channels")).to_have_text("telegram, webchat")
    await expect(flow.locator(".bot-handoff")).to_have_text("Support")
    await expect(flow.locator(".bot-states")).to_have_text(str(hub.bot_flows[0].states))

    # the other sections show the server's data
    # the SLA policies: listed, and edited as YAML like the rules
    await open_section(page, "sla")
    await expect(page.locator("#sla-list > li")).to_have_count(len(hub.sla.policies))
    await page.click("#sla-edit summary")
    sla_text = page.locator("#sla-yaml")
    shipped = (ROOT / "config" / "sla.yaml").read_text(encoding="utf-8")
    await expect(sla_text).to_have_value(shipped)
    await sla_text.fill(shipped.replace("first_response_minutes: 15", "first_response_minutes: 5"))
    await page.click("#sla-save")  # the warning (10 min) now comes after the 5-minute target
    await expect(page.locator("#sla-problems li").first).to_contain_text("the warning must come before")
    await sla_text.fill(shipped.replace("first_response_minutes: 15", "first_response_minutes: 20"))
    await page.click("#sla-save")
    await expect(page.locator("#sla-status")).to_contain_text("Saved: 4 policy(ies)")
    await expect(page.locator('#sla-list [data-policy="Urgent"]')).to_contain_text("20 min")
    assert hub.sla.policy("Urgent").first_response_minutes == 20

    async def failed() -> bool:
        return any(m.last_error for m in await email_queries.mailboxes_health(hub, SYSTEM))

    await eventually(failed, within=15, what="the mailbox's worker to fail")
    await open_section(page, "channels")
    await page.click("#channels-refresh")
    email = page.locator('#channels-list [data-channel="email"]')
    await expect(email).to_have_attribute("data-state", "bad")
    await expect(email.locator('[data-mailbox="support"] .admin-channel-error')).not_to_be_empty()
    await expect(email.locator('[data-mailbox="support"]')).to_contain_text("disconnected")
    await expect(page.locator('#channels-list [data-channel="telegram"]')).to_have_attribute(
        "data-state", "off"
    )
    await expect(page.locator('#channels-list [data-channel="webchat"]')).to_have_attribute(
        "data-state", "ok"
    )
    await page.screenshot(path=tmp_path / "admin-channels-1440.png", full_page=True)
    watch.assert_clean(allow="HTTP 400")  # the broken rule's and policy's answers


async def test_deactivating_an_agent_on_the_admin_page_logs_them_out(web_hub, new_page, login):
    agent_page, _ = await new_page()
    await login(agent_page, "agent2@example.com")
    page, watch = await new_page()
    await login(page, *ADMIN)
    await page.goto(f"{web_hub.url}/admin#users")
    row = page.locator("#users-list li", has_text="agent2@example.com")
    await row.locator("summary").click()
    await row.locator('[data-action="deactivate"]').click()
    await agent_page.wait_for_url(f"{web_hub.url}/login", timeout=15_000)
    row = page.locator("#users-list li", has_text="agent2@example.com")
    await expect(row).to_have_attribute("data-state", "inactive")
    await expect(row).to_contain_text("Deactivated")
    agent = await web_hub.hub.store.users.get_by_email("agent2@example.com")
    assert agent is not None and not agent.active
    watch.assert_clean()


async def test_the_admin_pages_fit_a_phone(web_hub, new_page, login, tmp_path):
    page, watch = await new_page(locale="ru-RU")
    await page.set_viewport_size(PHONE)
    await login(page, *ADMIN)
    await page.goto(f"{web_hub.url}/admin")
    await page.wait_for_selector("body[data-ready=true]")
    await expect(page.locator("#users-heading")).to_have_text("Пользователи")
    for section in ("users", "departments", "partners", "channels", "routing", "sla", "bots"):
        await open_section(page, section)
        await no_horizontal_scroll(page)
        await page.screenshot(path=tmp_path / f"admin-{section}-390.png", full_page=True)
    # every control of every section (the closed edit forms too) has a label
    unlabelled = await page.evaluate(
        """() => [...document.querySelectorAll("main input, main select, main textarea")]
          .filter((e) => !e.labels.length && !e.getAttribute("aria-label"))
          .map((e) => e.outerHTML.slice(0, 80))"""
    )
    controls = await page.locator("main input, main select, main textarea").count()
    assert controls > 20 and not unlabelled, unlabelled
    watch.assert_clean()


async def test_an_agent_gets_no_admin_page(web_hub, new_page, login):
    page, _ = await new_page()
    await login(page, "agent1@example.com")
    await expect(page.locator("#admin-link")).to_have_count(0)
    refused = await page.goto(f"{web_hub.url}/admin")
    refused_body = await page.content()
    missing = await page.goto(f"{web_hub.url}/no-such-page")
    assert refused is not None and missing is not None
    assert refused.status == missing.status == 404
    assert refused_body == await page.content()
    token = await web_hub.token("agent1@example.com", AGENT_PASSWORD)
    async with web_hub.http.get(
        f"{web_hub.url}/api/v1/bots", headers={"Authorization": f"Bearer {token}"}
    ) as r:
        assert r.status == 403


async def test_a_supervisor_reads_the_admin_pages_and_changes_nothing(web_hub, new_page, login):
    await staff.create_user(
        web_hub.hub,
        email="sue@example.com",
        name="Sue Supervisor",
        role=Role.supervisor,
        password=AGENT_PASSWORD,
    )
    page, watch = await new_page()
    await login(page, "sue@example.com")
    await page.click("#admin-link")
    await page.wait_for_selector("body[data-ready=true]")
    await expect(page.locator("#admin-readonly")).to_be_visible()
    await expect(page.locator("#users-list li", has_text="agent1@example.com")).to_be_visible()
    await expect(page.locator("#new-user-form")).to_have_count(0)
    await expect(page.locator(".admin-details")).to_have_count(0)  # no edit forms anywhere
    await open_section(page, "routing")
    await expect(page.locator("#routing-yaml")).to_have_value(RULES)
    await expect(page.locator("#routing-yaml")).to_have_attribute("readonly", "")
    await expect(page.locator("#routing-save")).to_have_count(0)
    await open_section(page, "channels")
    await expect(page.locator("#channels-body")).to_have_text("The channels' health is shown to admins.")
    await open_section(page, "bots")
    await expect(page.locator('#bots-list [data-bot="default"]')).to_be_visible()
    watch.assert_clean()
