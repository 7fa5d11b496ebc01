from django.urls import path

from . import views

app_name = "photos"

urlpatterns = [
    path("<int:property_id>/", views.manage, name="manage"),
    path("<int:property_id>/upload/", views.upload, name="upload"),
    path("<int:property_id>/reorder/", views.reorder, name="reorder"),
    path("photo/<str:key>/delete/", views.delete, name="delete"),
    path("photo/<str:key>/cover/", views.cover, name="cover"),
    path("photo/<str:key>/move/", views.move, name="move"),
    path("file/<str:key>/<str:size>.jpg", views.photo_file, name="file"),
]
