"""Delivery of the outbox: each pending message sent, then marked sent in the transaction that locked it."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

Hook = Callable[[str, dict], None]
MAX_ATTEMPTS = 10


def _noop_hook(step: str, info: dict) -> None:
    pass


def outbox_send(*, ids: Iterable[int] | None = None, limit: int = 5000, hook: Hook = _noop_hook) -> int:
    """Deliver pending outbox messages (only ``ids``, when given); returns how many were sent.

    Two senders never deliver the same message (the row is locked, others skip it). A crash after
    the server accepted a message and before the commit is the one case that delivers it again.
    A failed delivery is recorded on the message and retried by the next sender, up to MAX_ATTEMPTS.
    """
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    message_ids = list(pending.order_by("id").values_list("id", flat=True)[:limit])
    if not message_ids:
        return 0
    sent = 0
    connection = get_connection()
    try:
        connection.open()
        for message_id in message_ids:
            with transaction.atomic():
                message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                           .filter(pk=message_id, sent_at__isnull=True).first())
                if message is None:
                    continue
                email = EmailMultiAlternatives(message.subject, message.body_text, settings.DEFAULT_FROM_EMAIL,
                                               [message.to], headers=message.headers, connection=connection)
                if message.body_html:
                    email.attach_alternative(message.body_html, "text/html")
                hook("sending", {"id": message.pk})
                try:
                    email.send()
                except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded and retried later
                    logger.warning("outbox message %s not sent: %s", message.pk, type(exc).__name__)
                    OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1,
                                                                       last_error=str(exc)[:1000])
                    continue
                hook("accepted", {"id": message.pk})
                OutboxMessage.objects.filter(pk=message.pk).update(
                    sent_at=timezone.now(), attempts=message.attempts + 1
                )
                sent += 1
    finally:
        connection.close()
    return sent
