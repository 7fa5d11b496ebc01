from django.contrib import admin

from .models import Collection, SavedProperty, SavedSearch, SearchHistoryEntry


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "is_default", "created_at")
    raw_id_fields = ("user",)
    search_fields = ("name", "user__username")


@admin.register(SavedProperty)
class SavedPropertyAdmin(admin.ModelAdmin):
    list_display = ("property", "collection", "created_at")
    raw_id_fields = ("collection", "property")


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "frequency", "last_notified")
    list_filter = ("frequency",)
    raw_id_fields = ("user",)


@admin.register(SearchHistoryEntry)
class SearchHistoryEntryAdmin(admin.ModelAdmin):
    list_display = ("user", "via", "result_count", "created_at")
    raw_id_fields = ("user",)
