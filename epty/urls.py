from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("properties.urls")),
    path("api/v1/", include("epty.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("offers/", include("offers.urls")),
    path("", include("recommendations.pages_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Development stand-ins exist only where local or test settings install them (never in production).
if apps.is_installed("standins"):
    urlpatterns.append(path("dev/bankid/", include("standins.bankid.urls")))
