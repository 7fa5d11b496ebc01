from django.urls import path

from .views import RecommendApi

app_name = "recommender-api"

urlpatterns = [
    path("ai/recommend", RecommendApi.as_view(), name="recommend"),
]
