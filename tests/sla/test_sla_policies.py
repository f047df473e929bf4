"""The SLA policy file: validated with `file:line: reason`, a missing file is no SLA, the first matching policy
applies, its targets are counted in its hours."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from support import make_settings

from hub.app import check_extensions
from hub.domain import Priority
from hub.domain_sla import SlaClock
from hub.sla import due_times, load_sla_file, load_sla_text

GOOD = """\
business_hours:
  timezone: Europe/Moscow
  weekly: {mon: "09:00-18:00", tue: "09:00-18:00", wed: "09:00-18:00", thu: "09:00-18:00", fri: "09:00-18:00"}
policies:
  - name: Urgent
    priority: urgent
    first_response_minutes: 15
    warning_minutes: 5
    hours: always
  - name: Support
    department: [support]
    first_response_minutes: 60
    resolution_minutes: 480
    warning_minutes: 10
"""


def test_the_shipped_file_is_valid():
    config, problems = load_sla_file(Path("config/sla.yaml"))
    assert problems == [] and config is not None and config.policies


def test_a_missing_file_is_no_sla(tmp_path):
    config, problems = load_sla_file(tmp_path / "none.yaml")
    assert problems == [] and config is not None and config.policies == []


def test_problems_name_their_line():
    text = """\
policies:
  - name: A
    first_response_minutes: 0
  - name: a
    resolution_minutes: 60
    warning_minutes: 5
    hours: business
    colour: red
  - name: B
    warning_minutes: 5
"""
    config, problems = load_sla_text(text, "sla.yaml")
    assert config is None
    assert (
        "sla.yaml:3: Input should be greater than or equal to 1 (policies.0.first_response_minutes)"
        in problems
    )
    assert "sla.yaml:8: unknown key 'colour' (policies.1.colour)" in problems
    assert any(p.startswith("sla.yaml:9: a policy needs first_response_minutes") for p in problems)


def test_cross_checks_name_their_line():
    text = GOOD.replace("warning_minutes: 5", "warning_minutes: 20").replace("name: Support", "name: urgent")
    config, problems = load_sla_text(text.replace("business_hours", "business_hourz"), "sla.yaml")
    assert config is None and problems == ["sla.yaml:1: unknown key 'business_hourz' (business_hourz)"]
    config, problems = load_sla_text(text, "sla.yaml")
    assert config is None
    assert problems == [
        "sla.yaml:8: the warning must come before the shortest target (policies.0.warning_minutes)",
        "sla.yaml:10: policy name 'urgent' is used by policy 1 (policies.1.name)",
    ]
    _config, problems = load_sla_text(
        "policies:\n  - name: X\n    resolution_minutes: 9\n    hours: business\n", "s"
    )
    assert problems[0] == "s:4: hours: business needs business_hours at the top (policies.0.hours)"


def test_hub_check_reports_a_broken_file(tmp_path):
    broken = tmp_path / "sla.yaml"
    broken.write_text("policies:\n  - name: X\n    first_response_minutes: [\n", encoding="utf-8")
    problems = check_extensions(make_settings(tmp_path, sla_file=broken))
    assert len(problems) == 1 and problems[0].startswith(f"{broken}:") and "YAML syntax error" in problems[0]


def test_the_first_matching_policy_applies_and_counts_in_its_hours():
    config, problems = load_sla_text(GOOD, "sla.yaml")
    assert problems == [] and config is not None
    assert config.choose("Support", Priority.urgent).name == "Urgent"
    assert config.choose("SUPPORT", Priority.normal).name == "Support"  # names match case-insensitively
    assert config.choose("Sales", Priority.normal) is None
    assert config.choose(None, Priority.high) is None
    friday_evening = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)  # 17:30 in Moscow
    clock = SlaClock(id="c1", started_at=friday_evening, resolution_started_at=friday_evening)
    urgent = due_times(config, config.choose("Support", Priority.urgent), clock)
    assert urgent.first_response_due_at == datetime(2026, 12, 4, 14, 45, tzinfo=UTC)  # round the clock
    assert urgent.resolution_due_at is None  # the policy has no resolution target
    support = due_times(config, config.choose("Support", Priority.normal), clock)
    assert support.first_response_due_at == datetime(2026, 12, 7, 6, 30, tzinfo=UTC)  # Monday 09:30
    met = clock.model_copy(update={"first_response_at": friday_evening})
    assert due_times(config, config.choose("Support", Priority.normal), met).first_response_due_at is None
