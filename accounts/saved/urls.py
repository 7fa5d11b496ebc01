"""Pages of saved things. Included by accounts/urls.py, so their names are in the "accounts" namespace
(accounts:collections, accounts:saved-searches, …) and their paths under /accounts/."""
from django.urls import path

from . import views

urlpatterns = [
    path("collections/", views.collections, name="collections"),
    path("favourites/", views.favourites, name="favourites"),
    path("collections/<int:collection_id>/", views.collection, name="collection"),
    path("collections/<int:collection_id>/delete/", views.collection_delete, name="collection-delete"),
    path("collections/heart/<int:property_id>/", views.heart, name="heart"),
    path("collections/save/<int:property_id>/", views.save_to_collection, name="save-to-collection"),
    path("collections/items/<int:item_id>/", views.item_update, name="item-update"),
    path("collections/items/<int:item_id>/move/", views.item_move, name="item-move"),
    path("collections/items/<int:item_id>/remove/", views.item_remove, name="item-remove"),
    path("saved-searches/", views.saved_searches, name="saved-searches"),
    path("saved-searches/new/", views.saved_search_create, name="saved-search-create"),
    path("saved-searches/<int:saved_search_id>/", views.saved_search_update, name="saved-search-update"),
    path("saved-searches/<int:saved_search_id>/delete/", views.saved_search_delete, name="saved-search-delete"),
    path("history/", views.history, name="history"),
    path("history/<int:entry_id>/delete/", views.history_delete, name="history-delete"),
    path("history/clear/", views.history_clear, name="history-clear"),
    path("alerts/<uuid:key>/", views.alert_digest, name="alert-digest"),
    path("alerts/unsubscribe/<str:token>/", views.alerts_unsubscribe, name="alerts-unsubscribe"),
]
