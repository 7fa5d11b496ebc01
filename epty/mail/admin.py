from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("subject", "to", "kind", "created_at", "sent_at", "attempts")
    list_filter = ("kind",)
    raw_id_fields = ("user",)
    readonly_fields = ("key", "property_ids", "last_error")
