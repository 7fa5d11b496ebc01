from django.urls import path

from .views import AddressSuggestApi, PropertyDetailApi, PropertyListApi, PropertyMapCellsApi

app_name = "properties-api"

urlpatterns = [
    path("properties", PropertyListApi.as_view(), name="list"),
    path("properties/map", PropertyMapCellsApi.as_view(), name="map"),
    path("properties/<int:pk>", PropertyDetailApi.as_view(), name="detail"),
    path("addresses/suggest", AddressSuggestApi.as_view(), name="address-suggest"),
]
