"""Project-wide test fixtures."""
import pytest


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """Tests read the English source strings; the Bokmål default has tests of its own."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (Redis in CI, in-process locally)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
