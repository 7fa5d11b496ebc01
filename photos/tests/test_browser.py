"""In chromium: an owner uploads three photos on the manager page and a visitor sees them in the property
page's gallery, choosing one with the keyboard."""
from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, OwnershipClaim
from offers.tests.factories import PropertyFactory
from offers.tests.test_browser import OWNER_ALTSUB, bankid_login, new_page

from .conftest import encoded, jpeg_with_gps, two_colour


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
    assert visitor.locator("#gallery-main").evaluate("img => img.complete && img.naturalWidth > 0")
    first_src = visitor.locator("#gallery-main").get_attribute("src")
    # Keyboard: focus the third thumbnail and press Enter; the large view shows it without leaving the page.
    thumbs.nth(2).focus()
    visitor.keyboard.press("Enter")
    visitor.wait_for_function("document.getElementById('gallery-main').src.indexOf('medium') > 0 && "
                              "document.querySelector('#gallery-thumbs a[aria-current]') === "
                              "document.querySelectorAll('#gallery-thumbs a')[2]")
    assert visitor.url == f"{live_server.url}/properties/{prop.pk}/"
    assert visitor.locator("#gallery-main").get_attribute("src") != first_src
    assert visitor.locator("#gallery-main").get_attribute("alt") == "Photo 3 of 3"
