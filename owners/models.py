"""What verified owners say about their property: facts they correct or add, a description, and the log.

The owner's value of a fact lives in the Property column itself (search, the API, the recommender and
the valuation read it there), its provenance in Property.fact_sources ("owner") and the cadastre's value
beside it under fact_sources["upstream"] (properties.services, "the owner's facts"). OwnerFact says which
user supplied the value in force; FactChange keeps every change, append-only.
"""
from __future__ import annotations

import builtins

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DESCRIPTION_MAX_LENGTH = 2000
HIDDEN_REASON_MAX_LENGTH = 500


class OwnerFactName(models.TextChoices):
    USABLE_AREA = "usable_area", _("Usable area")
    ROOMS = "rooms", _("Rooms")
    BEDROOMS = "bedrooms", _("Bedrooms")
    YEAR_BUILT = "year_built", _("Year built")
    YEAR_RENOVATED = "year_renovated", _("Year renovated")
    FEATURES = "features", _("Features")


# The facts an owner sets on the Property itself; year_renovated has no upstream and lives here only.
PROPERTY_FACTS = ("usable_area", "rooms", "bedrooms", "year_built", "features")


class OwnerFact(models.Model):
    """The value an owner gave one fact of one property, in force now (one row per property and fact)."""

    property = models.ForeignKey("properties.Property", on_delete=models.CASCADE, related_name="owner_facts")
    fact = models.CharField(max_length=20, choices=OwnerFactName.choices)
    value = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="owner_facts", help_text="The owner who supplied it.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("owner's fact")
        verbose_name_plural = _("owners' facts")
        constraints = [models.UniqueConstraint(fields=["property", "fact"], name="owner_fact_once_per_property")]

    def __str__(self) -> str:
        return f"{self.property_id} {self.fact}"


class FactChange(models.Model):
    """One change of an owner-supplied fact or description: who, when, from, to. Append-only."""

    class Action(models.TextChoices):
        SET = "set", _("Set by the owner")
        REMOVED = "removed", _("Removed by the owner")
        REVERTED = "reverted", _("Reverted by staff")
        ACCOUNT_DELETED = "account_deleted", _("Reverted: the owner's account was deleted")
        CLAIM_ENDED = "claim_ended", _("Reverted: staff ended the owner's claim")
        DESCRIPTION = "description", _("Description changed by the owner")
        DESCRIPTION_HIDDEN = "description_hidden", _("Description hidden by staff")
        DESCRIPTION_SHOWN = "description_shown", _("Description shown again by staff")

    property = models.ForeignKey("properties.Property", on_delete=models.CASCADE, related_name="owner_fact_changes")
    fact = models.CharField(max_length=20, help_text="A fact (OwnerFactName) or 'description'.")
    action = models.CharField(max_length=20, choices=Action.choices)
    old = models.JSONField(null=True, blank=True, help_text="The value before (facts only; a description's text "
                                                            "is never copied here).")
    new = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="owner_fact_changes", help_text="Who; empty once their account is deleted.")
    reason = models.CharField(max_length=HIDDEN_REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("owner's fact change")
        verbose_name_plural = _("owners' fact changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["property", "-created_at"], name="owner_change_property")]

    def __str__(self) -> str:
        return f"{self.property_id} {self.fact} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("FactChange is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("FactChange is append-only.")


class OwnerDescription(models.Model):
    """The owners' description of a property: plain text, rendered escaped; staff may hide it with a reason."""

    property = models.OneToOneField("properties.Property", on_delete=models.CASCADE, related_name="owner_description")
    text = models.TextField(max_length=DESCRIPTION_MAX_LENGTH)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="owner_descriptions")
    updated_at = models.DateTimeField(auto_now=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=HIDDEN_REASON_MAX_LENGTH, blank=True,
                                     help_text="Shown to the owners on their page.")
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    class Meta:
        verbose_name = _("owner's description")
        verbose_name_plural = _("owners' descriptions")

    def __str__(self) -> str:
        return f"{self.property_id}: {self.text[:40]}"

    @builtins.property  # "property" is the field above
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
