import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Property, PropertySale, SyncRun, SyncState


class PropertySaleInline(admin.TabularInline):
    model = PropertySale
    extra = 0
    fields = ("sold_on", "price", "true_value", "source")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Property)
class PropertyAdmin(admin.ModelAdmin):
    list_display = ("external_id", "address", "municipality_name", "category", "building_type_code",
                    "usable_area", "estimate", "source", "retired_at")
    list_filter = ("category", "source", "county_name", ("retired_at", admin.EmptyFieldListFilter))
    search_fields = ("=external_id", "address", "postcode", "municipality_name")
    show_full_result_count = False  # COUNT(*) over a million rows on every page is wasteful
    list_per_page = 50
    readonly_fields = ("external_id", "matrikkelenhet_id", "source", "feature_mask", "content_hash", "search_text",
                       "payload", "upstream_changed_at", "estimate_source", "estimated_at", "created_at", "updated_at",
                       "sources", "addresses")
    exclude = ("upstream_payload", "fact_sources")
    fieldsets = (
        (None, {"fields": ("external_id", "matrikkelenhet_id", "source", "category", "building_type_code")}),
        (_("Location"), {"fields": ("address", "postcode", "town", "addresses", "municipality_number",
                                 "municipality_name", "county_number", "county_name", "lat", "lon")}),
        (_("Sources of the facts"), {"fields": ("sources",)}),
        (_("Building"), {"fields": ("usable_area", "plot_area", "rooms", "bedrooms", "floors", "year_built",
                                 "features", "feature_mask")}),
        (_("Estimate"), {"fields": ("estimate", "estimate_low", "estimate_high", "estimate_source", "estimated_at")}),
        (_("Upstream"), {"fields": ("payload", "upstream_changed_at", "content_hash", "search_text", "retired_at",
                                 "created_at", "updated_at")}),
    )
    inlines = [PropertySaleInline]
    actions = ["refresh_from_matrikkelen"]

    @admin.action(description=_("Refresh from Matrikkelen"))
    def refresh_from_matrikkelen(self, request, queryset):
        from .matrikkelen.sync import matrikkel_refresh_property

        for prop in queryset[:50]:  # a hand tool: at most 50 at a time
            run = matrikkel_refresh_property(property_id=prop.pk)
            if run.status == SyncRun.Status.SUCCEEDED:
                self.message_user(request, gettext(
                    "%(ident)s: refreshed from Matrikkelen (%(updated)s updated, %(retired)s retired).")
                    % {"ident": prop.external_id, "updated": run.updated, "retired": run.retired}, messages.SUCCESS)
            else:
                error = (run.errors or [{}])[-1]
                self.message_user(request, gettext("%(ident)s: refresh failed: %(error)s")
                                  % {"ident": prop.external_id, "error": error.get("message", "")}, messages.ERROR)

    @admin.display(description=_("Fact sources"))
    def sources(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.fact_sources, indent=2, ensure_ascii=False))

    @admin.display(description=_("Upstream payload"))
    def payload(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.upstream_payload, indent=2, ensure_ascii=False, default=str))

    def has_add_permission(self, request):
        return False  # properties come from Matrikkelen (or the demo generator), not by hand

    def has_delete_permission(self, request, obj=None):
        return False  # retired, never deleted: offers and favourites point at properties


@admin.register(PropertySale)
class PropertySaleAdmin(admin.ModelAdmin):
    list_display = ("property", "sold_on", "price", "source")
    list_filter = ("source", "sold_on")
    search_fields = ("=property__external_id",)
    date_hierarchy = "sold_on"
    raw_id_fields = ("property",)
    show_full_result_count = False
    list_select_related = ("property",)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    """Matrikkelen sync runs, read-only, with the read cache's counters above the list."""

    list_display = ("id", "kind", "status", "scope", "source", "started_at", "finished_at", "checkpoint_before",
                    "checkpoint_after", "created", "updated", "retired", "failed")
    list_filter = ("kind", "status", "scope")
    readonly_fields = [f.name for f in SyncRun._meta.fields if f.name != "errors"] + ["error_list"]
    exclude = ("errors",)
    date_hierarchy = "started_at"

    @admin.display(description=_("errors"))
    def error_list(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.errors, indent=2, ensure_ascii=False))

    def changelist_view(self, request, extra_context=None):
        from .matrikkelen.cache import stats

        counters = stats()
        states = ", ".join(
            gettext("%(scope)s: checkpoint %(checkpoint)s") % {"scope": s.scope, "checkpoint": s.checkpoint}
            + (gettext(" (full import at %(cursor)s)") % {"cursor": s.full_cursor} if s.full_cursor is not None else "")
            for s in SyncState.objects.order_by("scope"))
        summary = gettext(
            "hit ratio %(hit_ratio)s, stale answers %(stale_share)s of those (on average %(age)s s old); "
            "hits %(hits)s, stale %(stale)s, misses %(misses)s, errors %(errors)s, upstream calls %(calls)s"
        ) % {"hit_ratio": f"{counters['hit_ratio']:.1%}", "stale_share": f"{counters['stale_share']:.1%}",
             "age": f"{counters['mean_stale_age_seconds']:,.0f}", "hits": f"{counters['hits']:,}",
             "stale": f"{counters['stale']:,}", "misses": f"{counters['misses']:,}",
             "errors": f"{counters['errors']:,}", "calls": f"{counters['upstream_calls']:,}"}
        message = gettext("Matrikkelen read cache: %(summary)s") % {"summary": summary}
        if states:
            message += gettext(". Sync position — %(states)s") % {"states": states}
        self.message_user(request, message, messages.INFO)
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
