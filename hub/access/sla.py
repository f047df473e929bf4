"""SLA policies and reports: who may read them, and which departments' breaches a report counts."""

from __future__ import annotations

from hub.access.actors import Actor, is_staff, is_system, sees_everything


def can_read_sla_policies(actor: Actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_read_sla_reports(actor: Actor) -> bool:
    """SLA breach counts span departments: admins and supervisors (who see every conversation)."""
    return is_system(actor) or sees_everything(actor)


def sla_report_departments(actor: Actor, department_id: str | None) -> list[str | None] | None:
    """The departments whose breaches a report may count (None: all): the one asked for, within what the actor
    sees (everything, for those who may read reports)."""
    if not can_read_sla_reports(actor):
        return []
    return [department_id] if department_id is not None else None
