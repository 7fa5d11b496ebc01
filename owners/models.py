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
from django.utils.translation import gettext
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

    property = models.ForeignKey("properties.Property", on_delete=models.CASCADE, related_name="owner_facts",
                                 verbose_name=_("property"))
    fact = models.CharField(max_length=20, choices=OwnerFactName.choices, verbose_name=_("fact"))
    value = models.JSONField(null=True, blank=True, verbose_name=_("value"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="owner_facts", help_text=_("The owner who supplied it."),
                             verbose_name=_("user"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("owner's fact")
        verbose_name_plural = _("owners' facts")
        constraints = [models.UniqueConstraint(fields=["property", "fact"], name="owner_fact_once_per_property")]

    def __str__(self) -> str:
        return gettext("Property %(property)s: %(fact)s") % {"property": self.property_id,
                                                              "fact": self.get_fact_display()}


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

    property = models.ForeignKey("properties.Property", on_delete=models.CASCADE, related_name="owner_fact_changes",
                                 verbose_name=_("property"))
    # An OwnerFactName, or "description".
    fact = models.CharField(max_length=20, help_text=_("The fact's code, or “description” for the description."),
                            verbose_name=_("fact"))
    action = models.CharField(max_length=20, choices=Action.choices, verbose_name=_("action"))
    old = models.JSONField(null=True, blank=True, help_text=_("Facts only: a description's text is never copied "
                                                              "here."), verbose_name=_("old value"))
    new = models.JSONField(null=True, blank=True, verbose_name=_("new value"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="owner_fact_changes", verbose_name=_("user"),
                             help_text=_("Who; empty once their account is deleted."))
    reason = models.CharField(max_length=HIDDEN_REASON_MAX_LENGTH, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("owner's fact change")
        verbose_name_plural = _("owners' fact changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["property", "-created_at"], name="owner_change_property")]

    def __str__(self) -> str:
        return gettext("Property %(property)s: %(fact)s, %(action)s") % {
            "property": self.property_id, "action": self.get_action_display(),
            "fact": OwnerFactName(self.fact).label if self.fact in OwnerFactName.values else gettext("description")}

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("FactChange is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("FactChange is append-only.")


class OwnerDescription(models.Model):
    """The owners' description of a property: plain text, rendered escaped; staff may hide it with a reason."""

    property = models.OneToOneField("properties.Property", on_delete=models.CASCADE, related_name="owner_description",
                                    verbose_name=_("property"))
    text = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, verbose_name=_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="owner_descriptions", verbose_name=_("author"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    hidden_reason = models.CharField(max_length=HIDDEN_REASON_MAX_LENGTH, blank=True,
                                     help_text=_("Shown to the owners on their page. Clear it to show the "
                                                 "description again."),
                                     verbose_name=_("reason for hiding"))
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("hidden by"))

    class Meta:
        verbose_name = _("owner's description")
        verbose_name_plural = _("owners' descriptions")

    def __str__(self) -> str:
        return f"{self.property_id}: {self.text[:40]}"

    @builtins.property  # "property" is the field above
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
