"""axe-core in chromium: the search page, a property page, the favourites page and the offer form have no
serious or critical accessibility violations, in Bokmål and English, on a desktop and a phone."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from accounts.saved import services as saved_services
from properties.tests.factories import make_catalogue

from .factories import HIGH_ACR, BuyerFactory

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


def logged_in_context(browser, live_server, user, *, locale: str, viewport: dict):
    client = Client()
    client.force_login(user)
    session = client.session
    session["bankid_acr"] = HIGH_ACR  # as after a BankID login at the level offers need
    session.save()
    # bypass_csp: the checker is injected into the page by the test, not served by the site.
    context = browser.new_context(locale=locale, viewport=viewport, bypass_csp=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def serious_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("locale", "viewport"), [
    ("nb-NO", {"width": 1280, "height": 900}),
    ("en-GB", {"width": 390, "height": 844}),
])
def test_search_property_favourites_and_offer_form_have_no_serious_accessibility_violations(
        browser, live_server, locale, viewport):
    props = make_catalogue(60, seed=5)
    buyer = BuyerFactory()
    prop = props[0]
    saved_services.property_heart_toggle(user=buyer, property_id=prop.pk)
    context = logged_in_context(browser, live_server, buyer, locale=locale, viewport=viewport)
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    found = {}
    for path in ["/", "/?municipality=Trondhjem", f"/properties/{prop.pk}/", "/accounts/favourites/",
                 f"/offers/property/{prop.pk}/offer/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    context.close()
    assert not found, found


@pytest.mark.browser
def test_the_checker_finds_a_serious_violation_when_there_is_one(browser):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="en"><body><main><img src="x.png"><button></button>'
                     '<p style="color:#eee;background:#fff">faint</p></main></body></html>')
    found = {v["id"] for v in serious_violations(page)}
    context.close()
    assert {"image-alt", "button-name", "color-contrast"} <= found
