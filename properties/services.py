"""Writes to the catalogue. Every interface (sync, demo generator, admin) goes through here."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from . import bulk, reference
from .models import Category, Property, PropertySale, Source

# Upstream facts: what a sync may set. Estimates belong to the valuation model and are
# written by property_estimates_set, so a sync never overwrites them.
UPSTREAM_FIELDS = (
    "matrikkelenhet_id", "source", "category", "building_type_code", "address", "postcode", "town",
    "municipality_number", "municipality_name", "county_number", "county_name", "lat", "lon",
    "usable_area", "plot_area", "rooms", "bedrooms", "floors", "year_built", "features",
    "upstream_payload", "upstream_changed_at",
)
DERIVED_FIELDS = ("feature_mask", "content_hash", "search_text", "retired_at")
# A new property may arrive with a first estimate (the demo generator does this); it is used
# on insert only. Later estimates are written by property_estimates_set.
INITIAL_ESTIMATE_FIELDS = ("estimate", "estimate_low", "estimate_high", "estimate_source")
CATEGORIES = frozenset(Category.values)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: dict[str, int] = field(default_factory=dict)

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.ids.update(other.ids)
        return self


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def property_clean_row(row: dict) -> dict:
    """Validate and complete one upstream row. Raises ValidationError with a code; never half-fills."""
    errors = {}
    external_id = str(row.get("external_id") or "").strip()
    if not external_id:
        errors["external_id"] = ValidationError("external_id is required.", code="required")
    category = row.get("category")
    if category not in CATEGORIES:
        errors["category"] = ValidationError(f"Unknown category {category!r}.", code="invalid_category")
    municipality = reference.municipalities().get(str(row.get("municipality_number") or ""))
    if municipality is None:
        errors["municipality_number"] = ValidationError("Unknown municipality.", code="unknown_municipality")
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
        if not (57.0 <= lat <= 81.5 and -10.0 <= lon <= 35.0):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        errors["coordinate"] = ValidationError("A WGS84 coordinate in Norway is required.", code="invalid_coordinate")
    features = list(row.get("features") or [])
    unknown = [f for f in features if f not in reference.FEATURE_BITS]
    if unknown:
        errors["features"] = ValidationError(
            f"Unknown feature tags: {', '.join(map(str, unknown))}.", code="unknown_feature"
        )
    if errors or municipality is None:
        raise ValidationError(errors)

    clean: dict[str, Any] = {name: row.get(name) for name in UPSTREAM_FIELDS}
    clean["external_id"] = external_id
    clean["source"] = row.get("source") or Source.MATRIKKELEN
    clean["lat"], clean["lon"] = lat, lon
    clean["municipality_name"] = row.get("municipality_name") or municipality.name
    clean["county_number"] = municipality.county_number
    clean["county_name"] = municipality.county_name
    clean["features"] = sorted(set(features), key=reference.FEATURES.index)
    clean["upstream_payload"] = row.get("upstream_payload") or {}
    for name in ("address", "postcode", "town"):
        clean[name] = (clean[name] or "").strip()
    clean["feature_mask"] = reference.feature_mask(clean["features"])
    clean["search_text"] = reference.fold(
        f"{clean['address']} {clean['postcode']} {clean['town']} {clean['municipality_name']}")[:300]
    facts = {k: clean[k] for k in UPSTREAM_FIELDS if k != "upstream_changed_at"}
    clean["content_hash"] = hashlib.blake2b(
        json.dumps(facts, sort_keys=True, default=_json_default).encode(), digest_size=16).hexdigest()
    clean["retired_at"] = None
    if row.get("estimate") is not None:
        for name in INITIAL_ESTIMATE_FIELDS:
            clean[name] = row.get(name)
        if not (clean["estimate_low"] or 0) <= clean["estimate"] <= (clean["estimate_high"] or clean["estimate"]):
            raise ValidationError({"estimate": ValidationError("The estimate must lie inside its interval.",
                                                               code="invalid_estimate")})
        clean["estimate_source"] = clean["estimate_source"] or ""
    return clean


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


@transaction.atomic
def _upsert_batch(clean_rows: list[dict]) -> UpsertResult:
    by_id = {}
    for row in clean_rows:  # the last row for an external id wins within a batch
        by_id[row["external_id"]] = row
    now = timezone.now()
    update_columns = [*UPSTREAM_FIELDS, *DERIVED_FIELDS, "updated_at"]
    if connection.vendor == "postgresql":
        written, inserted = bulk.property_upsert(rows=list(by_id.values()), update_columns=update_columns, now=now)
    else:
        written, inserted = _upsert_portable(by_id, update_columns, now)
    result = UpsertResult(created=len(inserted), updated=len(written) - len(inserted),
                          unchanged=len(by_id) - len(written), ids=written)
    missing = [external_id for external_id in by_id if external_id not in written]
    if missing:
        result.ids.update(Property.objects.filter(external_id__in=missing).values_list("external_id", "id"))
    return result


def _upsert_portable(by_id: dict[str, dict], update_columns: list[str], now) -> tuple[dict[str, int], set[str]]:
    existing = {
        external_id: (content_hash, retired_at)
        for external_id, content_hash, retired_at in Property.objects.filter(external_id__in=list(by_id))
        .values_list("external_id", "content_hash", "retired_at")
    }
    to_write = []
    for external_id, row in by_id.items():
        stored = existing.get(external_id)
        # Unchanged facts are skipped; a retired property that comes back is revived.
        if stored is None or stored[0] != row["content_hash"] or stored[1] is not None:
            to_write.append(Property(**row, created_at=now, updated_at=now,
                                     estimated_at=now if row.get("estimate") is not None else None))
    if to_write:
        Property.objects.bulk_create(to_write, update_conflicts=True, unique_fields=["external_id"],
                                     update_fields=update_columns)
    keys = [p.external_id for p in to_write]
    written = dict(Property.objects.filter(external_id__in=keys).values_list("external_id", "id"))
    return written, {k for k in keys if k not in existing}


def property_upsert_many(*, rows: Iterable[dict], batch_size: int = 2000) -> UpsertResult:
    """Insert or update properties by external id, in bulk. Idempotent: a second run changes nothing.

    Each batch is one transaction, so a crash loses at most the batch in flight and a
    rerun completes it. Invalid rows raise ValidationError before anything of their
    batch is written.
    """
    total = UpsertResult()
    for batch in _batches(rows, batch_size):
        total += _upsert_batch([property_clean_row(row) for row in batch])
    return total


@transaction.atomic
def property_sales_record_many(*, sales: Iterable[dict], batch_size: int = 5000) -> int:
    """Record sales ({property_id, sold_on, price, true_value?, source?}); duplicates are ignored. Returns rows sent."""
    count = 0
    now = timezone.now()
    for batch in _batches(sales, batch_size):
        rows = []
        for sale in batch:
            if int(sale["price"]) <= 0:
                raise ValidationError({"price": ValidationError("Price must be positive.", code="invalid_price")})
            rows.append((sale["property_id"], sale["sold_on"], int(sale["price"]), sale.get("true_value"),
                         sale.get("source", Source.MATRIKKELEN), now))
        if connection.vendor == "postgresql":
            bulk.sales_insert(rows=rows)
        else:
            PropertySale.objects.bulk_create(
                [PropertySale(property_id=r[0], sold_on=r[1], price=r[2], true_value=r[3], source=r[4], created_at=now)
                 for r in rows], ignore_conflicts=True)
        count += len(rows)
    return count


@transaction.atomic
def property_estimates_set(
    *, estimates: Iterable[tuple[int, int, int, int]], source: str, batch_size: int = 5000
) -> int:
    """Write (property_id, estimate, low, high) for many properties. Returns rows given.

    On PostgreSQL a row that already holds these values is left alone (rewriting it would cost an entry
    in every index), so re-running a write after a crash resumes almost for free.
    """
    now = timezone.now()
    count = 0
    for batch in _batches(estimates, batch_size):
        if connection.vendor == "postgresql":
            bulk.property_estimates_update(rows=batch, source=source, now=now)
        else:
            objs = [Property(id=pid, estimate=est, estimate_low=low, estimate_high=high,
                             estimate_source=source, estimated_at=now) for pid, est, low, high in batch]
            Property.objects.bulk_update(objs, ["estimate", "estimate_low", "estimate_high", "estimate_source",
                                                "estimated_at"])
        count += len(batch)
    return count


@transaction.atomic
def property_retire_many(*, matrikkelenhet_ids: Iterable[int], at: datetime | None = None,
                         batch_size: int = 5000) -> int:
    """Mark properties deleted upstream as retired (never deleted: offers and favourites point at them).

    Already retired properties keep their date. Returns how many were retired now.
    """
    at = at or timezone.now()
    retired = 0
    for batch in _batches(matrikkelenhet_ids, batch_size):
        retired += Property.objects.filter(matrikkelenhet_id__in=batch, retired_at__isnull=True).update(
            retired_at=at, updated_at=at)
    return retired


def property_upsert_clean(*, clean_rows: list[dict]) -> UpsertResult:
    """Upsert one batch of rows that already went through `property_clean_row`, in one transaction.

    For callers that validate off the write path (the Matrikkelen sync cleans the next batch
    while this one is written); same effect as `property_upsert_many` on the raw rows.
    """
    return _upsert_batch(clean_rows) if clean_rows else UpsertResult()
