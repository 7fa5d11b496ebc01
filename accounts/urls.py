from django.urls import path

from . import views
from .oidc import views as oidc_views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("bankid/callback/", oidc_views.BankIDCallback.as_view(), name="bankid-callback"),
    path("logout/", oidc_views.logout, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/email/", views.email_change, name="email-change"),
    path("profile/email/<str:token>/", views.email_confirm, name="email-confirm"),
    path("profile/tokens/", views.tokens, name="tokens"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("profile/export/", views.export, name="export"),
    path("profile/delete/", views.delete, name="delete"),
]

# Collections, saved searches, search history and alerts (issue 5).
from .saved import views as saved_views  # noqa: E402

urlpatterns += [
    path("collections/", saved_views.collections, name="collections"),
    path("collections/<int:collection_id>/", saved_views.collection, name="collection"),
    path("collections/<int:collection_id>/delete/", saved_views.collection_delete, name="collection-delete"),
    path("collections/heart/<int:property_id>/", saved_views.heart, name="heart"),
    path("collections/save/<int:property_id>/", saved_views.save_to_collection, name="save-to-collection"),
    path("collections/items/<int:item_id>/", saved_views.item_update, name="item-update"),
    path("collections/items/<int:item_id>/move/", saved_views.item_move, name="item-move"),
    path("collections/items/<int:item_id>/remove/", saved_views.item_remove, name="item-remove"),
    path("saved-searches/", saved_views.saved_searches, name="saved-searches"),
    path("saved-searches/new/", saved_views.saved_search_create, name="saved-search-create"),
    path("saved-searches/<int:saved_search_id>/", saved_views.saved_search_update, name="saved-search-update"),
    path("saved-searches/<int:saved_search_id>/delete/", saved_views.saved_search_delete, name="saved-search-delete"),
    path("history/", saved_views.history, name="history"),
    path("history/<int:entry_id>/delete/", saved_views.history_delete, name="history-delete"),
    path("history/clear/", saved_views.history_clear, name="history-clear"),
    path("alerts/<uuid:key>/", saved_views.alert_digest, name="alert-digest"),
    path("alerts/unsubscribe/<str:token>/", saved_views.alerts_unsubscribe, name="alerts-unsubscribe"),
]
