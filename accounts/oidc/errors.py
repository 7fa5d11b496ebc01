class LoginFailed(Exception):
    """A login that must not succeed. ``reason`` is a stable code, safe to log (no personal data)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(LoginFailed):
    """The provider (discovery, JWKS or token endpoint) cannot be reached or answers nonsense."""
