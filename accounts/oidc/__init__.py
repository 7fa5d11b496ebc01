"""BankID login over OpenID Connect: mozilla-django-oidc, subclassed where it falls short (see docs)."""
