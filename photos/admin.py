"""Staff see every photo (hidden ones too) and hide one with a reason the owners see, or show it again.
Only staff with `offers.moderate` (the moderators) can; photos change only through the actions."""
from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from epty.admin_actions import run_each, run_each_with_reason
from offers.selectors import can_moderate

from . import selectors, services
from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["id", "preview", "property", "uploaded_by", "position", "is_cover", "hidden", "created_at"]
    list_filter = ["hidden", "created_at"]
    search_fields = ["=id", "property__external_id", "property__address"]
    list_select_related = ["property", "uploaded_by"]
    readonly_fields = ("preview", "property", "uploaded_by", "position", "is_cover", "width", "height", "hidden",
                       "hidden_reason", "hidden_by", "hidden_at", "created_at")
    fields = readonly_fields
    actions = ["hide_selected", "show_selected"]

    def has_module_permission(self, request) -> bool:
        return can_moderate(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return can_moderate(request.user)

    def has_add_permission(self, request) -> bool:
        return False  # photos come from owners

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # staff change them only through the actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the owners delete (their files go with them); staff hide

    def has_moderate_permission(self, request) -> bool:
        return can_moderate(request.user)

    @admin.display(description=_("photo"))
    def preview(self, obj) -> str:
        return format_html('<img src="{}" alt="" width="120">', selectors.photo_url(obj, "thumb"))

    @admin.action(description=_("Hide the selected photos (with a reason)…"), permissions=["moderate"])
    def hide_selected(self, request, queryset):
        return run_each_with_reason(
            self, request, queryset,
            lambda photo, reason: services.photo_hide(photo=photo, moderator=request.user, reason=reason),
            verb=_("Hidden"), title=_("Hide photos"), reason_label=_("Reason (shown to the property's owners)"),
            submit=_("Hide"), submit_id="hide-apply")

    @admin.action(description=_("Show the selected photos again"), permissions=["moderate"])
    def show_selected(self, request, queryset):
        run_each(self, request, queryset,
                 lambda photo: services.photo_show(photo=photo, moderator=request.user), _("Shown again"))
