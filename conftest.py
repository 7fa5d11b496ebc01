"""Project-wide test fixtures."""
import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Under pytest-xdist (`make test` runs two workers) each worker has its own test database (pytest-django
    adds the worker id to its name) and its own keys in the shared Redis database: `_isolated_cache` empties
    only these between tests, so one worker never wipes what another's test has just cached."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    from django.conf import settings
    from django.test.utils import override_settings

    if "KEY_PREFIX" in settings.CACHES["default"]:
        override_settings(CACHES={"default": {**settings.CACHES["default"], "KEY_PREFIX": f"epty-{worker}"}}).enable()


def pytest_collection_modifyitems(config, items):
    """Tests marked slow go first: on two workers, a minutes-long test started last would run alone at the end.

    Tests marked replica need the streaming replica that `make test-replica` makes and names in
    DATABASE_REPLICA_URL; without it they are left out (deselected, whatever -m says). A `make test-replica`
    whose replica could not be made then collects nothing, which pytest reports as a failure (exit code 5)."""
    if not os.environ.get("DATABASE_REPLICA_URL"):
        replica = [item for item in items if item.get_closest_marker("replica")]
        if replica:
            config.hook.pytest_deselected(items=replica)
            items[:] = [item for item in items if not item.get_closest_marker("replica")]
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """Tests read the English source strings; the Bokmål default has tests of its own."""
    settings.LANGUAGE_CODE = "en"


def _empty_cache() -> None:
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):  # django-redis: this run's keys only (the prefix names the xdist worker)
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (Redis in CI, in-process locally)."""
    _empty_cache()
    yield
    _empty_cache()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, driven by Playwright. Missing chromium fails the test; it is never skipped."""
    import os

    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    # Playwright's sync API runs an event loop; Django must allow its ORM calls in tests meanwhile.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page that may only reach the test server (map tiles and the like are blocked)."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    yield page
    context.close()
