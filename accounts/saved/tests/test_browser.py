"""In a real browser: log in through the local BankID stand-in, search, heart a result without a reload,
save a property to a new collection, save the search, and see both on their pages."""
from __future__ import annotations

import pytest

from accounts.saved.models import Collection, SavedProperty, SavedSearch
from properties.tests.factories import PropertyFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_save_a_property_to_a_new_collection_and_save_the_search(open_page, live_server, settings):
    settings.DEBUG = True
    settings.BANKID_ISSUER = ""
    first = PropertyFactory(
        address="Karl Johans gate 1", estimate=9_000_000, estimate_low=8_000_000, estimate_high=10_000_000
    )
    second = PropertyFactory(address="Storgata 7")
    page = open_page

    page.goto(f"{live_server.url}/accounts/login/?next=/%3Fmunicipality%3D0301")
    page.click("#bankid-login")
    page.wait_for_url(f"{live_server.url}/dev/bankid/authorize?**")
    page.check("input[value='9578-6000-4-100002']")
    page.click("#standin-login")
    page.wait_for_url(f"{live_server.url}/?municipality=0301")
    assert page.locator("#result-list li.result").count() == 2

    # The heart saves without a page reload.
    page.evaluate("window.__sameDocument = true")
    heart = page.locator(f"li.result[data-id='{second.pk}'] button.heart")
    heart.click()
    page.wait_for_selector(f"li.result[data-id='{second.pk}'] button.heart[aria-pressed='true']")
    assert page.evaluate("window.__sameDocument") is True

    # Save the first property to a new collection from its page.
    page.click(f"li.result[data-id='{first.pk}'] a")
    page.wait_for_url(f"{live_server.url}/properties/{first.pk}/")
    page.fill("#save-new-collection", "Visninger")
    page.click("#save-to-collection-submit")
    page.wait_for_url(f"{live_server.url}/properties/{first.pk}/")

    # Save the search.
    page.goto(f"{live_server.url}/?municipality=0301")
    page.click("#save-search summary")
    page.fill("#save-search-name", "Oslo-boliger")
    page.select_option("#save-search-frequency", "weekly")
    page.click("#save-search-submit")
    page.wait_for_url(f"{live_server.url}/accounts/saved-searches/")
    assert "Oslo-boliger" in page.locator("#saved-searches").inner_text()
    page.click("#saved-searches a.run")  # run it with one click
    page.wait_for_url(f"{live_server.url}/?municipality=0301")
    assert page.locator(f"li.result[data-id='{first.pk}'] button.heart[aria-pressed='true']").count() == 1

    page.goto(f"{live_server.url}/accounts/collections/")
    assert "Visninger" in page.locator("#collections").inner_text()
    page.click("#collections >> text=Visninger")
    assert "Karl Johans gate 1" in page.locator("#collection-items").inner_text()

    collection = Collection.objects.get(name="Visninger")
    assert SavedProperty.objects.filter(collection=collection, property=first).exists()
    assert SavedProperty.objects.filter(collection__is_default=True, property=second).exists()
    assert SavedSearch.objects.get().params == {"municipality": "0301"}
