"""In chromium (desktop): a verified owner logs in with BankID, adds facts and a description, and the property
page shows them as the owner's, beside Matrikkelen's value."""
from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, OwnershipClaim
from offers.tests.test_browser import OWNER_ALTSUB, bankid_login, new_page
from properties.models import FactSource, Property

from .conftest import matrikkel_property


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_owner_adds_facts_and_sees_them_marked_as_the_owners(browser, live_server, settings):
    settings.DEBUG = True
    settings.BANKID_ISSUER = ""
    prop = matrikkel_property(address="Fjordvegen 7")
    owner = UserFactory(bankid_altsub=OWNER_ALTSUB, name="Aisha Berg")
    OwnershipClaim.objects.create(property=prop, user=owner, statement="Mine", status=ClaimStatus.VERIFIED)

    page = new_page(browser, live_server)
    page.set_viewport_size({"width": 1280, "height": 900})
    bankid_login(page, live_server, OWNER_ALTSUB, f"/properties/{prop.pk}/")
    page.click("#owner-edit-link")
    page.wait_for_url(f"{live_server.url}/owners/{prop.pk}/")
    page.fill("#id_usable_area", "0")
    page.click("#owner-submit")
    assert "The usable area must be between 1 and 100000 m²." in page.locator("#owner-form").inner_text()

    page.fill("#id_usable_area", "120")
    page.fill("#id_bedrooms", "3")
    page.fill("#id_year_renovated", "2019")
    page.check("input[name=features][value=sauna]")
    page.fill("#id_description", "Sunny flat by the fjord, <b>new</b> kitchen.")
    page.click("#owner-submit")
    page.wait_for_selector("tr[data-fact=usable_area][data-by-owner=yes]")
    page.click("#owner-back")
    page.wait_for_url(f"{live_server.url}/properties/{prop.pk}/")

    area = " ".join(page.locator("dd[data-fact=usable_area]").inner_text().split())
    assert area == "120 m² the owner · 112 m² in Matrikkelen"
    assert page.locator("dd[data-fact=features] [data-owner-tag]").inner_text() == "from the owner"
    assert page.locator("#owner-description").inner_text() == "Sunny flat by the fjord, <b>new</b> kitchen."
    stored = Property.objects.get(pk=prop.pk)
    assert stored.usable_area == 120 and stored.fact_source("bedrooms") == FactSource.OWNER


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_owners_page_and_the_property_page_with_owners_facts_have_no_serious_accessibility_violations(
        browser, live_server):
    from offers.tests.test_accessibility import logged_in_context, serious_violations
    from owners import services

    prop = matrikkel_property(address="Fjordvegen 7")
    owner = UserFactory()
    OwnershipClaim.objects.create(property=prop, user=owner, statement="Mine", status=ClaimStatus.VERIFIED)
    services.owner_facts_update(user=owner, property_id=prop.pk, values={
        "usable_area": 120, "features": ["sauna"], "year_renovated": 2019, "description": "By the fjord."})
    found = {}
    for locale, viewport in (("nb-NO", {"width": 390, "height": 844}), ("en-GB", {"width": 1280, "height": 900})):
        context = logged_in_context(browser, live_server, owner, locale=locale, viewport=viewport)
        page = context.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                   else route.abort())
        for path in (f"/owners/{prop.pk}/", f"/properties/{prop.pk}/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            if violations := serious_violations(page):
                found[(locale, path)] = violations
        context.close()
    assert not found, found
