from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("properties.urls")),
    path("api/v1/", include("epty.api_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
