from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


def preferences_default() -> dict:
    """The shape of F9's `user_preferences`: budget range, locations, property type, amenities."""
    return {"budget": {"min": None, "max": None}, "locations": [], "property_type": None, "amenities": []}


class User(AbstractUser):
    """epty's user, keyed on BankID's stable person key (`bankid_altsub`), never on e-mail.

    `username` is a random handle (BankID has no user name). `email` is set only once the
    user has confirmed it through a signed link. The national identity number is stored only
    when `BANKID_STORE_NNIN` is on, and then only encrypted plus a keyed hash for look-ups.
    """

    bankid_altsub = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=300, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Blank: follow the browser (Bokmål when it says nothing); set: the user's own choice.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    preferences = models.JSONField(_("preferences"), default=preferences_default, blank=True)
    nnin_encrypted = models.TextField(blank=True, default="", editable=False)
    nnin_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def has_nnin(self) -> bool:
        return bool(self.nnin_encrypted)

    @staticmethod
    def random_username() -> str:
        return "u_" + secrets.token_hex(8)


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token. Only a prefix (for look-up and display) and a hash of the secret are kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- Collections, saved searches, alerts and search history (issue 5) ---------------------

class Collection(models.Model):
    """A user's named list of saved properties. Every user has exactly one default ("Favourites")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="collection_unique_name_per_user"),
            models.UniqueConstraint(fields=["user"], condition=models.Q(is_default=True),
                                    name="collection_one_default_per_user"),
        ]

    def __str__(self) -> str:
        return self.name


class SavedProperty(models.Model):
    """A property in a collection, with the user's private note and tags."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    property = models.ForeignKey("properties.Property", on_delete=models.CASCADE, related_name="+")
    note = models.TextField(_("note"), blank=True, max_length=2000)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["collection", "property"], name="savedproperty_unique")]
        indexes = [models.Index(fields=["property", "collection"], name="savedproperty_property")]

    def __str__(self) -> str:
        return f"{self.property_id} in {self.collection_id}"


class AlertFrequency(models.TextChoices):
    INSTANT = "instant", _("Instantly")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    OFF = "off", _("Off")


class SavedSearch(models.Model):
    """A search's filters (the same parameters as the search page and API) with an alert frequency.

    `last_notified` is the alert watermark: the properties that changed after it have not yet
    been considered for this search. It starts when the search is saved.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(default=dict, help_text="Search parameters as the search page takes them.")
    frequency = models.CharField(_("alerts"), max_length=8, choices=AlertFrequency.choices, default=AlertFrequency.DAILY)
    last_notified = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["frequency", "last_notified"], name="savedsearch_due")]

    def __str__(self) -> str:
        return self.name


class SavedSearchHit(models.Model):
    """A property a saved search has told its user about, with the estimate it showed.

    New matches are the properties without a hit; an already shown property is shown again only
    when its estimate has moved more than ALERTS_ESTIMATE_THRESHOLD from the one recorded here.
    """

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="hits")
    property = models.ForeignKey("properties.Property", on_delete=models.CASCADE, related_name="+")
    estimate = models.BigIntegerField(null=True, blank=True)
    notified_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["saved_search", "property"], name="savedsearchhit_unique")]
        indexes = [models.Index(fields=["property"], name="savedsearchhit_property")]


class OutboxMessage(models.Model):
    """An e-mail committed for delivery. The sender marks it sent once the mail server accepted it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
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
        ordering = ["id"]
        indexes = [models.Index(fields=["sent_at", "id"], name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({'sent' if self.sent_at else 'pending'})"


class SearchHistoryEntry(models.Model):
    """One search a logged-in user made (page or API), kept for SEARCH_HISTORY_RETENTION_DAYS."""

    class Via(models.TextChoices):
        PAGE = "page", _("Search page")
        API = "api", _("API")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="search_history")
    params = models.JSONField(default=dict)
    result_count = models.IntegerField(null=True, blank=True,
                                       help_text="None when the search was not counted; capped like the search's count.")
    count_is_exact = models.BooleanField(default=True)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.PAGE)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="searchhistory_user_time")]
