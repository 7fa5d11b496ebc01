from django.apps import AppConfig


class OwnersConfig(AppConfig):
    name = "owners"
    verbose_name = "Owners"

    def ready(self) -> None:
        from accounts.services import register_deletion_hook, register_export_section
        from offers.services import register_claim_end_hook

        from . import services

        register_export_section("owners", services.user_owner_content_export)
        register_deletion_hook(services.user_owner_content_remove)
        register_claim_end_hook(services.claim_owner_content_release)
