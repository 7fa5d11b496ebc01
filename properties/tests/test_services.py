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


OPEN_REGISTER_ROW = {
    "external_id": "3420-19/1/0/0", "source": "open_register", "fact_source": "open_register",
    "facts": ("location", "address"), "municipality_number": "3420", "address": "Strandbygdvegen 1300",
    "postcode": "2410", "town": "Hernes",
    "addresses": [{"text": "Strandbygdvegen 1300", "postcode": "2410", "town": "Hernes", "lat": 60.9581234,
                   "lon": 11.5012345},
                  {"text": "Gobakkvegen 438", "postcode": "2410", "town": "Hernes", "lat": 61.0000001,
                   "lon": 11.4999999}],
    "lat": 60.958123, "lon": 11.501235,
    "upstream_payload": {"register": "Matrikkelen - Adresse", "kolonner": ["lokalid", "Nord"],
                         "adresser": [[1, 6770754.69], [2, 6770456.94]]},
}
MATRIKKEL_ROW = {
    "external_id": "0301-33/1144/0/0", "matrikkelenhet_id": 123456, "municipality_number": "0301",
    "address": "Øvre Slottsgate 2", "postcode": "0157", "town": "Oslo", "lat": 59.91, "lon": 10.74,
    "category": "residential", "building_type_code": 111, "usable_area": 120, "plot_area": 600, "rooms": 5,
    "bedrooms": 3, "floors": 2, "year_built": 1962, "features": ["sauna", "waterfront"],
    "upstream_payload": {"id": 123456},
}


@pytest.mark.parametrize(("row", "content_hash"), [
    (OPEN_REGISTER_ROW, "faec089819dffea4198bb35ac2b1623d"),
    (MATRIKKEL_ROW, "a380661ecca3d8d6411a26529e458e17"),
])
def test_the_content_hash_of_a_row_is_what_it_was_so_stored_properties_stay_unchanged(row, content_hash):
    # Hashes of the stored catalogue: a hash computed differently would rewrite every property at the next import.
    from properties.services import property_clean_row

    assert property_clean_row(row)["content_hash"] == content_hash
    assert property_clean_row({**row, "town": "Elverum"})["content_hash"] != content_hash


def test_json_is_written_as_json_dumps_writes_it():
    import json
    from datetime import UTC, datetime

    from properties.services import _dumps, _json_default

    value = {"text": "Øvre Slottsgate 2 \"A\"\n", "lat": 59.9100001, "n": [1, None, True, 2.5e-7, float("inf")],
             "at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "kolonner": ("Nord", "Øst"), "tom": {}}
    assert _dumps(value) == json.dumps(value, ensure_ascii=False, default=_json_default)
    with pytest.raises(TypeError):
        _dumps({"x": object()})


def test_a_first_estimate_and_the_write_times_are_stored_as_given_by_both_bulk_writes():
    from datetime import timedelta

    from django.utils import timezone

    from properties.services import property_clean_row, property_insert_clean

    first = {**rows(1)[0], "estimate": 5_000_000, "estimate_low": 4_500_000, "estimate_high": 5_500_000,
             "estimate_source": "demo"}
    second = {**rows(2)[1], "external_id": "0301-998/1/0/0"}
    before = timezone.now()

    property_upsert_many(rows=[first])  # through a temporary table
    property_insert_clean(clean_rows=[property_clean_row(second)])  # straight into the table

    estimated = Property.objects.get(external_id=first["external_id"])
    plain = Property.objects.get(external_id="0301-998/1/0/0")
    assert (estimated.estimate, estimated.estimate_low, estimated.estimate_high, estimated.estimate_source) == (
        5_000_000, 4_500_000, 5_500_000, "demo")
    assert before <= estimated.created_at == estimated.updated_at == estimated.estimated_at <= timezone.now()
    assert plain.estimate is None and plain.estimated_at is None and plain.cover_photo == ""
    assert before <= plain.created_at == plain.updated_at < before + timedelta(minutes=1)


def test_times_go_to_a_binary_copy_as_the_server_reads_them():
    import struct
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from properties.bulk import _timestamptz

    oslo = datetime(2023, 3, 29, 22, 5, 36, 367000, tzinfo=ZoneInfo("Europe/Oslo"))
    micros = struct.unpack("!q", _timestamptz(oslo))[0]

    assert micros == ((23 * 365 + 6 + 87) * 86400 + 20 * 3600 + 5 * 60 + 36) * 10**6 + 367000  # 20:05:36.367 UTC
    assert _timestamptz("2023-03-29T20:05:36.367+00:00") == _timestamptz(oslo.astimezone(UTC)) == _timestamptz(oslo)
    assert _timestamptz(datetime(2000, 1, 1)) == bytes(8)  # without a zone: UTC, as the session's
