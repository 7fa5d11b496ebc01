from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User


@admin.register(User)
class EptyUserAdmin(UserAdmin):
    """Staff see who a user is, never the identity number (only whether it is held)."""

    list_display = ("username", "name", "email", "bankid_altsub", "is_staff", "date_joined")
    search_fields = ("username", "name", "email", "bankid_altsub")
    readonly_fields = ("bankid_altsub", "email_confirmed_at", "has_nnin")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("BankID", {"fields": ("bankid_altsub", "name", "birth_date", "email_confirmed_at", "language",
                               "preferences", "has_nnin")}),
    )

    @admin.display(boolean=True, description=_("identity number held"))
    def has_nnin(self, obj):
        return obj.has_nnin


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    exclude = ("secret_hash",)
