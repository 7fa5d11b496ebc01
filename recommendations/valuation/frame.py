"""A column table of sales or properties for the valuation model: plain numpy arrays, no pandas.

Every source (the database, a CSV file, the demo generator's arrays: ``standins.valuation``) is turned into a
:class:`Frame` with the same standard columns, so training, evaluation and prediction run
the same code whatever the data came from. Missing values are NaN (numbers) or "" (text).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from properties import reference

EPOCH = date(1970, 1, 1)
NUMERIC = ("usable_area", "plot_area", "rooms", "bedrooms", "floors", "year_built", "lat", "lon", "building_type")
TEXT = ("category", "municipality", "county")
TAGS = reference.FEATURES


def day_number(value: date) -> int:
    return (value - EPOCH).days


def day_to_date(day: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(day))


@dataclass
class Frame:
    """n rows. `price`/`sold_day` are NaN for properties that are being valued."""

    n: int
    price: np.ndarray
    sold_day: np.ndarray
    num: dict[str, np.ndarray]
    text: dict[str, np.ndarray]
    tags: np.ndarray | None = None  # bool (n, len(TAGS)) or None when the source has no tags
    extra_num: dict[str, np.ndarray] = field(default_factory=dict)
    extra_text: dict[str, np.ndarray] = field(default_factory=dict)
    true_value: np.ndarray | None = None  # synthetic data only
    names: np.ndarray | None = None  # display names of the municipality (explanations)

    def take(self, idx: np.ndarray) -> Frame:
        return Frame(
            n=len(idx), price=self.price[idx], sold_day=self.sold_day[idx],
            num={k: v[idx] for k, v in self.num.items()}, text={k: v[idx] for k, v in self.text.items()},
            tags=None if self.tags is None else self.tags[idx],
            extra_num={k: v[idx] for k, v in self.extra_num.items()},
            extra_text={k: v[idx] for k, v in self.extra_text.items()},
            true_value=None if self.true_value is None else self.true_value[idx],
            names=None if self.names is None else self.names[idx],
        )

    def copy(self) -> Frame:
        return self.take(np.arange(self.n))

    @property
    def has_tags(self) -> bool:
        return self.tags is not None

    def summary(self) -> dict:
        """What the training data looked like (stored with the model version)."""
        days = self.sold_day[np.isfinite(self.sold_day)]
        out: dict[str, Any] = {"rows": int(self.n)}
        if len(days):
            out["first_sale"] = day_to_date(days.min()).isoformat()
            out["last_sale"] = day_to_date(days.max()).isoformat()
        prices = self.price[np.isfinite(self.price)]
        if len(prices):
            out["median_price"] = float(np.median(prices))
        # Properties from the open address register have no category: None does not sort with text.
        cats, counts = np.unique(np.array([c or "" for c in self.text["category"]], dtype=object), return_counts=True)
        out["categories"] = {str(c or "(none)"): int(k) for c, k in zip(cats, counts, strict=True)}
        out["missing_share"] = {k: round(float(np.mean(~np.isfinite(v))), 4) for k, v in self.num.items()}
        if self.extra_num or self.extra_text:
            out["extra_features"] = sorted([*self.extra_num, *self.extra_text])
        return out


def empty_num(n: int) -> dict[str, np.ndarray]:
    return {k: np.full(n, np.nan) for k in NUMERIC}


def empty_text(n: int) -> dict[str, np.ndarray]:
    return {k: np.full(n, "", dtype=object) for k in TEXT}


def tags_from_mask(mask: np.ndarray) -> np.ndarray:
    mask = np.asarray(mask, np.int64)
    return np.stack([(mask >> i) & 1 for i in range(len(TAGS))], axis=1).astype(bool)


def from_property_rows(rows: list[tuple], *, price=None, sold_day=None, true_value=None) -> Frame:
    """Rows of PROPERTY_COLUMNS (see selectors) → Frame."""
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if n else [()] * len(PROPERTY_COLUMNS)
    get = dict(zip(PROPERTY_COLUMNS, cols, strict=True))

    def floats(name):
        return np.array([np.nan if v is None else float(v) for v in get[name]], float) if n else np.zeros(0)

    num = {
        "usable_area": floats("usable_area"), "plot_area": floats("plot_area"), "rooms": floats("rooms"),
        "bedrooms": floats("bedrooms"), "floors": floats("floors"), "year_built": floats("year_built"),
        "lat": floats("lat"), "lon": floats("lon"), "building_type": floats("building_type_code"),
    }
    text = {
        "category": np.array(get["category"], dtype=object) if n else np.zeros(0, object),
        "municipality": np.array(get["municipality_number"], dtype=object) if n else np.zeros(0, object),
        "county": np.array(get["county_number"], dtype=object) if n else np.zeros(0, object),
    }
    return Frame(
        n=n,
        price=np.full(n, np.nan) if price is None else np.asarray(price, float),
        sold_day=np.full(n, np.nan) if sold_day is None else np.asarray(sold_day, float),
        num=num, text=text,
        tags=tags_from_mask(np.array(get["feature_mask"], np.int64)) if n else np.zeros((0, len(TAGS)), bool),
        true_value=None if true_value is None else np.array([np.nan if v is None else v for v in true_value], float),
        names=np.array(get["municipality_name"], dtype=object) if n else np.zeros(0, object),
    )


PROPERTY_COLUMNS = (
    "id", "category", "building_type_code", "usable_area", "plot_area", "rooms", "bedrooms", "floors",
    "year_built", "lat", "lon", "municipality_number", "municipality_name", "county_number", "feature_mask",
)


def concat(parts: list[Frame]) -> Frame:
    first = parts[0]
    return Frame(
        n=sum(p.n for p in parts),
        price=np.concatenate([p.price for p in parts]),
        sold_day=np.concatenate([p.sold_day for p in parts]),
        num={k: np.concatenate([p.num[k] for p in parts]) for k in first.num},
        text={k: np.concatenate([p.text[k] for p in parts]) for k in first.text},
        tags=None if first.tags is None else np.concatenate([p.tags for p in parts]),
        extra_num={k: np.concatenate([p.extra_num[k] for p in parts]) for k in first.extra_num},
        extra_text={k: np.concatenate([p.extra_text[k] for p in parts]) for k in first.extra_text},
        true_value=None if first.true_value is None else np.concatenate([p.true_value for p in parts]),
        names=None if first.names is None else np.concatenate([p.names for p in parts]),
    )


def from_sales_file(data) -> Frame:
    """Rows read by `properties.sales.reader.sales_file_read` (a SalesFile) as a Frame; extras are extra features."""
    rows = data.rows
    n = len(rows)
    num, text = empty_num(n), empty_text(n)
    for i, row in enumerate(rows):
        for name in num:
            v = row.get(name)
            if v is not None:
                num[name][i] = v
        for name in text:
            v = row.get(name)
            if v:
                text[name][i] = v
    has_true = any(row.get("true_value") is not None for row in rows)
    return Frame(
        n=n, price=np.array([row["price"] for row in rows], float),
        sold_day=np.array([day_number(row["sold_on"]) for row in rows], float),
        num=num, text=text, tags=None,
        extra_num={k: np.array([np.nan if row[f"x:{k}"] is None else row[f"x:{k}"] for row in rows], float)
                   for k in data.extra_numeric},
        extra_text={k: np.array([row[f"x:{k}"] for row in rows], dtype=object) for k in data.extra_text},
        true_value=np.array([np.nan if row.get("true_value") is None else row["true_value"] for row in rows], float)
        if has_true else None,
    )
