"""The search page and property page, in a real browser and through the test client."""
import pytest
from playwright.sync_api import expect

from properties.models import Property
from properties.tests.factories import make_catalogue


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_page_filters_by_municipality_and_updates_list_and_map(page, live_server):
    make_catalogue(120, seed=3)
    page.goto(f"{live_server.url}/?sort=-estimate")  # every category (the first screen shows homes)
    page.wait_for_selector("#result-list .result")
    before = page.locator("#result-list .result").count()
    assert before > 0
    page.wait_for_selector("#map[data-total]")  # every match in the view, as clusters from the server
    assert page.locator(".leaflet-marker-icon").count() == int(page.locator("#map").get_attribute("data-cluster-count"))
    municipalities_before = set(page.locator("#result-list .result").evaluate_all(
        "items => items.map(i => i.dataset.municipality)"))
    assert len(municipalities_before) > 1

    page.fill("#id_municipality", "Bergen")
    page.click("#search-form button[type=submit]")
    page.wait_for_url("**/?*municipality=Bergen*")
    page.wait_for_selector("#result-list .result")

    items = page.locator("#result-list .result")
    shown = set(items.evaluate_all("items => items.map(i => i.dataset.municipality)"))
    assert shown == {"4601"}
    expected = Property.objects.filter(municipality_number="4601").count()
    assert items.count() == min(expected, 25)
    assert page.locator("#map").get_attribute("data-marker-count") == str(items.count())
    # Locator assertions poll from Playwright's side: the page's CSP (script-src 'self') forbids the eval
    # that wait_for_function needs once its first check fails.
    expect(page.locator("#map")).to_have_attribute("data-total", str(expected))
    assert page.locator("#result-count").inner_text() == f"{expected} properties"
    assert "Bergen" in page.locator("#id_municipality").input_value()  # the URL holds the filters


@pytest.mark.django_db
def test_search_page_shows_a_readable_error_for_bad_filters(client):
    response = client.get("/", {"municipality": "Atlantis", "estimate_min": "9", "estimate_max": "1"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Unknown municipality: Atlantis." in response.text
    assert "The minimum is larger than the maximum." in response.text


@pytest.mark.django_db
def test_search_page_pages_with_next_links(client, settings):
    settings.SEARCH_PAGE_SIZE = 10
    make_catalogue(25, seed=4)
    first = client.get("/", {"sort": "-estimate"})
    assert first.status_code == 200
    assert first.text.count('class="result"') == 10
    next_link = first.context["next_query"]
    second = client.get("/?" + next_link)
    ids_first = {p.id for p in first.context["page"].results}
    ids_second = {p.id for p in second.context["page"].results}
    assert ids_first.isdisjoint(ids_second) and len(ids_second) == 10


@pytest.mark.django_db
def test_property_page_shows_facts_synthetic_badge_and_attribution(client):
    prop = make_catalogue(3, seed=5)[0]
    response = client.get(f"/properties/{prop.id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert prop.external_id in response.text
    assert "Synthetic" in response.text
    assert "© Kartverket" in response.text


@pytest.mark.django_db
def test_missing_property_page_is_404(client):
    assert client.get("/properties/424242/").status_code == 404


@pytest.mark.django_db
def test_feature_checkboxes_combine_into_an_all_of_filter(client):
    catalogue = make_catalogue(60, seed=6)
    response = client.get("/?features=sauna&features=garage")
    shown = {p.id for p in response.context["page"].results}
    expected = {p.id for p in catalogue if {"sauna", "garage"} <= set(p.features)}
    assert shown == expected and expected
    assert response.text.count("checked") == 2


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["%(x)s", "%s %d", "100%"])
def test_a_percent_sign_in_a_filter_is_shown_back_not_formatted_again(client, value):
    response = client.get("/", {"municipality": value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert f"Unknown municipality: {value}." in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"building_type": "²"}, {"building_type": "9" * 5000}, {"area_min": "²"},
                                    {"area_min": "9" * 5000}, {"rooms_min": "٣"}])
def test_digits_that_are_not_ascii_or_too_long_are_a_readable_error_on_the_page(client, params):
    response = client.get("/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Enter a whole number." in response.text or "Unknown building type code" in response.text


@pytest.mark.django_db
def test_a_misspelt_municipality_gets_did_you_mean_links_that_search_again(client):
    response = client.get("/", {"municipality": "Trondhjem", "category": "cabin"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Municipality (name or number): Unknown municipality: Trondhjem. Did you mean Trondheim?" in response.text
    assert '<a href="?municipality=Trondheim&amp;category=cabin" class="suggestion">Trondheim</a>' in response.text
    assert "Trøndelag</a>" not in response.text  # a county is no municipality
    api = client.get("/api/v1/properties", {"municipality": "Trondhjem"}).json()
    assert "Did you mean Trondheim?" in api["extra"]["fields"]["municipality"][0]["message"]


@pytest.mark.django_db
def test_search_errors_read_as_plain_words_not_parameter_syntax(client):
    html = client.get("/", {"sort": "distance"}, HTTP_ACCEPT_LANGUAGE="en").text
    assert "To sort by distance, choose a place first" in html
    assert "near=lat,lon" not in html and "sort: " not in html


@pytest.mark.django_db
def test_a_percent_sign_in_a_bad_value_is_shown_not_a_server_error(client):
    response = client.get("/", {"municipality": "50%"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Unknown municipality: 50%." in response.text


@pytest.mark.django_db
def test_feature_tags_are_translated_in_bokmal(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="nb").text
    assert 'value="ski_in_out"> Ski inn/ski ut</label>' in html and 'value="waterfront"> Strandlinje</label>' in html
    assert "> ski_in_out<" not in html and "> waterfront<" not in html


@pytest.mark.django_db
def test_result_cards_show_the_price_per_square_metre(client):
    make_catalogue(5, seed=9)
    prop = next(p for p in Property.objects.exclude(estimate=None).exclude(usable_area=None))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").text
    per_m2 = f"{round(prop.estimate / prop.usable_area):,} kr/m²"
    assert per_m2 in html


@pytest.mark.django_db
def test_the_first_screen_shows_homes_newest_first_not_office_blocks(client):
    make_catalogue(60, seed=6)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    shown = html.context["page"].results
    assert shown and {p.category for p in shown} == {"residential"}
    years = [p.year_built for p in shown if p.year_built]
    assert years == sorted(years, reverse=True)
    assert '<option value="residential" selected>' in html.text  # the filter is on the form, not hidden
    everything = client.get("/", {"sort": "-estimate"}).context["page"].results
    assert {p.category for p in everything} != {"residential"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["search", "property"])
def test_map_says_in_the_readers_language_when_its_tiles_cannot_load(browser, live_server, where):
    """The test browser reaches only the test server, so every map tile fails, as when Kartverket is down."""
    make_catalogue(5, seed=4)
    prop = Property.objects.order_by("pk").first()
    assert prop is not None
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    page.goto(f"{live_server.url}/" if where == "search" else f"{live_server.url}/properties/{prop.pk}/")
    message = page.wait_for_selector("#map-tiles-failed")
    assert message.inner_text().startswith("Kartbildene kunne ikke lastes")
    context.close()
