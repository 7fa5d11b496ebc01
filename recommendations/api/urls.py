from django.urls import path

from .views import PropertyValuationApi

urlpatterns = [
    path("properties/<int:pk>/valuation", PropertyValuationApi.as_view(), name="api-property-valuation"),
]
