"""Tests for the synthetic Norway generator (standins.demo) and the generate_demo command."""
from __future__ import annotations

import hashlib
import io
from functools import cache

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection

from properties import reference
from properties.models import Property, PropertySale
from standins import demo

CALIBRATION_COUNT = 200_000  # pure generation (no DB): about 1 s


def _concat(chunks: list[demo.ChunkArrays], name: str) -> np.ndarray:
    return np.concatenate([getattr(c, name) for c in chunks])


@cache
def _sample(count: int, seed: int) -> tuple[demo.ChunkArrays, ...]:
    return tuple(demo.generate_arrays(count=count, seed=seed))


def _sales_2024(chunks: tuple[demo.ChunkArrays, ...]) -> dict[str, np.ndarray]:
    rows = np.concatenate([c.sale_row + c.start for c in chunks])
    quarter = demo.quarter_of_days(_concat(list(chunks), "sale_day"))
    in_2024 = (quarter >= 2024 * 4) & (quarter < 2025 * 4)
    return {
        "price": _concat(list(chunks), "sale_price")[in_2024],
        "muni": _concat(list(chunks), "muni")[rows][in_2024],
        "category": _concat(list(chunks), "category")[rows][in_2024],
        "code": _concat(list(chunks), "building_type")[rows][in_2024],
        "area": _concat(list(chunks), "usable_area")[rows][in_2024],
    }


def test_same_seed_gives_identical_output_and_other_seeds_differ():
    first = list(demo.generate(1_200, 5))
    again = list(demo.generate(1_200, 5))
    other = list(demo.generate(1_200, 6))
    assert first == again
    assert first[0].properties != other[0].properties
    assert first[0].sales != other[0].sales


def test_count_category_shares_and_unique_ids():
    chunks = list(demo.generate(20_000, 11))
    properties = [row for chunk in chunks for row in chunk.properties]
    assert len(properties) == 20_000
    assert len({row["external_id"] for row in properties}) == 20_000
    assert len({row["matrikkelenhet_id"] for row in properties}) == 20_000
    shares = {cat: sum(row["category"] == cat for row in properties) / 20_000 for cat in demo.CATEGORIES}
    assert shares["residential"] == pytest.approx(0.78, abs=0.02)
    assert shares["cabin"] == pytest.approx(0.15, abs=0.015)
    assert shares["commercial"] == pytest.approx(0.07, abs=0.01)
    types = reference.building_types()
    assert all(types[row["building_type_code"]].category == row["category"] for row in properties)
    assert all(row["source"] == "demo" and row["upstream_payload"]["synthetic"] for row in properties)
    assert all(row["bedrooms"] is None or row["bedrooms"] < row["rooms"] for row in properties)
    assert all(1850 <= row["year_built"] <= 2026 for row in properties)
    assert all(len(row["postcode"]) == 4 and row["postcode"].isdigit() for row in properties)


def test_municipalities_valid_and_spread_follows_population():
    chunks = _sample(20_000, 3)
    muni = _concat(list(chunks), "muni")
    category = _concat(list(chunks), "category")
    numbers = demo._geo().numbers
    assert set(numbers) == set(reference.municipalities())
    residential = muni[category == demo.RESIDENTIAL]
    population = reference.municipalities()
    total = sum(m.population for m in population.values())
    for number in ("0301", "4601", "5001"):
        share = np.mean(residential == numbers.index(number))
        assert share == pytest.approx(population[number].population / total, rel=0.15)
    # cabin-heavy municipalities have more cabins than homes; Oslo has almost none
    cabins = np.bincount(muni[category == demo.CABIN], minlength=len(numbers))
    homes = np.bincount(residential, minlength=len(numbers))
    for number in ("3440", "3421"):  # Øyer, Trysil
        assert cabins[numbers.index(number)] > homes[numbers.index(number)]
    assert cabins[numbers.index("0301")] < 0.02 * homes[numbers.index("0301")]


def test_coordinates_inside_bounds():
    chunks = _sample(20_000, 3)
    lat, lon = _concat(list(chunks), "lat"), _concat(list(chunks), "lon")
    assert lat.min() >= demo.LAT_RANGE[0] and lat.max() <= demo.LAT_RANGE[1]
    assert lon.min() >= demo.LON_RANGE[0] and lon.max() <= demo.LON_RANGE[1]


@pytest.mark.parametrize(("number", "published"), [("0301", 73_055), ("4601", 40_435), ("5001", 40_851)])
def test_2024_enebolig_price_per_m2_matches_ssb(number, published):
    sales = _sales_2024(_sample(CALIBRATION_COUNT, 1))
    selected = (sales["muni"] == demo._geo().numbers.index(number)) & (sales["code"] == 111)
    assert selected.sum() > 100
    median = np.median(sales["price"][selected] / sales["area"][selected])
    assert median == pytest.approx(published, rel=0.15)


def test_2024_mean_cabin_price_matches_eiendom_norge():
    sales = _sales_2024(_sample(CALIBRATION_COUNT, 1))
    cabins = sales["category"] == demo.CABIN
    assert cabins.sum() > 1_000
    assert sales["price"][cabins].mean() == pytest.approx(3_210_967, rel=0.15)


def test_sales_noise_has_documented_sigma_and_no_same_day_resale():
    chunks = _sample(CALIBRATION_COUNT, 1)
    price, true = _concat(list(chunks), "sale_price"), _concat(list(chunks), "sale_true_value")
    assert len(price) == CALIBRATION_COUNT
    assert (true > 0).all() and (price > 0).all() and (price % 1000 == 0).all()
    log_ratio = np.log(price / true)
    assert log_ratio.std() == pytest.approx(demo.SALE_SIGMA, rel=0.05)
    assert abs(np.median(log_ratio)) < 0.005
    for c in chunks:
        pairs = c.sale_row.astype(np.int64) * 100_000 + c.sale_day
        assert len(np.unique(pairs)) == len(pairs)


def test_no_sale_comes_before_the_year_before_the_building_stands():
    chunks = _sample(CALIBRATION_COUNT, 1)
    built = np.concatenate([c.year_built[c.sale_row] for c in chunks])
    sold = np.datetime64(demo.FIRST_SALE_DAY) + _concat(list(chunks), "sale_day")
    sold_year = sold.astype("datetime64[Y]").astype(np.int64) + 1970
    assert (sold_year >= built - 1).all()
    # New homes do sell: the rule trims the sales before construction, it does not remove the new builds.
    assert ((built >= 2020) & (sold_year >= 2020)).sum() > 0.01 * len(built)


def test_estimates_bracket_the_value():
    chunk = next(demo.generate(2_000, 9))
    for _, estimate, low, high in chunk.estimates:
        assert low <= estimate <= high
    sale = chunk.sales[0]
    assert set(sale) == {"external_id", "sold_on", "price", "true_value", "source"}
    assert demo.FIRST_SALE_DAY <= sale["sold_on"] <= demo.DEFAULT_TODAY


def test_market_index_follows_ssb_and_is_flat_after_last_quarter():
    index = demo.market_index()
    oslo, norge = np.array([1]), np.array([0])
    assert index.values[1, 2023 * 4 - index.first_quarter] == pytest.approx(157.0)
    assert index.values[0, 2015 * 4 + 1 - index.first_quarter] == pytest.approx(100, rel=0.02)
    assert index.factor(norge, np.array([2026 * 4 + 3])) == index.factor(norge, np.array([2026 * 4 + 1]))
    assert index.factor(oslo, np.arange(2024 * 4, 2025 * 4)).mean() == pytest.approx(1.0)


def _table_checksum() -> tuple[int, int, str]:
    digest = hashlib.blake2b(digest_size=16)
    with connection.cursor() as cursor:
        for table in (Property._meta.db_table, PropertySale._meta.db_table):
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return Property.objects.count(), PropertySale.objects.count(), digest.hexdigest()


@pytest.mark.django_db
def test_command_is_idempotent():
    call_command("generate_demo", count=400, seed=42, sales=600, batch_size=150, stdout=io.StringIO())
    first = _table_checksum()
    assert first[0] == 400 and first[1] == 600
    assert Property.objects.filter(estimate__isnull=True).count() == 0
    assert not PropertySale.objects.filter(true_value__isnull=True).exists()
    call_command("generate_demo", count=400, seed=42, sales=600, batch_size=150, stdout=io.StringIO())
    assert _table_checksum() == first
