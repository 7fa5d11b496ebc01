"""/api/v1/: every app's api.urls once, each under its own namespace; the schema and its docs under "api"."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

schema_urls = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
         name="docs"),
]

urlpatterns = [
    path("", include((schema_urls, "api"))),
    path("", include("properties.api.urls")),
    path("", include("recommendations.valuation.api.urls")),
    path("", include("recommendations.recommender.api.urls")),
    path("", include("recommendations.market.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("offers.api.urls")),
    path("", include("owners.api.urls")),
    path("", include("photos.api.urls")),
]
