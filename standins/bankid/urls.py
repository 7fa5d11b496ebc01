from django.conf import settings
from django.urls import path

from . import views

app_name = "bankid_standin"

# Production settings forbid the stand-in: its URLs do not even exist there.
urlpatterns = [
    path("", views.root, name="root"),
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("jwks", views.jwks, name="jwks"),
    path("authorize", views.authorize, name="authorize"),
    path("token", views.token, name="token"),
    path("logout", views.end_session, name="end-session"),
] if settings.BANKID_STANDIN_ALLOWED else []
