"""API routes for recommendations and market trends (issue 8), included from epty/api_urls.py."""
from django.urls import path

from .recommend import RecommendApi
from .trends import MarketTrendsApi

urlpatterns = [
    path("ai/recommend", RecommendApi.as_view(), name="api-ai-recommend"),
    path("market/trends", MarketTrendsApi.as_view(), name="api-market-trends"),
]
