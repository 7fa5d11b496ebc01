"""`make test` runs the suite on two pytest-xdist workers: each must keep its own cache keys."""
import os

from django.core.cache import cache


def test_each_xdist_worker_caches_under_its_own_prefix(settings):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared_redis = "KEY_PREFIX" in settings.CACHES["default"]
    expected = f"epty-{worker}" if worker and shared_redis else settings.CACHES["default"].get("KEY_PREFIX", "")
    assert cache.key_prefix == expected
    if worker and shared_redis:
        assert cache.make_key("k").startswith(f"epty-{worker}:")


def test_emptying_the_cache_between_tests_leaves_other_workers_keys_alone():
    from conftest import _empty_cache

    if not hasattr(cache, "delete_pattern"):  # the in-process cache belongs to this process alone
        _empty_cache()
        assert cache.get("k") is None
        return
    client = cache.client.get_client()
    client.set("epty-another-worker:1:k", "theirs")
    cache.set("k", "mine")
    try:
        _empty_cache()
        assert cache.get("k") is None
        assert client.get("epty-another-worker:1:k") == b"theirs"
    finally:
        client.delete("epty-another-worker:1:k")
