"""Writes of the outbox: render a message in its recipient's language and store it with the change."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import OutboxMessage
from .tasks import outbox_send_task


def recipient_language(user: Any) -> str:
    """The language a user's e-mails are written in: their own choice, else the site's default."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def absolute_url(path: str) -> str:
    """A link for an e-mail: SITE_URL and the path (e-mails are read outside any request)."""
    return settings.SITE_URL + path


def _send_after_commit(ids: list[int]) -> None:
    """After the surrounding transaction commits, a task delivers these (inline in eager mode).

    A failure to hand it to the broker is logged and does not touch the committed change: the
    periodic sweep (MAIL_OUTBOX_SEND_SCHEDULED) delivers what is left.
    """
    if not ids:
        return

    def send_stored_mail() -> None:
        outbox_send_task.delay(ids=ids)

    transaction.on_commit(send_stored_mail, robust=True)


def mail_render(*, user: Any, kind: str, subject: Any, template: str, context: dict[str, Any],
                to: str | None = None, html_template: str | None = None,
                headers: dict[str, str] | None = None) -> OutboxMessage:
    """An unsaved message to ``user`` (at ``to``, default their address), rendered in their language.

    ``subject`` may be lazy (gettext_lazy, format_lazy): it is translated here, like the templates.
    """
    address = to if to is not None else user.email
    if not address:
        raise ValueError("An outbox message needs an address.")
    with translation.override(recipient_language(user)):
        return OutboxMessage(
            user=user, kind=kind, to=address, subject=" ".join(str(subject).split())[:300],
            body_text=render_to_string(template, context),
            body_html=render_to_string(html_template, context) if html_template else "",
            headers=headers or {})


def mail_enqueue(*, user: Any, kind: str, subject: Any, template: str, context: dict[str, Any],
                 to: str | None = None, html_template: str | None = None,
                 headers: dict[str, str] | None = None) -> OutboxMessage:
    """Render and store one message in the caller's transaction; it is sent after the commit."""
    message = mail_render(user=user, kind=kind, subject=subject, template=template, context=context, to=to,
                          html_template=html_template, headers=headers)
    message.save()
    _send_after_commit([message.pk])
    return message


def mail_enqueue_many(*, messages: Sequence[OutboxMessage], send_on_commit: bool = True) -> list[OutboxMessage]:
    """Store rendered messages in one statement per 500 (in the caller's transaction).

    With ``send_on_commit=False`` the caller sends them itself (the alert run does, once per run).
    """
    stored = OutboxMessage.objects.bulk_create(list(messages), batch_size=500)
    if send_on_commit:
        _send_after_commit([m.pk for m in stored if m.pk is not None])
    return stored
