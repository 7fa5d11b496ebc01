"""DRF authentication with personal API tokens: `Authorization: Token <secret>` or `Bearer <secret>`."""
from __future__ import annotations

import datetime as dt
import hmac

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ..models import ApiToken
from ..services import TOKEN_PREFIX, token_hash

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."), code="invalid_token")
        try:
            plain = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="invalid_token") from exc
        parts = plain.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="invalid_token")
        # From the primary even with a read replica (epty/replica.py): a token revoked or made just now counts at once.
        token = (ApiToken.objects.using(DEFAULT_DB_ALIAS).select_related("user")
                 .filter(prefix=parts[1], revoked_at__isnull=True).first())
        if token is None or not hmac.compare_digest(token.secret_hash, token_hash(plain)):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."), code="invalid_token")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account is inactive."), code="inactive_user")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (create one on your profile page): `Authorization: Bearer epty_…`.",
        }
