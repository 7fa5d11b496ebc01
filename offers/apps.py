from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        from accounts.services import register_deletion_hook, register_export_section

        from . import services

        register_export_section("offers", services.user_offers_export)
        register_deletion_hook(services.user_offers_anonymise)
