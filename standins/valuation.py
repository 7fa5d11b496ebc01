"""The demo generator's sales as a valuation Frame (no database): the valuation bench and model tests train on it."""
from __future__ import annotations

import numpy as np

from properties import reference
from recommendations.valuation.frame import Frame, concat, day_number

from . import demo


def from_demo_arrays(chunks) -> Frame:
    """Sales of `standins.demo.generate_arrays` chunks as a Frame (no database; used by the bench and tests)."""
    geo = demo._geo()
    munis = reference.municipalities()
    parts = []
    for a in chunks:
        r = a.sale_row

        def col(x, none_below=None):
            v = x[r].astype(float)  # noqa: B023 - col is called only within this iteration
            if none_below is not None:
                v[v < none_below] = np.nan
            return v

        muni_numbers = np.array(geo.numbers, dtype=object)[a.muni[r]]
        parts.append(Frame(
            n=len(r), price=a.sale_price.astype(float),
            sold_day=(a.sale_day + day_number(demo.FIRST_SALE_DAY)).astype(float),
            num={"usable_area": col(a.usable_area), "plot_area": col(a.plot_area, 0), "rooms": col(a.rooms, 0),
                 "bedrooms": col(a.bedrooms, 0), "floors": col(a.floors), "year_built": col(a.year_built),
                 "lat": col(a.lat), "lon": col(a.lon), "building_type": col(a.building_type)},
            text={"category": np.array(demo.CATEGORIES, dtype=object)[a.category[r]],
                  "municipality": muni_numbers,
                  "county": np.array([munis[m].county_number for m in muni_numbers], dtype=object)},
            tags=a.features[r], true_value=a.sale_true_value.astype(float),
            names=np.array(geo.names, dtype=object)[a.muni[r]],
        ))
    return concat(parts)
