from django.urls import path

from . import views

app_name = "owners"

urlpatterns = [
    path("<int:property_id>/", views.edit, name="edit"),
]
