from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


def preferences_default() -> dict:
    """The shape of the recommend request's `user_preferences`: budget range, locations, property type, amenities."""
    return {"budget": {"min": None, "max": None}, "locations": [], "property_type": None, "amenities": []}


class User(AbstractUser):
    """epty's user, keyed on BankID's stable person key (`bankid_altsub`), never on e-mail.

    `username` is a random handle (BankID has no user name). `email` is set only once the
    user has confirmed it through a signed link. The national identity number is stored only
    when `BANKID_STORE_NNIN` is on, and then only encrypted plus a keyed hash for look-ups.
    """

    bankid_altsub = models.CharField(_("BankID person key"), max_length=64, unique=True, null=True, blank=True,
                                     editable=False)
    name = models.CharField(_("name"), max_length=300, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True, editable=False)
    # Blank: follow the browser (Bokmål when it says nothing); set: the user's own choice.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    preferences = models.JSONField(_("preferences"), default=preferences_default, blank=True)
    # Optional; shared only with the other side of an accepted offer when both agreed (offers).
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    nnin_encrypted = models.TextField(_("identity number (encrypted)"), blank=True, default="", editable=False)
    nnin_hash = models.CharField(_("identity number (keyed hash)"), max_length=64, unique=True, null=True, blank=True,
                                 editable=False)

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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    secret_hash = models.CharField(_("secret (hash)"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
