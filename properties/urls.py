from django.urls import path

from . import views

app_name = "properties"
urlpatterns = [
    path("", views.search, name="search"),
    path("properties/<int:pk>/", views.detail, name="detail"),
]
