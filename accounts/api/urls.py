from django.urls import path

from . import views

app_name = "accounts-api"

urlpatterns = [
    path("auth/bankid", views.AuthBankIDStartApi.as_view(), name="bankid-start"),
    path("me", views.MeApi.as_view(), name="me"),
    path("me/export", views.MeExportApi.as_view(), name="me-export"),
    path("me/tokens", views.ApiTokenListCreateApi.as_view(), name="tokens"),
    path("me/tokens/<int:token_id>", views.ApiTokenRevokeApi.as_view(), name="token-revoke"),
]

# Collections, saved searches and search history (issue 5).
from . import saved  # noqa: E402

urlpatterns += [
    path("collections", saved.CollectionListCreateApi.as_view(), name="collections"),
    path("collections/<int:collection_id>", saved.CollectionDetailApi.as_view(), name="collection"),
    path("collections/<int:collection_id>/items", saved.CollectionItemListCreateApi.as_view(), name="collection-items"),
    path("collections/<int:collection_id>/items/<int:item_id>", saved.CollectionItemDetailApi.as_view(),
         name="collection-item"),
    path("collections/<int:collection_id>/items/<int:item_id>/move", saved.CollectionItemMoveApi.as_view(),
         name="collection-item-move"),
    path("saved-searches", saved.SavedSearchListCreateApi.as_view(), name="saved-searches"),
    path("saved-searches/<int:saved_search_id>", saved.SavedSearchDetailApi.as_view(), name="saved-search"),
    path("search-history", saved.SearchHistoryListApi.as_view(), name="search-history"),
    path("search-history/<int:entry_id>", saved.SearchHistoryDetailApi.as_view(), name="search-history-entry"),
]
