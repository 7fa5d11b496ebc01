from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offers")

    def ready(self) -> None:
        from accounts.services import register_deletion_hook, register_export_section
        from properties.signals import property_viewed

        from . import receivers, services

        register_export_section("offers", services.user_offers_export)
        register_deletion_hook(services.user_offers_anonymise)
        property_viewed.connect(receivers.property_viewed, dispatch_uid="offers.property_viewed")
