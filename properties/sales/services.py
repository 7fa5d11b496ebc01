"""Recording the sales a file holds against the catalogue's properties."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from properties.models import Property, PropertySale
from properties.services import property_sales_record_many

from .mapping import KEY_FIELDS
from .reader import SalesFile, SkippedRow

_LOOKUP = {"external_id": "external_id", "matrikkelenhet_id": "matrikkelenhet_id", "property_id": "id"}
_CHUNK = 5000


@dataclass
class SalesImportResult:
    recorded: int = 0
    would_record: int = 0
    already_recorded: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)  # rows read but not recorded, with their reasons


@transaction.atomic
def sales_import(*, data: SalesFile, source: str = "import", dry_run: bool = False) -> SalesImportResult:
    """Record the rows of `data` against known properties, matched by external_id (matrikkel number),
    matrikkelenhet_id or property_id (the first of these the mapping names). A row that names no known property, repeats
    an earlier row or is already recorded is skipped with its line and reason. Running it twice records nothing new.
    """
    key = next((k for k in KEY_FIELDS if data.rows and k in data.rows[0]), None)
    if key is None and data.rows:
        raise ValidationError("The mapping names no property key (external_id, matrikkelenhet_id or property_id).",
                              code="missing_property_key")
    result = SalesImportResult()
    if key is None:
        return result
    wanted = sorted({str(row[key]).strip() for row in data.rows if row.get(key)})
    lookup: dict[str, int] = {}
    for i in range(0, len(wanted), _CHUNK):
        part: list[str] | list[int] = wanted[i:i + _CHUNK]
        if key != "external_id":
            part = [int(v) for v in wanted[i:i + _CHUNK] if v.isdigit()]
        lookup.update((str(k), pk) for k, pk in
                      Property.objects.filter(**{f"{_LOOKUP[key]}__in": part}).values_list(_LOOKUP[key], "id"))
    sales, lines, seen = [], [], set()
    for line, row in zip(data.lines, data.rows, strict=True):
        value = str(row.get(key) or "").strip()
        if not value:
            result.skipped.append(SkippedRow(line, "missing_property_key", f"{key} is missing"))
            continue
        pk = lookup.get(value)
        if pk is None:
            result.skipped.append(SkippedRow(line, "unknown_property", f"no property with {key} {value!r}"))
            continue
        ident = (pk, row["sold_on"], int(round(row["price"])))
        if ident in seen:
            result.skipped.append(SkippedRow(line, "duplicate_in_file", "duplicate of an earlier row in the file"))
            continue
        seen.add(ident)
        sales.append({"property_id": pk, "sold_on": row["sold_on"], "price": ident[2], "true_value": None,
                      "source": source})
        lines.append(line)
    pks = sorted({s["property_id"] for s in sales})
    existing: set[tuple[int, dt.date, int]] = set()
    for i in range(0, len(pks), _CHUNK):
        existing.update(PropertySale.objects.filter(property_id__in=pks[i:i + _CHUNK])
                        .values_list("property_id", "sold_on", "price"))
    fresh = []
    for sale, line in zip(sales, lines, strict=True):
        if (sale["property_id"], sale["sold_on"], sale["price"]) in existing:
            result.already_recorded += 1
            result.skipped.append(SkippedRow(line, "already_recorded", "this sale is already recorded"))
        else:
            fresh.append(sale)
    result.would_record = len(fresh)
    if fresh and not dry_run:
        result.recorded = property_sales_record_many(sales=fresh)
    result.skipped.sort(key=lambda s: s.line)
    return result
