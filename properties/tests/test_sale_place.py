"""Sales carry their property's category, coordinate and area (database triggers, migration 0007)."""
import random
from datetime import date

import pytest

from properties.models import Property, PropertySale
from properties.services import property_sales_record_many, property_upsert_many
from properties.tests.factories import PropertyFactory, property_row

pytestmark = pytest.mark.django_db


def _place(sale: PropertySale) -> tuple:
    sale.refresh_from_db()
    return sale.category, sale.lat, sale.lon, sale.usable_area


def test_a_sale_saved_through_the_orm_takes_its_propertys_place():
    prop = PropertyFactory(category="cabin", lat=61.1, lon=9.2, usable_area=74)
    sale = PropertySale.objects.create(property=prop, sold_on=date(2025, 3, 1), price=2_000_000)
    assert _place(sale) == ("cabin", 61.1, 9.2, 74)


def test_sales_recorded_in_bulk_take_their_propertys_place():
    a = PropertyFactory(category="residential", lat=60.39, lon=5.32, usable_area=None)
    b = PropertyFactory(category="commercial", lat=63.43, lon=10.39, usable_area=900)
    property_sales_record_many(sales=[{"property_id": a.pk, "sold_on": date(2025, 1, 2), "price": 4_000_000},
                                      {"property_id": b.pk, "sold_on": date(2025, 1, 3), "price": 9_000_000}])
    places = dict((s.property_id, _place(s)) for s in PropertySale.objects.all())
    assert places == {a.pk: ("residential", 60.39, 5.32, None), b.pk: ("commercial", 63.43, 10.39, 900)}


def test_a_property_that_moves_or_changes_carries_its_sales_along_and_others_stay():
    moved, still = PropertyFactory(lat=59.9, lon=10.7), PropertyFactory(lat=59.8, lon=10.6)
    sales = [PropertySale.objects.create(property=p, sold_on=date(2024, 6, d), price=3_000_000)
             for p in (moved, still) for d in (1, 2)]
    Property.objects.filter(pk=moved.pk).update(lat=59.95, usable_area=120, category="cabin")
    assert [_place(s) for s in sales] == [("cabin", 59.95, 10.7, 120)] * 2 + [("residential", 59.8, 10.6, 100)] * 2


def test_the_bulk_upsert_carries_a_corrected_coordinate_to_the_sales():
    row = property_row(random.Random(3), 0, "4601")
    prop_id = property_upsert_many(rows=[row]).ids[row["external_id"]]
    sale = PropertySale.objects.create(property_id=prop_id, sold_on=date(2024, 1, 5), price=3_500_000)
    property_upsert_many(rows=[{**row, "lat": row["lat"] + 0.01, "upstream_payload": {"fixed": True}}])
    assert _place(sale)[1] == pytest.approx(row["lat"] + 0.01)
