from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """An e-mail committed for delivery. The sender marks it sent once the mail server accepted it.

    Subject and bodies are rendered when the message is stored, in the recipient's language.
    """

    class Kind(models.TextChoices):
        ALERT_DIGEST = "alert_digest", _("saved-search alert digest")
        OFFER_EVENT = "offer_event", _("offer event")
        CLAIM_EVENT = "claim_event", _("ownership claim event")
        EMAIL_CONFIRM = "email_confirm", _("e-mail address confirmation")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                             related_name="+", help_text=_("The recipient's account."))
    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False,
                           help_text=_("For the digest's web page."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ALERT_DIGEST)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("body (text)"))
    body_html = models.TextField(_("body (HTML)"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    property_ids = models.JSONField(_("property ids"), default=list, blank=True,
                                    help_text=_("Everything the digest covers, capped or not."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        db_table = "accounts_outboxmessage"  # created by accounts before the outbox had an app of its own
        ordering = ["id"]
        indexes = [models.Index(fields=["sent_at", "id"], name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({'sent' if self.sent_at else 'pending'})"
