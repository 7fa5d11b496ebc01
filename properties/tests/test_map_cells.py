"""The map's aggregation: every match of a search in the view, as grid cells with counts and a point."""
from __future__ import annotations

import pytest

from properties.models import Property
from properties.tests.factories import make_catalogue

NORWAY = "4.0,57.5,31.5,71.5"


@pytest.fixture
def catalogue(db):
    return make_catalogue(300, seed=7)


def cells(client, **params):
    return client.get("/api/v1/properties/map", params)


def test_cells_at_national_scale_count_every_match_not_one_page(client, catalogue):
    body = cells(client, zoom=5, view=NORWAY).json()
    assert body["total"] == Property.objects.active().count() == 300
    assert sum(c["count"] for c in body["clusters"]) == 300
    assert len(body["clusters"]) < 20 and body["points"] is None  # seven towns: a few clusters, not 300 pins


def test_cells_apply_the_search_filters(client, catalogue):
    body = cells(client, zoom=5, view=NORWAY, municipality="Bergen", category="residential").json()
    expected = Property.objects.filter(municipality_number="4601", category="residential")
    assert body["total"] == expected.count() > 0
    for cluster in body["clusters"]:  # each cluster sits where its properties are: near Bergen
        assert 60.0 < cluster["lat"] < 60.8 and 4.9 < cluster["lon"] < 5.8


def test_clusters_split_as_the_map_zooms_in(client, catalogue):
    view = "4.9,60.2,5.7,60.6"  # around Bergen
    counts = [len(cells(client, zoom=z, view=view, municipality="4601").json()["clusters"]) for z in (6, 9, 12)]
    assert counts[0] <= counts[1] <= counts[2] and counts[0] < counts[2]


def test_a_cell_holding_one_property_names_it_and_street_level_returns_popup_cards(client, catalogue):
    prop = Property.objects.exclude(estimate=None).exclude(usable_area=None).first()
    view = f"{prop.lon - 0.001},{prop.lat - 0.001},{prop.lon + 0.001},{prop.lat + 0.001}"
    body = cells(client, zoom=16, view=view).json()
    card = next(p for p in body["points"] if p["id"] == prop.pk)
    assert card["title"] == prop.address and card["estimate"] == prop.estimate
    assert card["estimate_per_m2"] == round(prop.estimate / prop.usable_area)
    assert card["category_label"] == prop.get_category_display()
    assert {"lat": prop.lat, "lon": prop.lon, "count": 1, "id": prop.pk} in body["clusters"]


@pytest.mark.parametrize(("params", "code"), [
    ({"zoom": "x", "view": NORWAY}, "invalid_zoom"),
    ({"zoom": "25", "view": NORWAY}, "invalid_zoom"),
    ({"zoom": "5"}, "invalid_view"),
    ({"zoom": "5", "view": "1,2,3"}, "invalid_view"),
    ({"zoom": "5", "view": NORWAY, "municipality": "Atlantis"}, "unknown_municipality"),
    ({"zoom": "5", "view": NORWAY, "colour": "red"}, "unknown_parameter"),
])
def test_bad_map_requests_get_a_stable_code(client, db, params, code):
    response = cells(client, **params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_the_map_answers_in_a_fixed_number_of_queries(client, catalogue, django_assert_num_queries):
    with django_assert_num_queries(2):  # are the cells built (no); the properties, grouped
        cells(client, zoom=5, view=NORWAY, category="cabin")


def _sorted(clusters):
    return sorted((c["count"], round(c["lat"], 4), round(c["lon"], 4), c.get("id")) for c in clusters)


@pytest.mark.parametrize("params", [{}, {"category": "cabin"}, {"category": "residential,commercial"}])
@pytest.mark.parametrize("zoom", [4, 7, 10])
def test_the_pre_aggregated_cells_answer_as_counting_the_properties_does(client, catalogue, params, zoom):
    from properties.search.services import map_cells_rebuild

    counted = cells(client, zoom=zoom, view=NORWAY, **params).json()
    assert map_cells_rebuild() > 0
    pre = cells(client, zoom=zoom, view=NORWAY, **params).json()
    assert pre["total"] == counted["total"] > 0
    assert _sorted(pre["clusters"]) == _sorted(counted["clusters"])


def test_the_pre_aggregated_cells_answer_national_views_in_two_small_queries(client, catalogue,
                                                                           django_assert_num_queries):
    from properties.models import MapCell
    from properties.search.services import map_cells_rebuild

    map_cells_rebuild()
    assert MapCell.objects.filter(zoom=5).count() <= 7 * 4  # seven towns × four categories, whatever the size
    with django_assert_num_queries(2):  # is the table built; the cells in the view
        body = cells(client, zoom=5, view=NORWAY, category="cabin").json()
    assert body["total"] == Property.objects.filter(category="cabin").count()


def test_filters_the_cells_cannot_answer_count_the_properties(client, catalogue):
    from properties.search.services import map_cells_rebuild

    map_cells_rebuild()
    Property.objects.filter(usable_area__gte=100).update(usable_area=99)  # changed after the rebuild
    body = cells(client, zoom=5, view=NORWAY, area_min="100").json()
    assert body["total"] == 0


def test_the_scheduled_task_rebuilds_the_cells(db, catalogue, settings):
    from properties import tasks
    from properties.models import MapCell

    assert "map-cells-rebuild" in tasks.SCHEDULE and settings.MAP_CELLS_SCHEDULED
    assert tasks.map_cells_rebuild_task() == MapCell.objects.count() > 0
    assert sum(MapCell.objects.filter(zoom=0).values_list("count", flat=True)) == 300
