"""Project-wide test fixtures."""
import pytest


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (Redis in CI, in-process locally)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
