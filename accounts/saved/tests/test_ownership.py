"""Collections, saved searches and search history: ownership (another user gets 404), the API, the pages."""
from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.saved import services
from accounts.saved.models import Collection, SavedProperty, SavedSearch, SearchHistoryEntry
from accounts.tests.factories import UserFactory
from properties.tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def other(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def owned_objects(owner):
    prop = PropertyFactory()
    collection = services.collection_create(user=owner, name="Hytter")
    item = services.saved_property_add(user=owner, property_id=prop.pk, collection_id=collection.pk, note="Fin utsikt",
                                       tags=["sjø"])
    search = services.saved_search_create(user=owner, name="Oslo", params={"municipality": "0301"})
    entry = services.search_history_record(user=owner, params={"q": "storgata"}, result_count=3)
    return {"prop": prop, "collection": collection, "item": item, "search": search, "entry": entry,
            "default": services.collection_default_get(user=owner)}


def test_another_user_gets_404_for_every_collection_item_saved_search_and_history_entry_in_the_api(
    client, other, owned_objects
):
    o = owned_objects
    c, i, s, e = o["collection"].pk, o["item"].pk, o["search"].pk, o["entry"].pk
    calls = [
        ("get", f"/api/v1/collections/{c}", None),
        ("patch", f"/api/v1/collections/{c}", {"name": "Mine nå"}),
        ("delete", f"/api/v1/collections/{c}", None),
        ("get", f"/api/v1/collections/{c}/items", None),
        ("post", f"/api/v1/collections/{c}/items", {"property": o["prop"].pk}),
        ("patch", f"/api/v1/collections/{c}/items/{i}", {"note": "hei"}),
        ("post", f"/api/v1/collections/{c}/items/{i}/move", {"collection": o["default"].pk}),
        ("delete", f"/api/v1/collections/{c}/items/{i}", None),
        ("get", f"/api/v1/saved-searches/{s}", None),
        ("patch", f"/api/v1/saved-searches/{s}", {"name": "Mine"}),
        ("delete", f"/api/v1/saved-searches/{s}", None),
        ("delete", f"/api/v1/search-history/{e}", None),
    ]
    for method, url, body in calls:
        response = (
            getattr(client, method)(url, body, content_type="application/json")
            if body
            else getattr(client, method)(url)
        )
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["code"] == "not_found"
    # Moving one's own item into someone else's collection is a 404 too.
    mine = services.saved_property_add(user=other, property_id=o["prop"].pk)
    response = client.post(f"/api/v1/collections/{mine.collection_id}/items/{mine.pk}/move", {"collection": c},
                           content_type="application/json")
    assert response.status_code == 404
    # Nothing of the owner's changed, and the lists show only the caller's own.
    assert SavedProperty.objects.get(pk=i).note == "Fin utsikt"
    assert Collection.objects.get(pk=c).name == "Hytter"
    assert SavedSearch.objects.filter(pk=s).exists() and SearchHistoryEntry.objects.filter(pk=e).exists()
    assert [x["id"] for x in client.get("/api/v1/saved-searches").json()["results"]] == []
    assert [x["id"] for x in client.get("/api/v1/search-history").json()["results"]] == []
    assert {x["id"] for x in client.get("/api/v1/collections").json()["results"]} == {mine.collection_id}


def test_another_user_gets_404_on_every_page_that_touches_an_owned_object(client, other, owned_objects):
    o = owned_objects
    c, i, s, e = o["collection"].pk, o["item"].pk, o["search"].pk, o["entry"].pk
    assert client.get(reverse("accounts:collection", args=[c])).status_code == 404
    for name, args, data in [
        ("accounts:collection", [c], {"name": "x"}),
        ("accounts:collection-delete", [c], {}),
        ("accounts:item-update", [i], {"note": "x", "tags": ""}),
        ("accounts:item-move", [i], {"collection": o["default"].pk}),
        ("accounts:item-remove", [i], {}),
        ("accounts:save-to-collection", [o["prop"].pk], {"collection": c}),
        ("accounts:saved-search-update", [s], {f"s{s}-name": "x", f"s{s}-frequency": "off"}),
        ("accounts:saved-search-delete", [s], {}),
        ("accounts:history-delete", [e], {}),
    ]:
        response = client.post(reverse(name, args=args), data)
        assert response.status_code in (404, 302), (name, response.status_code)
        if name == "accounts:save-to-collection":  # an invalid choice: nothing saved in the owner's collection
            assert response.status_code == 302
        else:
            assert response.status_code == 404, name
    assert SavedProperty.objects.filter(collection_id=c).count() == 1
    assert SavedSearch.objects.get(pk=s).frequency == "daily"
    assert SearchHistoryEntry.objects.filter(pk=e).exists()


def test_collections_api_adds_moves_renames_and_removes(client, owner):
    client.force_login(owner)
    prop = PropertyFactory()
    favourites = client.get("/api/v1/collections").json()["results"]
    assert [(c["name"], c["is_default"]) for c in favourites] == [("Favourites", True)]
    created = client.post("/api/v1/collections", {"name": "Bergen"}, content_type="application/json")
    assert created.status_code == 201
    duplicate = client.post("/api/v1/collections", {"name": "bergen"}, content_type="application/json")
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "duplicate_name"
    item = client.post(f"/api/v1/collections/{favourites[0]['id']}/items",
                       {"property": prop.pk, "note": "Se på", "tags": ["Sjø", "sjø", "garasje"]},
                       content_type="application/json").json()
    assert item["tags"] == ["sjø", "garasje"] and item["property"]["id"] == prop.pk
    moved = client.post(f"/api/v1/collections/{favourites[0]['id']}/items/{item['id']}/move",
                        {"collection": created.json()["id"]}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["collection"] == created.json()["id"]
    renamed = client.patch(f"/api/v1/collections/{created.json()['id']}", {"name": "Vestland"},
                           content_type="application/json")
    assert renamed.json()["name"] == "Vestland" and renamed.json()["item_count"] == 1
    assert client.delete(f"/api/v1/collections/{favourites[0]['id']}").json()["code"] == "default_collection"
    assert client.delete(f"/api/v1/collections/{created.json()['id']}/items/{item['id']}").status_code == 204
    assert not SavedProperty.objects.exists()
    missing = client.post(f"/api/v1/collections/{favourites[0]['id']}/items", {"property": 999999},
                          content_type="application/json")
    assert missing.status_code == 404


def test_list_endpoints_use_a_fixed_number_of_queries(client, owner, django_assert_max_num_queries):
    client.force_login(owner)
    for n in range(12):
        prop = PropertyFactory()
        services.saved_property_add(user=owner, property_id=prop.pk)
        services.saved_search_create(user=owner, name=f"S{n}", params={"rooms_min": str(n)})
        services.search_history_record(user=owner, params={"q": f"gata{n}"}, result_count=n)
    favourites = services.collection_default_get(user=owner)
    for url in ("/api/v1/collections", f"/api/v1/collections/{favourites.pk}/items", "/api/v1/saved-searches",
                "/api/v1/search-history"):
        with django_assert_max_num_queries(6):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.json()["results"]) >= 1


def test_saved_searches_are_validated_like_the_search_with_the_same_codes(client, owner):
    client.force_login(owner)
    for params, field, code in [({"municipality": "Atlantis"}, "municipality", "unknown_municipality"),
                                ({"foo": "1"}, "foo", "unknown_parameter"),
                                ({"area_min": "90", "area_max": "50"}, "area_min", "min_gt_max")]:
        bad = client.post("/api/v1/saved-searches", {"name": "x", "params": params}, content_type="application/json")
        assert bad.status_code == 400
        assert bad.json()["extra"]["fields"][field][0]["code"] == code
        assert client.get("/api/v1/properties", params).json()["extra"]["fields"][field][0]["code"] == code
    ok = client.post(
        "/api/v1/saved-searches",
        {"name": "Oslo", "params": {"municipality": "Oslo", "cursor": "x", "q": ""}, "frequency": "weekly"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["params"] == {"municipality": "Oslo"}
    changed = client.patch(f"/api/v1/saved-searches/{ok.json()['id']}", {"frequency": "nope"},
                           content_type="application/json")
    assert changed.status_code == 400
    renamed = client.patch(f"/api/v1/saved-searches/{ok.json()['id']}", {"name": "Hovedstaden", "frequency": "off"},
                           content_type="application/json").json()
    assert renamed["name"] == "Hovedstaden" and renamed["frequency"] == "off"


def test_search_history_records_page_and_api_searches_of_logged_in_users_only(client, owner):
    PropertyFactory()
    client.get("/", {"municipality": "0301"})
    assert not SearchHistoryEntry.objects.exists()  # anonymous
    client.force_login(owner)
    client.get("/", {"municipality": "0301", "features": ["sauna", "view"]})
    client.get("/api/v1/properties", {"category": "residential", "count": "1"})
    client.get("/", {"municipality": "Atlantis"})  # invalid: not recorded
    entries = list(SearchHistoryEntry.objects.order_by("id"))
    assert [(e.via, e.params) for e in entries] == [
        ("page", {"features": "sauna,view", "municipality": "0301"}), ("api", {"category": "residential"})]
    assert entries[1].result_count == 1
    page = client.get(reverse("accounts:history"))
    assert "municipality=0301" in page.content.decode()
    assert client.delete("/api/v1/search-history").status_code == 204
    assert not SearchHistoryEntry.objects.exists()


def test_search_results_mark_saved_properties_with_one_query(client, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    props = [PropertyFactory(estimate=5_000_000 + n) for n in range(6)]
    services.saved_property_add(user=owner, property_id=props[2].pk)
    services.saved_property_add(user=owner, property_id=props[2].pk, new_collection_name="Andre")
    services.saved_property_add(user=owner, property_id=props[4].pk)
    client.force_login(owner)
    client.get("/")  # warm up session/caches
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/").content.decode()
    saved_queries = [q for q in captured.captured_queries if "accounts_savedproperty" in q["sql"]]
    assert len(saved_queries) == 1
    assert html.count('aria-pressed="true"') == 2
    assert html.count('aria-pressed="false"') == 4


def test_heart_toggles_without_javascript_and_with_fetch(client, owner):
    prop = PropertyFactory()
    client.force_login(owner)
    response = client.post(reverse("accounts:heart", args=[prop.pk]), {"next": "/?q=x"})
    assert response.status_code == 302 and response["Location"] == "/?q=x"
    assert SavedProperty.objects.filter(collection__user=owner, collection__is_default=True, property=prop).exists()
    response = client.post(reverse("accounts:heart", args=[prop.pk]), HTTP_X_REQUESTED_WITH="fetch")
    assert response.json() == {"property": prop.pk, "saved": False}
    assert not SavedProperty.objects.exists()
    detail = client.get(reverse("properties:detail", args=[prop.pk])).content.decode()
    assert 'id="save-to-collection"' in detail


def test_the_search_page_saves_the_current_search(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:saved-search-create"),
        {"name": "Hytter", "frequency": "weekly", "query": "category=cabin&features=sauna&features=view&cursor=abc"},
    )
    assert response.status_code == 302
    search = SavedSearch.objects.get()
    assert search.params == {"category": "cabin", "features": "sauna,view"} and search.frequency == "weekly"
    page = client.get(reverse("accounts:saved-searches")).content.decode()
    assert "/?category=cabin&amp;features=sauna%2Cview" in page


def test_the_export_has_the_users_collections_searches_and_history_and_deletion_removes_them(
    client, owner, owned_objects
):
    client.force_login(owner)
    export = client.get("/api/v1/me/export").json()
    section = export["saved"]
    assert {c["name"] for c in section["collections"]} == {"Favourites", "Hytter"}
    hytter = next(c for c in section["collections"] if c["name"] == "Hytter")
    assert hytter["items"][0]["note"] == "Fin utsikt" and hytter["items"][0]["tags"] == ["sjø"]
    assert section["saved_searches"][0]["params"] == {"municipality": "0301"}
    assert section["search_history"][0]["params"] == {"q": "storgata"}
    assert client.delete("/api/v1/me").status_code == 204
    assert not (Collection.objects.exists() or SavedProperty.objects.exists() or SavedSearch.objects.exists()
                or SearchHistoryEntry.objects.exists())
