from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    """The AI app's former single room, installed only for its migrations.

    Migrations 0001 and 0002 create the tables of the valuation registry, market trends and
    comparable levels on fresh databases; 0003 hands the models to the `valuation` and `market`
    apps (recommendations/valuation/, recommendations/market/), which keep those tables.
    """

    name = "recommendations"
    verbose_name = _("Recommendations")
