from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    """Market trends per region (SSB and epty's own sales) and comparable levels."""

    name = "recommendations.market"
    label = "market"
    verbose_name = _("Market trends")

    def ready(self) -> None:
        # Registers the Celery task in every process (beat and eager mode find it by name).
        from . import tasks  # noqa: F401 - imported to register the Celery tasks
