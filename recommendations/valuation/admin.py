"""Staff compare valuation versions, read their report, activate or roll back."""
from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epty.errors import ApplicationError

from . import services
from .artifacts import valuation_artifact_check
from .errors import ArtifactRejected
from .models import ValuationModelVersion
from .report import report_context


@admin.register(ValuationModelVersion)
class ValuationModelVersionAdmin(admin.ModelAdmin):
    list_display = ("version_label", "is_active", "created_at", "activated_at", "mdape", "floor_mdape", "pe10", "pe20",
                    "coverage", "r2", "train_rows", "estimates_written", "loadable", "report_link")
    list_filter = ("is_active",)
    actions = ("activate_selected", "rollback", "compare_selected")
    readonly_fields = ("version", "is_active", "activated_at", "created_at", "artifact_name", "artifact_sha256",
                       "evaluation_artifact_name", "evaluation_artifact_sha256", "training_summary", "features",
                       "params", "training_seconds", "estimates_written_at", "estimates_written", "loadable",
                       "report_link")
    exclude = ("metrics",)

    def has_add_permission(self, request) -> bool:
        return False  # versions come from training only

    @admin.display(description=_("version"), ordering="version")
    def version_label(self, obj):
        return obj.label

    @admin.display(description=_("MdAPE %"))
    def mdape(self, obj):
        return obj.mdape

    @admin.display(description=_("Floor MdAPE %"))
    def floor_mdape(self, obj):
        return obj.floor_mdape

    @admin.display(description=_("PE10 %"))
    def pe10(self, obj):
        return obj.metrics.get("overall", {}).get("pe10")

    @admin.display(description=_("PE20 %"))
    def pe20(self, obj):
        return obj.metrics.get("overall", {}).get("pe20")

    @admin.display(description=_("Coverage %"))
    def coverage(self, obj):
        return obj.coverage

    @admin.display(description=_("R² log"))
    def r2(self, obj):
        return obj.metrics.get("overall", {}).get("r2_log")

    @admin.display(description=_("Training sales"))
    def train_rows(self, obj):
        return obj.training_summary.get("rows")

    @admin.display(description=_("Model loadable"))
    def loadable(self, obj):
        """Whether this process can load the version's model (stored, checksum, library versions)."""
        try:
            artifact = valuation_artifact_check(name=obj.artifact_name, sha256=obj.artifact_sha256)
        except ArtifactRejected as exc:
            return format_html('<span class="errornote">{}</span>', gettext("no: %(reason)s") % {"reason": exc.message})
        return gettext("yes (scikit-learn %(sklearn)s, numpy %(numpy)s)") % {
            "sklearn": artifact.sklearn_version or "?", "numpy": artifact.numpy_version or "?"}

    @admin.display(description=_("Report"))
    def report_link(self, obj):
        if not obj.pk:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:valuation_valuationmodelversion_report", args=[obj.pk]),
            gettext("report"),
        )

    def get_urls(self):
        return [path("<int:pk>/report/", self.admin_site.admin_view(self.report_view),
                     name="valuation_valuationmodelversion_report")] + super().get_urls()

    def report_view(self, request, pk: int):
        version = get_object_or_404(ValuationModelVersion, pk=pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "version": version,
                   "title": gettext("Valuation report: %(version)s") % {"version": version.label},
                   **report_context(version.metrics)}
        return TemplateResponse(request, "valuation/admin/report.html", context)

    @admin.action(description=_("Activate the selected version (writes its estimates)"))
    def activate_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one version to activate."), messages.ERROR)
            return
        version = services.valuation_version_activate(version=queryset.get())
        self.message_user(request, gettext("%(version)s is active; its estimates are being written.")
                          % {"version": version.label})

    @admin.action(description=_("Roll back to the previously active version"))
    def rollback(self, request, queryset):
        try:
            version = services.valuation_version_rollback()
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, gettext("Rolled back: %(version)s is active; its estimates are being written.")
                          % {"version": version.label})

    @admin.action(description=_("Compare the selected versions"))
    def compare_selected(self, request, queryset):
        versions = list(queryset.order_by("-version"))
        rows = [{"version": v, "overall": v.metrics.get("overall", {}), "floor": v.metrics.get("noise_floor") or {},
                 "holdout": v.metrics.get("holdout", {}), "summary": v.training_summary} for v in versions]
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "rows": rows,
                   "title": gettext("Compare valuation versions")}
        return TemplateResponse(request, "valuation/admin/compare.html", context)
