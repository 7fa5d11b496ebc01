"""Celery interfaces of the outbox: the sender (after each commit that stored mail, and every minute)."""
from __future__ import annotations

from celery import shared_task

from .delivery import outbox_send

# Periodic jobs (epty/celery.py builds beat's table from every app's SCHEDULE).
SCHEDULE = {
    "mail.outbox_send": {"task": "epty.mail.tasks.outbox_send", "switch": "MAIL_OUTBOX_SEND_SCHEDULED",
                         "schedule": 60.0},
}


@shared_task(name="epty.mail.tasks.outbox_send", ignore_result=True)
def outbox_send_task(ids: list[int] | None = None) -> int:
    """Deliver pending messages (only ``ids``, when given). Safe to run twice or at once: rows are locked."""
    return outbox_send(ids=ids)
