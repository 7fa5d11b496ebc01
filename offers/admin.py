"""Staff moderation: queues of pending offers and claims, bulk approve / reject with a reason,
the timeline inline. Every action calls the same service as the rest of the app, so staff
actions are recorded like any other transition. Only staff with `offers.moderate` can act."""
from __future__ import annotations

from typing import ClassVar

from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epty.admin_actions import error_text, run_each, run_each_with_reason
from epty.errors import ApplicationError

from . import selectors, services
from .models import (
    AcceptedOffer,
    ClaimStatus,
    Offer,
    OfferEvent,
    OfferStatus,
    OwnershipClaim,
    PendingClaim,
    PendingOffer,
    PropertyOpenness,
)


def _with_reason(modeladmin, request, queryset, fn, verb, title, submit=None):
    return run_each_with_reason(modeladmin, request, queryset, fn, verb=verb, title=title,
                                reason_label=_("Reason (shown to the user)"), submit=submit or _("Reject"),
                                submit_id="reject-apply")


class ModerationPermissionMixin(admin.ModelAdmin):
    def has_moderate_permission(self, request) -> bool:
        return selectors.can_moderate(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or selectors.can_moderate(request.user)

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) or selectors.can_moderate(request.user)

    def has_add_permission(self, request) -> bool:
        return False  # offers and claims come from users; staff change them only through the actions

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OfferEventInline(admin.TabularInline):
    model = OfferEvent
    fields = ("created_at", "kind", "from_status", "to_status", "amount_display", "actor_role", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]
    verbose_name = _("timeline entry")
    verbose_name_plural = _("timeline")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or selectors.can_moderate(request.user)

    @admin.display(description=_("amount"))
    def amount_display(self, obj) -> str:
        return f"{intcomma(obj.amount)} kr" if obj.amount is not None else "–"


@admin.register(Offer)
class OfferAdmin(ModerationPermissionMixin, admin.ModelAdmin):
    list_display = ["id", "property", "amount_display", "status", "is_anonymous", "buyer", "owner_count",
                    "valid_until", "created_at"]
    list_filter = ["status", "is_anonymous", "created_at", "valid_until"]
    search_fields = ["=id", "property__external_id", "property__address", "buyer__name", "buyer__username",
                     "message"]
    list_select_related = ["property", "buyer"]
    readonly_fields = ("property", "buyer", "amount_display", "message", "is_anonymous", "reveal_identity_on_accept",
                       "status", "status_reason", "valid_until", "approved_at", "decided_at", "contacts_shared_at",
                       "followed_up_at", "created_at", "updated_at", "owner_count", "buyer_other_offers",
                       "property_other_offers")
    change_form_template = "admin/offers/offer/change_form.html"
    fields = readonly_fields
    inlines = [OfferEventInline]
    actions = ["approve_selected", "reject_selected"]
    date_hierarchy: ClassVar[str | None] = "created_at"

    @admin.display(description=_("verified owners"))
    def owner_count(self, obj) -> int:
        return len(selectors.owner_ids(property_id=obj.property_id))

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj) -> str:
        return f"{intcomma(obj.amount)} kr"

    def _offer_rows(self, offers) -> str:
        rows = format_html_join(
            "", '<tr><td><a href="{}">#{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            ((reverse("admin:offers_offer_change", args=[o.pk]), o.pk, o.property, f"{intcomma(o.amount)} kr",
              o.get_status_display(), o.created_at.date()) for o in offers))
        if not rows:
            return gettext("None")
        return format_html('<table class="other-offers"><tbody>{}</tbody></table>', rows)

    @admin.display(description=_("the buyer's other offers"))
    def buyer_other_offers(self, obj) -> str:
        return self._offer_rows(Offer.objects.filter(buyer_id=obj.buyer_id).exclude(pk=obj.pk)
                                .select_related("property").order_by("-created_at")[:20])

    @admin.display(description=_("other offers on this property"))
    def property_other_offers(self, obj) -> str:
        return self._offer_rows(Offer.objects.filter(property_id=obj.property_id).exclude(pk=obj.pk)
                                .select_related("property").order_by("-created_at")[:20])

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        return [
            path("<int:object_id>/approve/", self.admin_site.admin_view(self.approve_view), name=f"{prefix}_approve"),
            path("<int:object_id>/reject/", self.admin_site.admin_view(self.reject_view), name=f"{prefix}_reject"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        offer = Offer.objects.filter(pk=object_id).first()
        extra = {"can_moderate_this": bool(offer and offer.status == OfferStatus.PENDING
                                           and self.has_moderate_permission(request))}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _moderate(self, request, object_id: int, fn, verb):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        offer = get_object_or_404(Offer, pk=object_id)
        if not self.has_moderate_permission(request):
            self.message_user(request, gettext("You may not moderate offers."), messages.ERROR)
        else:
            try:
                fn(offer)
            except (ApplicationError, ValidationError) as exc:
                self.message_user(request, gettext("Not changed: %(errors)s") % {"errors": error_text(exc)},
                                  messages.WARNING)
            else:
                self.message_user(request, f"{verb}: #{offer.pk}.", messages.SUCCESS)
        return redirect("admin:offers_offer_change", offer.pk)

    def approve_view(self, request, object_id: int):
        return self._moderate(request, object_id,
                              lambda offer: services.offer_approve(offer=offer, moderator=request.user), _("Approved"))

    def reject_view(self, request, object_id: int):
        reason = request.POST.get("reason", "")
        return self._moderate(request, object_id, lambda offer: services.offer_reject(
            offer=offer, moderator=request.user, reason=reason), _("Rejected"))

    @admin.action(description=_("Approve the selected offers"), permissions=["moderate"])
    def approve_selected(self, request, queryset):
        run_each(self, request, queryset,
                 lambda offer: services.offer_approve(offer=offer, moderator=request.user), _("Approved"))

    @admin.action(description=_("Reject the selected offers (with a reason)…"), permissions=["moderate"])
    def reject_selected(self, request, queryset):
        return _with_reason(self, request, queryset,
                            lambda offer, reason: services.offer_reject(offer=offer, moderator=request.user,
                                                                        reason=reason),
                            _("Rejected"), _("Reject offers"))


@admin.register(PendingOffer)
class PendingOfferAdmin(OfferAdmin):
    list_filter = ["is_anonymous", "created_at"]
    ordering = ["created_at", "id"]  # oldest first
    date_hierarchy = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=OfferStatus.PENDING)


@admin.register(AcceptedOffer)
class AcceptedOfferAdmin(OfferAdmin):
    """Every accepted offer waits here until staff have followed it up (they are told of each accept by e-mail)."""

    list_display = ["id", "property", "amount_display", "buyer", "owner_count", "contacts_shared_at", "decided_at"]
    list_filter = ["created_at"]
    ordering = ["decided_at", "id"]  # oldest accept first
    date_hierarchy = None
    actions = ["follow_up_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=OfferStatus.ACCEPTED, followed_up_at__isnull=True)

    @admin.action(description=_("Mark the selected offers as followed up"), permissions=["moderate"])
    def follow_up_selected(self, request, queryset):
        run_each(self, request, queryset, lambda offer: services.offer_follow_up(offer=offer, moderator=request.user),
                 _("Followed up"))


@admin.register(PropertyOpenness)
class PropertyOpennessAdmin(ModerationPermissionMixin, admin.ModelAdmin):
    """Properties open to offers. The reserve is private to the owners: staff see only whether there is one."""

    list_display = ["property", "opened_at", "has_reserve"]
    readonly_fields = ("property", "opened_at", "has_reserve")
    fields = readonly_fields
    list_select_related = ["property"]

    @admin.display(boolean=True, description=_("reserve set"))
    def has_reserve(self, obj) -> bool:
        return obj.reserve is not None


@admin.register(OwnershipClaim)
class OwnershipClaimAdmin(ModerationPermissionMixin, admin.ModelAdmin):
    list_display = ["id", "property", "user", "status", "has_document", "created_at", "decided_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "property__external_id", "property__address", "user__name", "user__username"]
    list_select_related = ["property", "user"]
    readonly_fields = ("property", "user", "statement", "document", "status", "reason", "decided_by", "decided_at",
                       "created_at")
    fields = readonly_fields
    actions = ["verify_selected", "reject_selected", "revoke_selected"]

    @admin.display(boolean=True, description=_("document"))
    def has_document(self, obj) -> bool:
        return bool(obj.document)

    @admin.action(description=_("Verify the selected claims"), permissions=["moderate"])
    def verify_selected(self, request, queryset):
        run_each(self, request, queryset, lambda claim: services.claim_verify(claim=claim, moderator=request.user),
                 _("Verified"))

    @admin.action(description=_("Reject the selected claims (with a reason)…"), permissions=["moderate"])
    def reject_selected(self, request, queryset):
        return _with_reason(self, request, queryset,
                            lambda claim, reason: services.claim_reject(claim=claim, moderator=request.user,
                                                                        reason=reason),
                            _("Rejected"), _("Reject ownership claims"))

    @admin.action(description=_("Revoke the selected verified claims (with a reason)…"), permissions=["moderate"])
    def revoke_selected(self, request, queryset):
        return _with_reason(self, request, queryset,
                            lambda claim, reason: services.claim_revoke(claim=claim, moderator=request.user,
                                                                        reason=reason),
                            _("Revoked"), _("Revoke ownership claims"), submit=_("Revoke"))


@admin.register(PendingClaim)
class PendingClaimAdmin(OwnershipClaimAdmin):
    list_filter = ["created_at"]
    ordering = ["created_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=ClaimStatus.PENDING)
