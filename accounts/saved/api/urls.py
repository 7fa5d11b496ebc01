"""API of saved things. Included by accounts/api/urls.py, so their names are in the "accounts-api"
namespace (accounts-api:collections, …) and their paths under /api/v1/."""
from django.urls import path

from . import views

urlpatterns = [
    path("collections", views.CollectionListCreateApi.as_view(), name="collections"),
    path("collections/<int:collection_id>", views.CollectionDetailApi.as_view(), name="collection"),
    path("collections/<int:collection_id>/items", views.CollectionItemListCreateApi.as_view(), name="collection-items"),
    path("collections/<int:collection_id>/items/<int:item_id>", views.CollectionItemDetailApi.as_view(),
         name="collection-item"),
    path("collections/<int:collection_id>/items/<int:item_id>/move", views.CollectionItemMoveApi.as_view(),
         name="collection-item-move"),
    path("saved-searches", views.SavedSearchListCreateApi.as_view(), name="saved-searches"),
    path("saved-searches/<int:saved_search_id>", views.SavedSearchDetailApi.as_view(), name="saved-search"),
    path("search-history", views.SearchHistoryListApi.as_view(), name="search-history"),
    path("search-history/<int:entry_id>", views.SearchHistoryDetailApi.as_view(), name="search-history-entry"),
]
