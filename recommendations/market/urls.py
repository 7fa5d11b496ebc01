"""Market trends pages, included from epty/urls.py."""
from django.urls import path

from .views import trends_page

app_name = "market"
urlpatterns = [
    path("market/trends/", trends_page, name="trends"),
]
