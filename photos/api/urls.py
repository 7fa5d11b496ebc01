from django.urls import path

from . import views

app_name = "photos-api"

urlpatterns = [
    path("properties/<int:pk>/photos", views.PropertyPhotoListApi.as_view(), name="list"),
]
