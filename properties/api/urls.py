from django.urls import path

from .views import AddressSuggestApi, PropertyDetailApi, PropertyListApi, PropertyMapCellsApi

urlpatterns = [
    path("properties", PropertyListApi.as_view(), name="api-property-list"),
    path("properties/map", PropertyMapCellsApi.as_view(), name="api-property-clusters"),
    path("properties/<int:pk>", PropertyDetailApi.as_view(), name="api-property-detail"),
    path("addresses/suggest", AddressSuggestApi.as_view(), name="api-address-suggest"),
]
