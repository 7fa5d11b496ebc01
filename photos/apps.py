from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhotosConfig(AppConfig):
    name = "photos"
    verbose_name = _("Photos")

    def ready(self) -> None:
        from accounts.services import register_deletion_hook, register_export_section
        from offers.services import register_claim_end_hook

        from . import services

        register_export_section("photos", services.user_photos_export)
        register_deletion_hook(services.user_photos_release)
        register_claim_end_hook(services.claim_photos_release)
