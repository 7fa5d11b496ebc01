"""CSRF: every page view that changes something needs the token, except the one-click unsubscribe (the
signed token in its address is the credential, RFC 8058) and the BankID stand-in's token endpoint (called
server to server with client credentials, development only). API views are DRF's: its session
authentication enforces CSRF itself."""
from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView


def routes(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or pattern.lookup_str}", pattern.callback


def test_only_the_one_click_unsubscribe_page_is_exempt_from_csrf():
    exempt = {name for name, view in routes(get_resolver().url_patterns)
              if getattr(view, "csrf_exempt", False) and not issubclass(getattr(view, "cls", object), APIView)}
    assert exempt == {"accounts:alerts-unsubscribe", "bankid_standin:token"}
