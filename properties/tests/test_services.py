"""The upsert service: idempotent, bulk, validating."""
import random

import pytest
from django.core.exceptions import ValidationError

from properties.models import Property
from properties.services import property_upsert_many
from properties.tests.factories import property_row

pytestmark = pytest.mark.django_db


def rows(count, seed=1):
    rng = random.Random(seed)
    return [property_row(rng, i) for i in range(count)]


def snapshot():
    return list(Property.objects.order_by("external_id").values_list(
        "external_id", "content_hash", "updated_at", "search_text", "feature_mask"))


def test_upsert_creates_then_a_second_run_changes_nothing():
    data = rows(50)
    first = property_upsert_many(rows=data, batch_size=16)
    assert (first.created, first.updated, first.unchanged) == (50, 0, 0)
    before = snapshot()
    second = property_upsert_many(rows=data, batch_size=7)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 50)
    assert snapshot() == before


def test_upsert_updates_changed_rows_only_and_keeps_ids():
    data = rows(10)
    ids = property_upsert_many(rows=data).ids
    data[3] = {**data[3], "usable_area": 999, "features": ["sauna", "waterfront"]}
    result = property_upsert_many(rows=data)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 9)
    changed = Property.objects.get(external_id=data[3]["external_id"])
    assert changed.id == ids[data[3]["external_id"]]
    assert changed.usable_area == 999
    assert changed.features == ["waterfront", "sauna"]  # canonical order
    assert changed.feature_mask == 0b11


def test_upsert_fills_county_and_search_text_from_reference_data():
    row = {**rows(1)[0], "municipality_number": "4601", "address": "Ærfuglstien 3", "town": "Bergen"}
    property_upsert_many(rows=[row])
    prop = Property.objects.get()
    assert (prop.county_number, prop.county_name, prop.municipality_name) == ("46", "Vestland", "Bergen")
    assert "aerfuglstien 3" in prop.search_text


def test_a_bad_row_writes_nothing_of_its_batch():
    data = rows(5)
    data[4] = {**data[4], "municipality_number": "9999", "category": "castle", "lat": 10}
    with pytest.raises(ValidationError) as excinfo:
        property_upsert_many(rows=data)
    codes = {e.code for errors in excinfo.value.error_dict.values() for e in errors}
    assert codes == {"unknown_municipality", "invalid_category", "invalid_coordinate"}
    assert Property.objects.count() == 0


def test_upsert_does_not_touch_estimates():
    data = rows(1)
    property_upsert_many(rows=data)
    Property.objects.update(estimate=5_000_000, estimate_low=4_000_000, estimate_high=6_000_000)
    property_upsert_many(rows=[{**data[0], "rooms": 9}])
    assert Property.objects.get().estimate == 5_000_000


def test_inserting_a_property_that_exists_after_all_upserts_it_instead_of_failing():
    from properties.services import property_clean_row, property_insert_clean

    row = rows(1)[0]
    property_upsert_many(rows=[row])
    changed = property_clean_row({**row, "rooms": 99})

    result = property_insert_clean(clean_rows=[changed, property_clean_row({**row, "external_id": "0301-999/1/0/0"})])

    assert (result.created, result.updated) == (1, 1)
    assert Property.objects.get(external_id=row["external_id"]).rooms == 99
    assert Property.objects.filter(external_id__in=[row["external_id"], "0301-999/1/0/0"]).count() == 2
