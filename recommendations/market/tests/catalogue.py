"""Small hand-made catalogues for the market trends and recommender tests."""
from __future__ import annotations

import itertools
from datetime import date

from properties import reference
from properties.models import Property, PropertySale

_counter = itertools.count(1)
CENTRES = {"0301": (59.91, 10.75, "Oslo", "03", "Oslo"), "4601": (60.39, 5.32, "Bergen", "46", "Vestland"),
           "3440": (61.33, 10.35, "Øyer", "34", "Innlandet"), "5001": (63.43, 10.39, "Trondheim", "50", "Trøndelag")}


def make_property(*, municipality: str = "0301", category: str = "cabin", estimate: int | None = 6_000_000,
                  area: int = 80, features=(), offset: float = 0.0) -> Property:
    n = next(_counter)
    lat, lon, name, county, county_name = CENTRES[municipality]
    return Property.objects.create(
        external_id=f"{municipality}-{n}/1/0/0", source="demo", category=category, address=f"Testveien {n}",
        municipality_number=municipality, municipality_name=name, county_number=county, county_name=county_name,
        lat=lat + offset + (n % 40) * 0.011, lon=lon + (n % 7) * 0.023, usable_area=area, estimate=estimate,
        features=list(features), feature_mask=reference.feature_mask(features), content_hash=str(n))


def make_sales(prop: Property, *, start_year: int = 2022, quarters: int = 16, base: float = 50_000,
               growth: float = 0.025, per_quarter: int = 1) -> None:
    sales = []
    for q in range(quarters):
        year, quarter = start_year + q // 4, q % 4
        for k in range(per_quarter):
            price = int(base * (1 + growth) ** q * (prop.usable_area or 100) * (1 + 0.001 * k))
            sales.append(PropertySale(property=prop, sold_on=date(year, quarter * 3 + 1, 1 + k), price=price))
    PropertySale.objects.bulk_create(sales)
