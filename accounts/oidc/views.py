"""Callback and logout of the BankID login (mozilla-django-oidc's views, subclassed; the start is in
``authorize.py``).

Every failure of the callback becomes the login-failed page (HTTP 400/429/503) and one log line
with a reason code and no personal data; never a 500, never a session.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.http import HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from .. import ratelimit
from .errors import LoginFailed, ProviderUnavailable
from .provider import client_config, discovery

logger = logging.getLogger("accounts.oidc")


def login_failed_page(request, reason: str, status: int = 400):
    # No new session is made. An existing one is left alone (logging out here would let any site
    # log a user out by linking to a broken callback).
    return render(request, "accounts/login_failed.html", {"reason": reason}, status=status)


class BankIDCallback(OIDCAuthenticationCallbackView):
    """The redirect back from the provider. State is single-use; all errors are pages."""

    def get(self, request):
        allowed, _wait = ratelimit.allow("bankid-callback", ratelimit.client_ip(request),
                                         limit=settings.BANKID_LOGIN_RATE, window=settings.BANKID_LOGIN_RATE_WINDOW)
        if not allowed:
            logger.warning("BankID login failed: reason=rate_limited")
            return login_failed_page(request, "rate_limited", status=429)
        try:
            return self._callback(request)
        except ProviderUnavailable as exc:
            logger.warning("BankID login failed: reason=%s", exc.reason)
            return login_failed_page(request, exc.reason, status=503)
        except LoginFailed as exc:
            logger.warning("BankID login failed: reason=%s", exc.reason)
            return login_failed_page(request, exc.reason)

    def _callback(self, request):
        states = request.session.get("oidc_states")
        state = request.GET.get("state")
        entry = states.get(state) if isinstance(states, dict) and isinstance(state, str) else None
        if entry is not None:
            del states[state]  # single use, whatever follows
            request.session.modified = True
            request.session.save()
        if request.GET.get("error"):
            raise LoginFailed("cancelled" if request.GET["error"] == "access_denied" else "provider_error")
        if entry is None:
            raise LoginFailed("state")
        if not request.GET.get("code"):
            raise LoginFailed("no_code")
        next_url = request.session.get("oidc_login_next")
        if request.user.is_authenticated:
            auth.logout(request)  # a new login replaces whoever was logged in
        self.user = auth.authenticate(request=request, nonce=entry.get("nonce"),
                                      code_verifier=entry.get("code_verifier"))
        if self.user is None or not self.user.is_active:
            raise LoginFailed("inactive_user")
        id_token = request.session.get("oidc_id_token")
        auth.login(request, self.user, backend="accounts.oidc.backend.BankIDBackend")
        if id_token:
            request.session["oidc_id_token"] = id_token  # for id_token_hint at logout
        request.session["bankid_issuer"] = client_config(request).issuer
        request.session["bankid_acr"] = getattr(request, "bankid_acr", None)  # submitting an offer checks it
        logger.info("BankID login succeeded: user_id=%s", self.user.pk)
        return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_POST
def logout(request):
    """End the local session, then the provider's (RP-initiated logout) where it has an end-session endpoint."""
    target = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    id_token = request.session.get("oidc_id_token")
    issuer = request.session.get("bankid_issuer")
    auth.logout(request)
    if not issuer:
        return HttpResponseRedirect(target)
    try:
        config = client_config(request)
        end_session = discovery(config.issuer).get("end_session_endpoint") if config.issuer == issuer else None
    except LoginFailed:
        end_session = None
    if not end_session:
        return HttpResponseRedirect(target)
    params = {"client_id": config.client_id, "post_logout_redirect_uri": target}
    if id_token:
        params["id_token_hint"] = id_token
    return HttpResponseRedirect(f"{end_session}?{urlencode(params)}")
