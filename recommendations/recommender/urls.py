"""The recommender's pages, included from epty/urls.py."""
from django.urls import path

from .views import recommended_page

app_name = "recommender"
urlpatterns = [
    path("recommended/", recommended_page, name="recommended"),
]
