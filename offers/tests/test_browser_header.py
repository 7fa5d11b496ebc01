"""The site header in chromium, logged in as a verified owner (the most links): one line on a 1280 px desktop in
English and in Bokmål (whose words are longer), the account's links under "My account"; where one line does not fit,
and on a phone, the menu goes behind a button that lists every link."""
from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, OwnershipClaim

from .factories import PropertyFactory
from .test_browser import OWNER_ALTSUB, bankid_login

# The header's links as a person sees them on a desktop, first to last.
ONE_LINE = ["nav-search", "nav-trends", "nav-recommended", "nav-offers", "nav-received", "nav-owner",
            "account-menu-toggle", "language-select"]
ACCOUNT = ["nav-profile", "nav-favourites", "nav-collections", "nav-saved-searches-top", "nav-history-top",
           "nav-logout"]


def _tops(page, ids: list[str]) -> dict[str, float]:
    return {i: page.locator(f"#{i}").bounding_box()["y"] for i in ids}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en-GB", "nb-NO"])
def test_an_owners_header_keeps_to_one_line_at_1280_px_and_folds_behind_a_menu_where_it_cannot(
        browser, live_server, settings, locale):
    settings.DEBUG = True
    settings.BANKID_ISSUER = ""
    # Given a verified owner logged in with BankID on a 1280 px wide desktop
    owner = UserFactory(bankid_altsub=OWNER_ALTSUB, name="Aisha Berg")
    OwnershipClaim.objects.create(property=PropertyFactory(), user=owner, statement="Mine",
                                  status=ClaimStatus.VERIFIED)
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    bankid_login(page, live_server, OWNER_ALTSUB, "/offers/owner/")

    # Then the first and the last navigation link are on the same line, and so is everything else in the header
    first, last = _tops(page, ["nav-search", "nav-owner"]).values()
    assert abs(first - last) < 10, f"the navigation wraps: its first link at y={first}, its last at y={last}"
    tops = _tops(page, ONE_LINE)
    assert max(tops.values()) - min(tops.values()) < 10, tops
    assert not page.locator("#menu-toggle").is_visible()
    # and the account's links open from "My account", under it
    assert not page.locator("#nav-favourites").is_visible()
    page.click("#account-menu-toggle")
    for link_id in ACCOUNT:
        assert page.locator(f"#{link_id}").is_visible(), link_id
    assert page.locator("#nav-profile").inner_text() == "Aisha Berg"
    page.keyboard.press("Escape")
    assert not page.locator("#nav-favourites").is_visible()

    # When the window narrows until the line cannot fit, then the menu folds behind a button, nothing wraps
    page.set_viewport_size({"width": 1000, "height": 800})
    menu = page.locator("#menu-toggle")
    menu.wait_for(state="visible")
    assert not page.locator("#nav-search").is_visible()
    assert page.evaluate("document.getElementById('site-header').getBoundingClientRect().height") < 80
    # and widening it again brings the line back
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#nav-owner").wait_for(state="visible")
    assert not menu.is_visible()

    # On a phone, the menu lists every link, the account's too, without another tap
    page.set_viewport_size({"width": 390, "height": 844})
    menu.click()
    for link_id in [*ONE_LINE[:6], *ACCOUNT, "language-select"]:
        assert page.locator(f"#{link_id}").is_visible(), link_id
    assert not page.locator("#account-menu-toggle").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
