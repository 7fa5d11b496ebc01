"""The header: a person finds every page of their own from any page; messages show on the page they land on."""
from __future__ import annotations

import re

import pytest

from accounts.saved import services as saved_services
from accounts.saved.models import Collection, SearchHistoryEntry
from properties.models import Property
from properties.search import selectors as search_selectors
from properties.tests.factories import make_catalogue

from .factories import BuyerFactory, PropertyFactory, verified_owner

pytestmark = pytest.mark.django_db

PERSONAL = {"nav-favourites": "/accounts/favourites/", "nav-saved-searches-top": "/accounts/saved-searches/",
            "nav-history-top": "/accounts/history/", "nav-offers": "/offers/", "nav-recommended": "/recommended/",
            "nav-trends": "/market/trends/", "nav-profile": "/accounts/profile/"}


def header_links(html: str) -> dict[str, str]:
    header = html[html.index('<header class="site-header"'):html.index("</header>")]
    return {link_id: href for href, link_id in re.findall(r'<a href="([^"]+)" id="([^"]+)"', header)}


@pytest.mark.parametrize("path", ["/", "/market/trends/", "/accounts/history/", "/offers/", "/accounts/profile/"])
def test_every_personal_page_is_linked_from_the_header_of_any_page(client, path):
    client.force_login(BuyerFactory())
    links = header_links(client.get(path, HTTP_ACCEPT_LANGUAGE="en").text)
    for link_id, target in PERSONAL.items():
        assert links[link_id] == target
    assert "nav-received" not in links  # only owners receive offers
    for target in PERSONAL.values():
        assert client.get(target, follow=True).status_code == 200


def test_no_personal_page_gives_two_elements_one_id(client):
    """Ids are what links, labels and scripts point at: a page that repeats one points them at the wrong element."""
    client.force_login(verified_owner(PropertyFactory()))
    for target in [*PERSONAL.values(), "/accounts/collections/", "/offers/received/", "/offers/owner/"]:
        html = client.get(target, follow=True, HTTP_ACCEPT_LANGUAGE="en").text
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) > 5
        assert not {i for i in ids if ids.count(i) > 1}, target


def test_owners_also_get_offers_received(client):
    owner = verified_owner(PropertyFactory())
    client.force_login(owner)
    assert header_links(client.get("/").text)["nav-received"] == "/offers/received/"


def test_anonymous_visitors_get_search_trends_recommendations_and_log_in(client):
    html = client.get("/market/trends/", HTTP_ACCEPT_LANGUAGE="en").text
    links = header_links(html)
    assert set(links) == {"nav-search", "nav-trends", "nav-recommended", "nav-login"}
    assert ">Recommendations<" in html and links["nav-login"].startswith("/accounts/login/?next=")


def test_favourites_opens_the_default_collection_with_what_was_hearted(client):
    user = BuyerFactory()
    cabin = PropertyFactory(address="Fjellstua 3")
    saved_services.property_heart_toggle(user=user, property_id=cabin.pk)
    client.force_login(user)
    response = client.get("/accounts/favourites/", follow=True)
    assert response.redirect_chain[-1][0] == f"/accounts/collections/{Collection.objects.get(user=user).pk}/"
    assert "Fjellstua 3" in response.text


def test_a_deleted_account_is_confirmed_on_the_page_she_lands_on(client):
    client.force_login(BuyerFactory())
    response = client.post("/accounts/profile/delete/", {"confirm": "on"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="messages"' in response.text and "Your account and personal data are deleted." in response.text
    assert "Your account and personal data are deleted." not in client.get("/").text  # shown once, not later


def test_saving_to_a_new_collection_is_confirmed_on_the_property_page(client):
    client.force_login(BuyerFactory())
    prop = PropertyFactory()
    response = client.post(f"/accounts/collections/save/{prop.pk}/", {"new_collection": "Hytter"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain[-1][0] == f"/properties/{prop.pk}/"
    assert "Saved in Hytter." in response.text


def test_destructive_buttons_ask_once_more(client):
    client.force_login(BuyerFactory())
    html = client.get("/accounts/profile/delete/", HTTP_ACCEPT_LANGUAGE="en").text
    assert 'id="delete-account" data-confirm="Delete your account and personal data for good?' in html


def test_the_search_page_always_shows_the_count_and_history_records_it(client):
    make_catalogue(40, seed=2)
    user = BuyerFactory()
    client.force_login(user)
    html = client.get("/", {"category": "residential"}, HTTP_ACCEPT_LANGUAGE="en").text
    expected = Property.objects.filter(category="residential").count()
    assert f">{expected} properties</p>" in html.replace("\n", "")
    entry = SearchHistoryEntry.objects.get(user=user)
    assert entry.result_count == expected and entry.count_is_exact
    history = client.get("/accounts/history/", HTTP_ACCEPT_LANGUAGE="en").text
    assert f'<td class="result-count">{expected} properties' in history


def test_more_than_the_cap_reads_more_than_the_cap(client, monkeypatch):
    make_catalogue(12, seed=4)
    monkeypatch.setattr(search_selectors, "COUNT_CAP", 10)
    html = client.get("/", {"sort": "-estimate"}, HTTP_ACCEPT_LANGUAGE="en").text
    assert "more than 10 properties" in html
