from django.urls import include, path

from . import views

app_name = "accounts-api"

urlpatterns = [
    path("auth/bankid", views.AuthBankIDStartApi.as_view(), name="bankid-start"),
    path("me", views.MeApi.as_view(), name="me"),
    path("me/email", views.MeEmailChangeApi.as_view(), name="me-email"),
    path("me/export", views.MeExportApi.as_view(), name="me-export"),
    path("me/tokens", views.ApiTokenListCreateApi.as_view(), name="tokens"),
    path("me/tokens/<int:token_id>", views.ApiTokenRevokeApi.as_view(), name="token-revoke"),
    # Collections, saved searches and search history: the saved app's, under this namespace.
    path("", include("accounts.saved.api.urls")),
]
