from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommenderConfig(AppConfig):
    """Recommendations from stated preferences and the user's own saves and searches."""

    name = "recommendations.recommender"
    label = "recommender"
    verbose_name = _("Recommender")
