from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SavedConfig(AppConfig):
    name = "accounts.saved"
    label = "saved"
    verbose_name = _("Saved properties and searches")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.services import register_export_section

        from . import receivers  # noqa: F401 - connects the receiver that records search history
        from .selectors import export_section

        # Rows cascade with the user (no deletion hook needed); the data export gets a section.
        register_export_section("saved", export_section)
