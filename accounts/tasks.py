"""Celery tasks for accounts: saved-search alerts, the outbox sender, the search-history purge.

Each task calls one service and is safe to run twice (see accounts.saved.alerts)."""
from __future__ import annotations

from celery import shared_task

from .saved import alerts, services


@shared_task(name="accounts.tasks.saved_search_alerts_run", ignore_result=True)
def saved_search_alerts_run() -> dict:
    result = alerts.saved_search_alerts_run()
    return {"due": result.due_searches, "digests": result.digests, "sent": result.sent}


@shared_task(name="accounts.tasks.outbox_send", ignore_result=True)
def outbox_send() -> int:
    return alerts.outbox_send()


@shared_task(name="accounts.tasks.search_history_purge", ignore_result=True)
def search_history_purge() -> int:
    return services.search_history_purge()
