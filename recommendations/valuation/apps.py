from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValuationConfig(AppConfig):
    """The valuation model: training, the version registry, estimates and their explanations."""

    name = "recommendations.valuation"
    label = "valuation"
    verbose_name = _("Valuation")

    def ready(self) -> None:
        # Registers the Celery tasks in every process, so services can enqueue them by name
        # (and eager mode finds them) without importing the task module.
        from . import tasks  # noqa: F401 - imported to register the Celery tasks
