from django.apps import apps
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", include("properties.urls")),
    path("api/v1/", include("epty.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("offers/", include("offers.urls")),
    path("owners/", include("owners.urls")),
    path("photos/", include("photos.urls")),
    path("", include("recommendations.recommender.urls")),
    path("", include("recommendations.market.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The valuation registry's admin moved with its app label (recommendations → valuation); old links still land.
    re_path(r"^admin/recommendations/valuationmodelversion/(?P<rest>.*)$",
            RedirectView.as_view(url="/admin/valuation/valuationmodelversion/%(rest)s", query_string=True)),
    path("admin/", admin.site.urls),
]

# Development stand-ins exist only where local or test settings install them (never in production).
if apps.is_installed("standins"):
    urlpatterns.append(path("dev/bankid/", include("standins.bankid.urls")))

# Under /api/ these answer in the API's JSON error shape; elsewhere they are Django's own pages.
handler400 = "epty.api.errors.handler400"
handler403 = "epty.api.errors.handler403"
handler404 = "epty.api.errors.handler404"
handler500 = "epty.api.errors.handler500"
