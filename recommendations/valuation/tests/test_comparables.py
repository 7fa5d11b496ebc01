"""Comparable sales: recent sales of the same category nearby, ranked by distance, size and age."""
from datetime import date, timedelta

import pytest

from properties.models import PropertySale
from properties.tests.factories import PropertyFactory
from recommendations.valuation.selectors import comparable_sales

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 1)
LAT, LON = 59.91, 10.75


def _sold(*, km_north: float, category: str = "residential", area: int = 100, days_ago: int = 100, price=4_000_000):
    prop = PropertyFactory(category=category, lat=LAT + km_north / 111.0, lon=LON, usable_area=area)
    PropertySale.objects.create(property=prop, sold_on=TODAY - timedelta(days=days_ago), price=price)
    return prop


def test_comparables_are_recent_same_category_sales_nearby_best_first():
    subject = PropertyFactory(lat=LAT, lon=LON, usable_area=100)
    PropertySale.objects.create(property=subject, sold_on=TODAY - timedelta(days=30), price=5_000_000)  # its own
    near = _sold(km_north=0.3)
    PropertySale.objects.create(property=near, sold_on=TODAY - timedelta(days=700), price=3_600_000)  # sold before too
    near_but_bigger = _sold(km_north=0.2, area=300)
    further = _sold(km_north=3.0)
    _sold(km_north=0.1, category="cabin")            # another category
    _sold(km_north=0.1, days_ago=365 * 6)            # too old
    _sold(km_north=80.0)                             # too far
    found = comparable_sales(prop=subject, today=TODAY)
    assert [c.property_id for c in found] == [near.pk, further.pk, near_but_bigger.pk]
    assert found[0].address == near.address and found[0].municipality_name == "Oslo"
    assert found[0].distance_km == pytest.approx(0.3, abs=0.01) and found[0].usable_area == 100
    assert found[0].price == 4_000_000  # of its two sales, the more recent one


def test_the_search_widens_until_enough_sales_are_found_and_stops_at_50_km():
    subject = PropertyFactory(lat=LAT, lon=LON)
    for km in (12.0, 14.0, 16.0, 40.0, 45.0):
        _sold(km_north=km)
    found = comparable_sales(prop=subject, limit=5, today=TODAY)
    assert len(found) == 5 and [c.distance_km for c in found] == sorted(c.distance_km for c in found)


def test_limit_caps_the_answer_and_a_lonely_property_gets_none():
    subject = PropertyFactory(lat=LAT, lon=LON)
    for km in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        _sold(km_north=km)
    assert len(comparable_sales(prop=subject, limit=3, today=TODAY)) == 3
    assert comparable_sales(prop=PropertyFactory(lat=78.2, lon=15.6, category="cabin"), today=TODAY) == []
