"""In Debian's chromium: the main pages keep to the Content-Security-Policy (no violation reported by the
browser), and the API docs render their operations from this site alone (no request leaves it)."""
from __future__ import annotations

import pytest
from django.test import Client

from accounts.saved.services import saved_property_add
from accounts.tests.conftest import login_browser  # noqa: F401 - a fixture: this module's own chromium
from accounts.tests.factories import UserFactory
from properties.tests.factories import PropertyFactory
from recommendations.market.services import market_trends_refresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEAD_SSB = "http://127.0.0.1:9/api/v0/no/table/"  # nothing listens: the refresh uses the recorded answer
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at "
                              + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def watched(login_browser, live_server):  # noqa: F811 - the fixture imported above
    """A page that records CSP violations (event and console), every request it makes, and may reach
    only the test server (map tiles from Kartverket are allowed by the policy and then blocked here)."""
    context = login_browser.new_context(locale="en-GB")
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded machine
    page.requests = []
    page.console_csp = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: "Content Security Policy" in message.text and page.console_csp.append(
        message.text))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    yield page
    context.close()


def log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def visit(page, url: str, ready: str):
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self' 'nonce-" in policy or "script-src 'self'" in policy, (url, policy)
    violations = page.evaluate("window.__cspViolations")
    assert violations == [] and page.console_csp == [], (url, violations, page.console_csp)
    return response


def test_the_main_pages_keep_to_the_content_security_policy(watched, live_server):
    page = watched
    homes = [PropertyFactory(lat=59.91 + n / 100, lon=10.75) for n in range(3)]
    market_trends_refresh(base_url=DEAD_SSB)
    user = UserFactory(is_staff=True, is_superuser=True, language="en")
    saved_property_add(user=user, property_id=homes[0].pk)

    visit(page, f"{live_server.url}/?municipality=0301", "#map .leaflet-marker-icon")
    assert page.locator("#map .leaflet-marker-icon").count() == 3  # Leaflet ran: script, styles and icons allowed
    # The policy let the map ask Kartverket for its tiles (a request the policy blocks never starts; this
    # page's route then stops it from leaving the machine).
    assert any(url.startswith("https://cache.kartverket.no/v1/wmts/") for url in page.requests)
    visit(page, f"{live_server.url}/properties/{homes[0].pk}/", "#map .leaflet-marker-icon")
    visit(page, f"{live_server.url}/market/trends/", "main")
    visit(page, f"{live_server.url}/accounts/login/", "#bankid-login")
    with page.expect_navigation():
        page.select_option("#language-select", "nb")  # the header's language switch, now from a static script
    assert page.locator("html").get_attribute("lang") == "nb"
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate("window.__cspViolations") == [] and page.console_csp == []

    log_in(page, live_server, user)
    visit(page, f"{live_server.url}/accounts/collections/", "main")
    assert page.locator("main").inner_text().count("Favourites") >= 1
    visit(page, f"{live_server.url}/accounts/profile/", "#email-form")
    visit(page, f"{live_server.url}/recommended/", "main")
    visit(page, f"{live_server.url}/offers/", "main")
    visit(page, f"{live_server.url}/offers/property/{homes[0].pk}/claim/", "main")
    visit(page, f"{live_server.url}/admin/", "#content")
    visit(page, f"{live_server.url}/admin/accounts/user/", "#result_list")
    visit(page, f"{live_server.url}/admin/accounts/user/{user.pk}/change/", "#user_form")
    visit(page, f"{live_server.url}/admin/properties/property/", "#result_list")


def test_the_api_docs_render_their_operations_from_this_site_alone(watched, live_server):
    page = watched
    response = visit(page, f"{live_server.url}/api/v1/docs/", ".opblock")
    assert "'nonce-" in response.headers["content-security-policy"]  # its inline start-up script is allowed by nonce
    assert page.locator(".opblock").count() >= 20
    assert page.locator(".opblock-summary-path", has_text="/api/v1/ai/recommend").count() == 1
    outside = [url for url in page.requests if not url.startswith(live_server.url)]
    assert outside == []
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in page.requests)
