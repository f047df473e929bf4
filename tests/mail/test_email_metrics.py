"""Mailbox health in GET /metrics (Prometheus text): connected, mode, last sync, last error, backlog, on Dovecot."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from support import eventually
from test_email_channel import arrived, mail


async def _scrape(running, headers) -> dict[tuple[str, tuple], float]:
    async with running.http.get(f"{running.url}/metrics", headers=headers) as response:
        assert response.status == 200
        text = await response.text()
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("hub_mailbox_"):
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_mailbox_health_is_scraped_and_follows_the_connection(mail_hub, dovecot):
    running = await mail_hub.start()
    await mail_hub.synced()
    dovecot.deliver("support", mail(1))
    await arrived(mail_hub.store, "<m1@client.example>")
    await mail_hub.synced(last_uid=1)
    headers = await running.login()
    box = (("mailbox", "support"),)
    figures = await _scrape(running, headers)
    assert figures[("hub_mailbox_connected", box)] == 1
    assert figures[("hub_mailbox_mode", (("mailbox", "support"), ("mode", "idle")))] == 1
    assert figures[("hub_mailbox_backlog", box)] == 0
    assert figures[("hub_mailbox_last_sync_timestamp_seconds", box)] > 1.7e9
    assert figures[("hub_mailbox_last_error_timestamp_seconds", box)] == 0

    dovecot.kick("support")  # the server drops the session: an error, then a reconnect

    async def errored():
        figures = await _scrape(running, headers)
        return figures if figures[("hub_mailbox_last_error_timestamp_seconds", box)] > 1.7e9 else None

    await eventually(errored, within=20, what="the dropped session in the metrics")
    await mail_hub.synced()
    assert (await _scrape(running, headers))[("hub_mailbox_connected", box)] == 1
