from django.urls import path

from .views import MarketTrendsApi

app_name = "market-api"

urlpatterns = [
    path("market/trends", MarketTrendsApi.as_view(), name="trends"),
]
