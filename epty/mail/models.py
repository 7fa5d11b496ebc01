from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class OutboxMessage(models.Model):
    """An e-mail committed for delivery. The sender marks it sent once the mail server accepted it.

    Subject and bodies are rendered when the message is stored, in the recipient's language.
    """

    class Kind(models.TextChoices):
        ALERT_DIGEST = "alert_digest", "saved-search alert digest"
        OFFER_EVENT = "offer_event", "offer event"
        CLAIM_EVENT = "claim_event", "ownership claim event"
        EMAIL_CONFIRM = "email_confirm", "e-mail address confirmation"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             help_text="The recipient's account.")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="For the digest's web page.")
    kind = models.CharField(max_length=20, default="alert_digest")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    property_ids = models.JSONField(default=list, blank=True, help_text="Everything the digest covers, capped or not.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "accounts_outboxmessage"  # created by accounts before the outbox had an app of its own
        ordering = ["id"]
        indexes = [models.Index(fields=["sent_at", "id"], name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({'sent' if self.sent_at else 'pending'})"
