from django.urls import path

from . import views

app_name = "owners-api"

urlpatterns = [
    path("owners/<int:property_id>/facts", views.OwnerFactsApi.as_view(), name="facts"),
]
