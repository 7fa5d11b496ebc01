from django.urls import path

from . import views

app_name = "photos-api"

urlpatterns = [
    path("properties/<int:pk>/photos", views.PropertyPhotoListApi.as_view(), name="list"),
    path("properties/<int:pk>/photos/order", views.PropertyPhotoOrderApi.as_view(), name="order"),
    path("photos/<str:key>", views.PhotoDeleteApi.as_view(), name="delete"),
    path("photos/<str:key>/cover", views.PhotoCoverApi.as_view(), name="cover"),
]
