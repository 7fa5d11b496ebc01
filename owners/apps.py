from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OwnersConfig(AppConfig):
    name = "owners"
    verbose_name = _("Owners")

    def ready(self) -> None:
        from accounts.services import register_deletion_hook, register_export_section
        from offers.services import register_claim_end_hook

        from . import services

        register_export_section("owners", services.user_owner_content_export)
        register_deletion_hook(services.user_owner_content_remove)
        register_claim_end_hook(services.claim_owner_content_release)
