"""Test data: factories and a seeded random catalogue with the awkward cases search must handle."""
from __future__ import annotations

import random
from datetime import UTC, datetime

import factory

from properties import reference
from properties.models import Category, Property
from properties.services import property_estimates_set, property_upsert_many

# A handful of real municipalities with their real points: dense city, small town, rural coast.
TEST_MUNICIPALITIES = ["0301", "4601", "5025", "5501", "3110", "3440", "1103"]


def property_row(rng: random.Random, index: int, municipality_number: str | None = None) -> dict:
    municipality = reference.municipalities()[municipality_number or rng.choice(TEST_MUNICIPALITIES)]
    category = rng.choices(Category.values, weights=[70, 20, 10])[0]
    code = {"residential": rng.choice([111, 121, 131, 142]), "cabin": rng.choice([161, 162]),
            "commercial": rng.choice([311, 321, 511])}[category]
    street = rng.choice(["Storgata", "Kirkeveien", "Skolebakken", "Fjordvegen", "Ærfuglstien", "Bøgata"])
    area = rng.choice([None] + [rng.randrange(25, 400, 5) for _ in range(9)])  # 10% unknown, repeated values
    rooms = None if area is None else max(1, area // 30)
    return {
        "external_id": f"{municipality.number}-{index // 50 + 1}/{index % 50 + 1}/0/0",
        "category": category,
        "building_type_code": code,
        "address": f"{street} {rng.randint(1, 120)}",
        "postcode": f"{rng.randint(1, 9999):04d}",
        "town": municipality.name,
        "municipality_number": municipality.number,
        "lat": municipality.lat + rng.uniform(-0.08, 0.08),
        "lon": municipality.lon + rng.uniform(-0.15, 0.15),
        "usable_area": area,
        "plot_area": rng.choice([None, rng.randint(100, 5000)]),
        "rooms": rooms,
        "bedrooms": None if rooms is None else max(0, rooms - 1),
        "floors": rng.choice([None, 1, 2, 3]),
        "year_built": rng.choice([None, rng.randint(1890, 2025), rng.randint(1990, 2000)]),
        "features": rng.sample(reference.FEATURES, rng.randint(0, 4)),
        "upstream_payload": {"test": True, "index": index},
        "upstream_changed_at": datetime(2025, 1, 1, tzinfo=UTC),
        "source": "demo",
    }


def make_catalogue(count: int, *, seed: int = 1, start: int = 0) -> list[Property]:
    """`count` properties through the real upsert service, with estimates that tie and are sometimes missing."""
    rng = random.Random(seed)
    rows = [property_row(rng, start + i) for i in range(count)]
    result = property_upsert_many(rows=rows)
    estimates = []
    for row in rows:
        if rng.random() < 0.1:
            continue  # not estimated yet
        estimate = rng.randrange(1_000_000, 12_000_000, 250_000)  # coarse steps: many ties
        estimates.append((result.ids[row["external_id"]], estimate, int(estimate * 0.85), int(estimate * 1.15)))
    property_estimates_set(estimates=estimates, source="test")
    return list(Property.objects.filter(id__in=result.ids.values()))


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    external_id = factory.Sequence(lambda n: f"0301-{n + 1}/1/0/0")
    category = Category.RESIDENTIAL
    building_type_code = 111
    address = factory.Sequence(lambda n: f"Testveien {n + 1}")
    postcode = "0150"
    town = "Oslo"
    municipality_number = "0301"
    municipality_name = "Oslo"
    county_number = "03"
    county_name = "Oslo"
    lat = 59.91
    lon = 10.75
    usable_area = 100
    estimate = 5_000_000
    estimate_low = 4_500_000
    estimate_high = 5_500_000
