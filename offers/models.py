"""Silent bidding: ownership claims, offers and every change to them.

The rules the database itself keeps: at most one accepted offer per property, at most one live
offer per buyer and property, positive amounts, and one open claim per user and property. The
allowed status changes are in TRANSITIONS, the one place that defines them.
"""
from __future__ import annotations

import builtins
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .storage import private_storage


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    APPROVED = "approved", _("Approved, with the owner")
    REJECTED = "rejected", _("Rejected by epty")
    ACCEPTED = "accepted", _("Accepted by the owner")
    DECLINED = "declined", _("Declined by the owner")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class Actor(models.TextChoices):
    BUYER = "buyer", _("buyer")
    OWNER = "owner", _("owner")
    MODERATOR = "moderator", _("epty staff")
    SYSTEM = "system", _("epty")


# A buyer's offer is "live" while it can still lead somewhere; one live offer per buyer and property.
LIVE_STATUSES = (OfferStatus.PENDING, OfferStatus.APPROVED, OfferStatus.ACCEPTED)

# (from, to) -> who may make that change. Anything else is refused with 409 invalid_offer_transition.
# pending -> pending and approved -> pending are the buyer's revisions (a new amount goes back to moderation).
TRANSITIONS: dict[tuple[str, str], str] = {
    (OfferStatus.PENDING, OfferStatus.PENDING): Actor.BUYER,
    (OfferStatus.APPROVED, OfferStatus.PENDING): Actor.BUYER,
    (OfferStatus.PENDING, OfferStatus.APPROVED): Actor.MODERATOR,
    (OfferStatus.PENDING, OfferStatus.REJECTED): Actor.MODERATOR,
    (OfferStatus.APPROVED, OfferStatus.ACCEPTED): Actor.OWNER,
    (OfferStatus.APPROVED, OfferStatus.DECLINED): Actor.OWNER,
    (OfferStatus.PENDING, OfferStatus.WITHDRAWN): Actor.BUYER,
    (OfferStatus.APPROVED, OfferStatus.WITHDRAWN): Actor.BUYER,
    (OfferStatus.ACCEPTED, OfferStatus.WITHDRAWN): Actor.BUYER,
    (OfferStatus.PENDING, OfferStatus.EXPIRED): Actor.SYSTEM,
    (OfferStatus.APPROVED, OfferStatus.EXPIRED): Actor.SYSTEM,
    # An accepted offer lapses at the end of its validity too (the owners are told).
    (OfferStatus.ACCEPTED, OfferStatus.EXPIRED): Actor.SYSTEM,
}
# Offers that offers_expire lets lapse once past their validity.
EXPIRING_STATUSES = (OfferStatus.PENDING, OfferStatus.APPROVED, OfferStatus.ACCEPTED)

NON_BINDING_NOTICE = _("This offer is a non-binding expression of interest, not a bid in a sale. "
                       "Neither side is bound by it.")
VERIFIED_BUYER = _("verified buyer")


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


def claim_document_path(instance: OwnershipClaim, filename: str) -> str:
    """A random name; the suffix is the one the content was recognised as (claim_submit renames the upload)."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"claims/{uuid.uuid4().hex}.{suffix}"


class OwnershipClaim(models.Model):
    """A user's claim to own a property; staff verify or reject it. Several verified owners may share one."""

    property = models.ForeignKey("properties.Property", on_delete=models.PROTECT, related_name="ownership_claims",
                                 verbose_name=_("property"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ownership_claims",
                             verbose_name=_("user"))
    statement = models.TextField(_("statement"), max_length=2000)
    # Private: served only by views.claim_document, to the claimant and moderators.
    document = models.FileField(_("document"), upload_to=claim_document_path, storage=private_storage, blank=True)
    document_content_type = models.CharField(max_length=40, blank=True,
                                             help_text=_("What the document's content was recognised as on upload."),
                                             verbose_name=_("document content type"))
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.PENDING,
                              verbose_name=_("status"))
    reason = models.TextField(blank=True, help_text=_("Why the claim was rejected."), verbose_name=_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ownership claim")
        verbose_name_plural = _("ownership claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["property", "user"], condition=~models.Q(status="rejected"),
                                    name="claim_one_open_per_user_property"),
        ]
        indexes = [models.Index(fields=["property", "status"], name="claim_property_status"),
                   models.Index(fields=["status", "created_at"], name="claim_status_created")]

    def __str__(self) -> str:
        return gettext("Ownership claim #%(id)s on property %(property)s (%(status)s)") % {
            "id": self.pk, "property": self.property_id, "status": self.get_status_display()}


class OfferQuerySet(models.QuerySet):
    def live(self) -> OfferQuerySet:
        return self.filter(status__in=LIVE_STATUSES)

    def owner_visible(self) -> OfferQuerySet:
        """Offers staff have approved (in their current amount); later fates stay visible."""
        return self.filter(approved_at__isnull=False)


class Offer(models.Model):
    property = models.ForeignKey("properties.Property", on_delete=models.PROTECT, related_name="offers",
                                 verbose_name=_("property"))
    # Null only once the buyer's account is deleted: amounts and history stay, the person goes.
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="offers", verbose_name=_("buyer"))
    amount = models.BigIntegerField(_("amount (NOK)"))
    message = models.TextField(_("message"), blank=True, max_length=2000)
    is_anonymous = models.BooleanField(_("stay anonymous"), default=True)
    reveal_identity_on_accept = models.BooleanField(
        _("reveal my identity to the owner if the offer is accepted"), default=False)
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.PENDING,
                              verbose_name=_("status"))
    valid_until = models.DateTimeField(verbose_name=_("valid until"))
    approved_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When a moderator approved the current amount; empty while it is not visible to the owners."),
        verbose_name=_("approved at"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    status_reason = models.TextField(blank=True, verbose_name=_("status reason"))
    # After an accept: each side says whether to share contact details; nothing is shared until both said
    # yes (services.offer_contact_answer; every answer is also an OfferEvent). The owners' side is answered
    # by one of them, whose details are the ones shared.
    buyer_contact_consent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("buyer contact consent at"))
    owner_contact_consent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("owner contact consent at"))
    owner_contact_consent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                                 blank=True, related_name="+",
                                                 verbose_name=_("owner contact consent by"))
    contacts_shared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("contacts shared at"))
    # Staff follow every accept up (the admin's queue of accepted offers awaiting follow-up).
    followed_up_at = models.DateTimeField(null=True, blank=True, verbose_name=_("followed up at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-updated_at", "-id"]
        permissions = [("moderate", "Can moderate offers and ownership claims")]
        constraints = [
            models.UniqueConstraint(fields=["property"], condition=models.Q(status="accepted"),
                                    name="offer_one_accepted_per_property"),
            models.UniqueConstraint(fields=["property", "buyer"],
                                    condition=models.Q(status__in=["pending", "approved", "accepted"]),
                                    name="offer_one_live_per_buyer_property"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="offer_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"], name="offer_status_valid_until"),
                   models.Index(fields=["property", "status"], name="offer_property_status"),
                   models.Index(fields=["buyer", "-updated_at"], name="offer_buyer_updated")]

    def __str__(self) -> str:
        amount = f"{self.amount:,}".replace(",", "\u00a0")  # 7 500 000 NOK, grouped as Norwegians write it
        return gettext("Offer #%(id)s on property %(property)s: %(amount)s NOK (%(status)s)") % {
            "id": self.pk, "property": self.property_id, "amount": amount, "status": self.get_status_display()}

    @builtins.property  # `property` is the FK field here
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @builtins.property  # `property` is the FK field here
    def identity_revealed(self) -> bool:
        """Whether an owner may see who the buyer is."""
        if self.buyer_id is None:
            return False
        if not self.is_anonymous:
            return True
        return self.status == OfferStatus.ACCEPTED and self.reveal_identity_on_accept

    @builtins.property  # `property` is the FK field here
    def is_past_validity(self) -> bool:
        return self.valid_until <= timezone.now()


class OfferEvent(models.Model):
    """One entry of an offer's timeline: who, when, from, to, why, and the amount at that point."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        REVISED = "revised", _("revised")
        TRANSITION = "transition", _("status changed")
        CONTACT_YES = "contact_yes", _("agreed to share contact details")
        CONTACT_NO = "contact_no", _("declined to share contact details")
        CONTACT_REVOKED = "contact_revoked", _("withdrew the agreement to share contact details")
        CONTACTS_SHARED = "contacts_shared", _("contact details shared with each other")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events", verbose_name=_("offer"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("actor"))
    actor_role = models.CharField(max_length=16, choices=Actor.choices, verbose_name=_("actor role"))
    from_status = models.CharField(max_length=16, choices=OfferStatus.choices, blank=True,
                                   verbose_name=_("from status"))
    to_status = models.CharField(max_length=16, choices=OfferStatus.choices, verbose_name=_("to status"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("offer event")
        verbose_name_plural = _("offer events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["offer", "created_at"], name="offerevent_offer_created")]

    def __str__(self) -> str:
        return gettext("Offer #%(offer)s: %(from)s → %(to)s (%(actor)s)") % {
            "offer": self.offer_id, "from": self.get_from_status_display() or "∅", "to": self.get_to_status_display(),
            "actor": self.get_actor_role_display()}


class PendingOffer(Offer):
    """The moderation queue in the admin: offers waiting for staff."""

    class Meta:
        proxy = True
        verbose_name = _("offer waiting for moderation")
        verbose_name_plural = _("offers waiting for moderation")


class AcceptedOffer(Offer):
    """The follow-up queue in the admin: accepted offers staff have not followed up yet."""

    class Meta:
        proxy = True
        verbose_name = _("accepted offer awaiting follow-up")
        verbose_name_plural = _("accepted offers awaiting follow-up")


class PropertyOpenness(models.Model):
    """A property its verified owners have opened to offers, with their optional private reserve price.

    The row exists while the property is open; any verified owner opens, changes or closes it.
    Property.open_to_offers_since mirrors it for search (services keep them together). The reserve is
    never shown to buyers, nor anything derived from it, in any page, API response, e-mail or export
    of theirs: only owners see it, and which approved offers meet it.
    """

    property = models.OneToOneField("properties.Property", on_delete=models.CASCADE, related_name="openness",
                                    verbose_name=_("property"))
    opened_at = models.DateTimeField(default=timezone.now, verbose_name=_("opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("opened by"))
    reserve = models.BigIntegerField(_("reserve price (NOK)"), null=True, blank=True)
    reserve_set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("reserve set by"))
    reserve_set_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reserve set at"))

    class Meta:
        verbose_name = _("property open to offers")
        verbose_name_plural = _("properties open to offers")
        constraints = [models.CheckConstraint(condition=models.Q(reserve__isnull=True) | models.Q(reserve__gt=0),
                                              name="openness_reserve_positive")]

    def __str__(self) -> str:
        return gettext("Property %(property)s open to offers since %(date)s") % {
            "property": self.property_id, "date": f"{self.opened_at:%Y-%m-%d}"}

    def met_by(self, amount: int) -> bool:
        """Whether an offer of ``amount`` meets the reserve (owners only; False without one)."""
        return self.reserve is not None and amount >= self.reserve


class PendingClaim(OwnershipClaim):
    """The verification queue in the admin: ownership claims waiting for staff."""

    class Meta:
        proxy = True
        verbose_name = _("claim waiting for verification")
        verbose_name_plural = _("claims waiting for verification")
