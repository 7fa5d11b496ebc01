"""In chromium: an owner uploads three photos on the manager page and a visitor sees them in the property
page's gallery, choosing one with the keyboard; axe finds no serious violation on either page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, OwnershipClaim
from offers.tests.factories import PropertyFactory, verified_owner
from offers.tests.test_accessibility import logged_in_context, serious_violations
from offers.tests.test_browser import OWNER_ALTSUB, bankid_login, image_loaded, new_page
from photos import services

from .conftest import encoded, jpeg_with_gps, two_colour, upload


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_owner_uploads_three_photos_and_a_visitor_browses_the_gallery(browser, live_server, settings, tmp_path):
    settings.DEBUG = True
    settings.BANKID_ISSUER = ""
    prop = PropertyFactory(address="Fjordvegen 7")
    owner = UserFactory(bankid_altsub=OWNER_ALTSUB, name="Aisha Berg")
    OwnershipClaim.objects.create(property=prop, user=owner, statement="Mine", status=ClaimStatus.VERIFIED)
    files = []
    for name, data in (("garden.jpg", jpeg_with_gps()), ("kitchen.png", encoded(two_colour(), "PNG")),
                       ("living.webp", encoded(two_colour(300, 300), "WEBP"))):
        path = tmp_path / name
        path.write_bytes(data)
        files.append(str(path))

    owner_page = new_page(browser, live_server)
    bankid_login(owner_page, live_server, OWNER_ALTSUB, f"/properties/{prop.pk}/")
    owner_page.click("#gallery-manage")
    owner_page.wait_for_url(f"{live_server.url}/photos/{prop.pk}/")
    owner_page.set_input_files("#photo-files", files)
    owner_page.click("#photo-upload-submit")
    owner_page.wait_for_selector("text=3 photos added.")
    assert owner_page.locator("#photo-list li[data-photo]").count() == 3

    visitor = new_page(browser, live_server)
    visitor.goto(f"{live_server.url}/properties/{prop.pk}/")
    thumbs = visitor.locator("#gallery-thumbs a")
    assert thumbs.count() == 3
    assert image_loaded(visitor.locator("#gallery-main"))
    first_src = visitor.locator("#gallery-main").get_attribute("src")
    # Keyboard: focus the third thumbnail and press Enter; the large view shows it without leaving the page.
    thumbs.nth(2).focus()
    visitor.keyboard.press("Enter")
    # Locator assertions poll without eval, which the page's CSP forbids.
    expect(thumbs.nth(2)).to_have_attribute("aria-current", re.compile(".*"))
    expect(visitor.locator("#gallery-thumbs a[aria-current]")).to_have_count(1)
    expect(visitor.locator("#gallery-main")).to_have_attribute("src", re.compile("medium"))
    assert visitor.url == f"{live_server.url}/properties/{prop.pk}/"
    assert visitor.locator("#gallery-main").get_attribute("src") != first_src
    assert visitor.locator("#gallery-main").get_attribute("alt") == "Photo 3 of 3"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("locale", "viewport"), [
    ("nb-NO", {"width": 1280, "height": 900}),
    ("en-GB", {"width": 390, "height": 844}),
])
def test_the_manager_and_the_gallery_have_no_serious_accessibility_violations(browser, live_server, settings,
                                                                              locale, viewport):
    settings.DEBUG = True
    prop = PropertyFactory(address="Fjordvegen 7")
    owner = verified_owner(prop, name="Aisha Berg")
    for data in (jpeg_with_gps(), encoded(two_colour(), "PNG")):
        services.photo_add(user=owner, property_id=prop.pk, upload=upload(data))
    context = logged_in_context(browser, live_server, owner, locale=locale, viewport=viewport)
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    found = {}
    for path in [f"/photos/{prop.pk}/", f"/properties/{prop.pk}/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        found[path] = serious_violations(page)
    context.close()
    assert found == {path: [] for path in found}
