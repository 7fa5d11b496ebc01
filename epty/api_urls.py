from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
    path("", include("properties.api.urls")),
    path("", include("recommendations.valuation.api.urls")),
    path("", include("recommendations.recommender.api.urls")),
    path("", include("recommendations.market.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("offers.api.urls")),
]
