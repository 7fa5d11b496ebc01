"""Staff review owners' facts and descriptions: the log (append-only), revert a fact, hide a description."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import FactChange, OwnerDescription, OwnerFact


def _can_revert(request) -> bool:
    return request.user.is_staff and request.user.has_perm("owners.change_ownerfact")


def _revert(modeladmin, request, pairs) -> None:
    reverted = sum(services.owner_fact_revert(property_id=property_id, fact=fact, staff_user=request.user,
                                              reason=str(_("Reverted by staff in the admin")))
                   for property_id, fact in sorted(set(pairs)))
    text = ngettext("Reverted %(n)d fact to Matrikkelen's value.", "Reverted %(n)d facts to Matrikkelen's value.",
                    reverted)
    modeladmin.message_user(request, text % {"n": reverted}, messages.SUCCESS)


class _ReadOnlyRevertable(admin.ModelAdmin):
    """Staff read owners' facts and their log, and change them only by reverting (the action)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_revert_permission(self, request) -> bool:
        return _can_revert(request)


@admin.register(FactChange)
class FactChangeAdmin(_ReadOnlyRevertable):
    list_display = ("created_at", "property", "fact", "action", "old", "new", "user", "reason")
    list_filter = ("action", "fact")
    search_fields = ("property__external_id", "property__address")
    raw_id_fields = ("property", "user")
    actions = ["revert_selected"]
    list_select_related = ("property", "user")

    @admin.action(description=_("Revert the owner's value of these facts"), permissions=["revert"])
    def revert_selected(self, request, queryset):
        _revert(self, request, queryset.exclude(fact="description").values_list("property_id", "fact"))


@admin.register(OwnerFact)
class OwnerFactAdmin(_ReadOnlyRevertable):
    list_display = ("property", "fact", "value", "user", "updated_at")
    list_filter = ("fact",)
    search_fields = ("property__external_id", "property__address")
    raw_id_fields = ("property", "user")
    actions = ["revert_selected"]
    list_select_related = ("property", "user")

    @admin.action(description=_("Revert to Matrikkelen's value"), permissions=["revert"])
    def revert_selected(self, request, queryset):
        _revert(self, request, queryset.values_list("property_id", "fact"))


@admin.register(OwnerDescription)
class OwnerDescriptionAdmin(admin.ModelAdmin):
    """Staff hide a description by giving a reason (shown to the owners), and show it again by clearing it."""

    list_display = ("property", "author", "updated_at", "hidden_at", "hidden_reason")
    list_filter = (("hidden_at", admin.EmptyFieldListFilter),)
    search_fields = ("property__external_id", "property__address")
    fields = ("property", "author", "text", "updated_at", "hidden_reason", "hidden_at", "hidden_by")
    readonly_fields = ("property", "author", "text", "updated_at", "hidden_at", "hidden_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        reason = form.cleaned_data.get("hidden_reason", "")
        stored = OwnerDescription.objects.get(pk=obj.pk)
        try:
            if reason.strip():
                services.owner_description_hide(description=stored, reason=reason, staff_user=request.user)
            else:
                services.owner_description_show(description=stored, staff_user=request.user)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
