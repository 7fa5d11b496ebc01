"""Staff see every photo (hidden ones too) and hide one with a reason the owners see, or show it again.
Only staff with `offers.moderate` (the moderators) can; photos change only through the actions."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html

from epty.errors import ApplicationError
from offers.selectors import can_moderate

from . import selectors, services
from .models import Photo


class HideForm(forms.Form):
    reason = forms.CharField(label="Reason (shown to the property's owners)", max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


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

    @admin.display(description="photo")
    def preview(self, obj) -> str:
        return format_html('<img src="{}" alt="" width="120">', selectors.photo_url(obj, "thumb"))

    def _run(self, request, queryset, fn, verb: str) -> None:
        done, failed = 0, []
        for photo in queryset:
            try:
                fn(photo)
                done += 1
            except ApplicationError as exc:
                failed.append(f"#{photo.pk}: {exc.message}")
            except ValidationError as exc:
                failed.append(f"#{photo.pk}: {'; '.join(exc.messages)}")
        if done:
            self.message_user(request, f"{verb}: {done}.", messages.SUCCESS)
        if failed:
            self.message_user(request, "Not changed: " + " · ".join(failed[:20]), messages.WARNING)

    @admin.action(description="Hide the selected photos (with a reason)…", permissions=["moderate"])
    def hide_selected(self, request, queryset):
        form = HideForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._run(request, queryset,
                      lambda photo: services.photo_hide(photo=photo, moderator=request.user, reason=reason), "Hidden")
            return None
        return TemplateResponse(request, "admin/photos/hide.html", {
            **self.admin_site.each_context(request), "title": "Hide photos", "form": form, "objects": queryset,
            "action": request.POST.get("action"), "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Show the selected photos again", permissions=["moderate"])
    def show_selected(self, request, queryset):
        self._run(request, queryset, lambda photo: services.photo_show(photo=photo, moderator=request.user), "Shown")
