from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    """Recommendations from stated preferences and the user's own saves and searches."""

    name = "recommendations.recommender"
    label = "recommender"
    verbose_name = "Recommender"
