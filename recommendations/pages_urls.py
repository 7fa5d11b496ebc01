"""Pages for recommendations and market trends (issue 8), included from epty/urls.py."""
from django.urls import path

from .recommender.views import recommended_page
from .trends.views import trends_page

app_name = "recommender"
urlpatterns = [
    path("recommended/", recommended_page, name="recommended"),
    path("market/trends/", trends_page, name="trends"),
]
