from django.urls import include, path

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
    # Collections, saved searches, search history and alert pages: the saved app's, under this namespace.
    path("", include("accounts.saved.urls")),
]
