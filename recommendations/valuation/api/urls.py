from django.urls import path

from .views import PropertyValuationApi

app_name = "valuation-api"

urlpatterns = [
    path("properties/<int:pk>/valuation", PropertyValuationApi.as_view(), name="property-valuation"),
]
