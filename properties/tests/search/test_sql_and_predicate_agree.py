"""The search's SQL and the alerts' Python predicate, both derived from the parameter table, select the
same rows: random parameter sets (hypothesis) over a generated catalogue with missing values and ties."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from properties import reference
from properties.models import Category, Property
from properties.search import params as table
from properties.search.matcher import SearchMatcher
from properties.search.selectors import properties_search
from properties.tests.factories import TEST_MUNICIPALITIES, make_catalogue

pytestmark = pytest.mark.django_db

CATALOGUE_SIZE = 300
PLACES = [reference.municipalities()[number] for number in TEST_MUNICIPALITIES]
WORDS = ["storgata", "kirkeveien", "skolebakken", "fjordvegen", "aerfuglstien", "Bøgata", "Ærfugl", "veien", "gata",
         "oslo", "bergen", "Tromsø", "12", "0150", "1", "sto", "ve"]


def _joined(values):
    """Comma-separated values, now and then with blank items (``,``, ``" , "``) or none at all."""
    return st.one_of(st.lists(st.sampled_from([*values, "", " "]), min_size=1, max_size=3).map(",".join),
                     st.sampled_from([",", " , ", ",,"]))


def _number(low: int, high: int):
    return st.integers(low, high).map(str)


def _decimal(low: float, high: float, places: int = 3):
    return st.floats(low, high, allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.{places}f}")


@st.composite
def _bbox(draw):
    place = draw(st.sampled_from(PLACES))
    west = place.lon + draw(st.floats(-0.3, 0.1))
    south = place.lat + draw(st.floats(-0.15, 0.05))
    return f"{west:.4f},{south:.4f},{west + draw(st.floats(0.01, 0.4)):.4f},{south + draw(st.floats(0.01, 0.2)):.4f}"


@st.composite
def _point(draw):
    place = draw(st.sampled_from(PLACES))
    return f"{place.lat + draw(st.floats(-0.1, 0.1)):.5f},{place.lon + draw(st.floats(-0.2, 0.2)):.5f}"


FILTER_VALUES = {
    "municipality": _joined([*TEST_MUNICIPALITIES, "Oslo", "Bergen", "tromso", "Vinje"]),
    "county": _joined(sorted({p.county_number for p in PLACES}) + ["Vestland", "Troms", "Oslo"]),
    "category": _joined(Category.values),
    "building_type": _joined(["111", "121", "131", "142", "161", "162", "311", "321", "511", "181"]),
    "estimate_min": _number(0, 13_000_000), "estimate_max": _number(0, 13_000_000),
    "area_min": _number(0, 450), "area_max": _number(0, 450),
    "rooms_min": _number(0, 15), "bedrooms_min": _number(0, 14),
    "year_min": _number(1880, 2030), "year_max": _number(1880, 2030),
    "features": _joined(list(reference.FEATURES)),
    "bbox": _bbox(),
    "near": _point(),
    "radius_km": _decimal(0.05, 100),
    "q": st.one_of(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join), st.text(max_size=12)),
    "sort": st.sampled_from(list(table.SORTS)),
}


@st.composite
def searches(draw):
    names = draw(st.lists(st.sampled_from(sorted(FILTER_VALUES)), max_size=5, unique=True))
    params = {name: draw(FILTER_VALUES[name]) for name in names}
    if "near" in params and draw(st.booleans()):
        params.setdefault("radius_km", draw(FILTER_VALUES["radius_km"]))
    return params


def _codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: sorted(e.code for e in errors) for field, errors in exc.error_dict.items()}


@pytest.fixture
def rows():
    make_catalogue(CATALOGUE_SIZE, seed=23)
    columns = ("id", *table.predicate_columns())
    return list(Property.objects.active().values(*columns))


def test_the_catalogue_has_the_awkward_cases(rows):
    assert len(rows) == CATALOGUE_SIZE
    assert any(r["usable_area"] is None for r in rows) and any(r["year_built"] is None for r in rows)
    assert len({r["municipality_number"] for r in rows}) == len(TEST_MUNICIPALITIES)


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(params=searches())
def test_sql_and_predicate_select_the_same_rows_for_any_search(rows, params):
    try:
        page = properties_search(params=params, page_size=CATALOGUE_SIZE + 1)
    except ValidationError as exc:
        # An invalid search is refused by both, with the same codes per parameter.
        with pytest.raises(ValidationError) as refused:
            SearchMatcher(params)
        assert _codes(refused.value) == _codes(exc)
        return
    matcher = SearchMatcher(params)
    assert {row["id"] for row in rows if matcher(row)} == {p.id for p in page.results}
