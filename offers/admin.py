"""Staff moderation: queues of pending offers and claims, bulk approve / reject with a reason,
the timeline inline. Every action calls the same service as the rest of the app, so staff
actions are recorded like any other transition. Only staff with `offers.moderate` can act."""
from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from epty.errors import ApplicationError

from . import selectors, services
from .models import ClaimStatus, Offer, OfferEvent, OfferStatus, OwnershipClaim, PendingClaim, PendingOffer


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=1000,
                             label="Reason (shown to the user)")


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _run(modeladmin, request, queryset, fn, verb: str) -> None:
    done, failed = 0, []
    for obj in queryset:
        try:
            fn(obj)
            done += 1
        except (ApplicationError, ValidationError) as exc:
            failed.append(f"#{obj.pk}: {_error_text(exc)}")
    if done:
        modeladmin.message_user(request, f"{verb}: {done}.", messages.SUCCESS)
    if failed:
        modeladmin.message_user(request, "Not changed: " + " · ".join(failed[:20]), messages.WARNING)


def _with_reason(modeladmin, request, queryset, fn, verb: str, title: str):
    """Ask for a reason on an intermediate page, then apply ``fn(obj, reason)`` to each selected object."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        _run(modeladmin, request, queryset, lambda obj: fn(obj, reason), verb)
        return None
    return TemplateResponse(request, "admin/offers/reason.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "form": form, "objects": queryset,
        "action": request.POST.get("action"), "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    })


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
    fields = ("created_at", "kind", "from_status", "to_status", "amount", "actor_role", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or selectors.can_moderate(request.user)


@admin.register(Offer)
class OfferAdmin(ModerationPermissionMixin, admin.ModelAdmin):
    list_display = ["id", "property", "amount", "status", "is_anonymous", "buyer", "owner_count", "valid_until",
                    "created_at"]
    list_filter = ["status", "is_anonymous", "created_at", "valid_until"]
    search_fields = ["=id", "property__external_id", "property__address", "buyer__name", "buyer__username",
                     "message"]
    list_select_related = ["property", "buyer"]
    readonly_fields = ("property", "buyer", "amount", "message", "is_anonymous", "reveal_identity_on_accept",
                       "status", "status_reason", "valid_until", "approved_at", "decided_at", "created_at",
                       "updated_at", "owner_count")
    fields = readonly_fields
    inlines = [OfferEventInline]
    actions = ["approve_selected", "reject_selected"]
    date_hierarchy: ClassVar[str | None] = "created_at"

    @admin.display(description="verified owners")
    def owner_count(self, obj) -> int:
        return len(selectors.owner_ids(property_id=obj.property_id))

    @admin.action(description="Approve the selected offers", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        _run(self, request, queryset,
             lambda offer: services.offer_approve(offer=offer, moderator=request.user), "Approved")

    @admin.action(description="Reject the selected offers (with a reason)…", permissions=["moderate"])
    def reject_selected(self, request, queryset):
        return _with_reason(self, request, queryset,
                            lambda offer, reason: services.offer_reject(offer=offer, moderator=request.user,
                                                                        reason=reason),
                            "Rejected", "Reject offers")


@admin.register(PendingOffer)
class PendingOfferAdmin(OfferAdmin):
    list_filter = ["is_anonymous", "created_at"]
    ordering = ["created_at", "id"]  # oldest first
    date_hierarchy = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=OfferStatus.PENDING)


@admin.register(OwnershipClaim)
class OwnershipClaimAdmin(ModerationPermissionMixin, admin.ModelAdmin):
    list_display = ["id", "property", "user", "status", "has_document", "created_at", "decided_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "property__external_id", "property__address", "user__name", "user__username"]
    list_select_related = ["property", "user"]
    readonly_fields = ("property", "user", "statement", "document", "status", "reason", "decided_by", "decided_at",
                       "created_at")
    fields = readonly_fields
    actions = ["verify_selected", "reject_selected"]

    @admin.display(boolean=True, description="document")
    def has_document(self, obj) -> bool:
        return bool(obj.document)

    @admin.action(description="Verify the selected claims", permissions=["moderate"])
    def verify_selected(self, request, queryset):
        _run(self, request, queryset, lambda claim: services.claim_verify(claim=claim, moderator=request.user),
             "Verified")

    @admin.action(description="Reject the selected claims (with a reason)…", permissions=["moderate"])
    def reject_selected(self, request, queryset):
        return _with_reason(self, request, queryset,
                            lambda claim, reason: services.claim_reject(claim=claim, moderator=request.user,
                                                                        reason=reason),
                            "Rejected", "Reject ownership claims")


@admin.register(PendingClaim)
class PendingClaimAdmin(OwnershipClaimAdmin):
    list_filter = ["created_at"]
    ordering = ["created_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=ClaimStatus.PENDING)
