from django.urls import path

from .views import PropertyDetailApi, PropertyListApi

urlpatterns = [
    path("properties", PropertyListApi.as_view(), name="api-property-list"),
    path("properties/<int:pk>", PropertyDetailApi.as_view(), name="api-property-detail"),
]
