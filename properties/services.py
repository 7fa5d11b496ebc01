"""Writes to the catalogue. Every interface (sync, demo generator, admin) goes through here."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from itertools import islice
from operator import itemgetter
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from . import bulk, reference
from .models import FACT_COLUMNS, FACTS, Category, FactSource, Property, PropertySale, Source

# What an import may set. Estimates belong to the valuation model and are written by
# property_estimates_set, so an import never overwrites them. Each import owns the facts its
# source has (row["facts"]; FACTS by default) and leaves the others as another source set them.
FACT_FIELDS = {fact: FACT_COLUMNS.get(fact, (fact,)) for fact in FACTS}
IDENTITY_FIELDS = ("source", "municipality_number", "municipality_name", "county_number", "county_name",
                   "upstream_payload", "upstream_changed_at")
UPSTREAM_FIELDS = ("matrikkelenhet_id", *IDENTITY_FIELDS, *(c for columns in FACT_FIELDS.values() for c in columns),
                   "fact_sources")
DERIVED_FIELDS = ("feature_mask", "content_hash", "search_text", "retired_at")
# A new property may arrive with a first estimate (the demo generator does this); it is used
# on insert only. Later estimates are written by property_estimates_set.
INITIAL_ESTIMATE_FIELDS = ("estimate", "estimate_low", "estimate_high", "estimate_source")
CATEGORIES = frozenset(Category.values)
FACT_SOURCE_OF: dict[str, str] = {
    Source.MATRIKKELEN: FactSource.MATRIKKEL_API, Source.OPEN_REGISTER: FactSource.OPEN_REGISTER,
    Source.DEMO: FactSource.DEMO,
}
SEARCH_TEXT_LENGTH = 1000
FACT_SOURCE_VALUES = frozenset(FactSource.values)


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


FACT_COLUMNS_ALL = frozenset(c for columns in FACT_FIELDS.values() for c in columns)
JSON_COLUMNS = ("features", "addresses", "fact_sources", "upstream_payload")
_FEATURE_ORDER = {name: i for i, name in enumerate(reference.FEATURES)}


@dataclass(frozen=True)
class _Owned:
    """What follows from the facts one source has: the columns it sets, writes over and hashes."""

    facts: tuple[str, ...]
    columns: frozenset  # columns whose values come from the row; the other fact columns are unknown (None)
    labelled: tuple[str, ...]  # fact_sources keys it sets (every fact but the feature tags it does not have)
    hashed_sources: tuple[str, ...]
    taken: tuple[str, ...]  # UPSTREAM_FIELDS read from the row
    unknown: dict  # {fact column: None} for the facts it does not have


_owned_cache: dict[tuple[str, ...], _Owned | None] = {}


def _owned(facts: tuple[str, ...]) -> _Owned | None:
    """The facts' consequences, decided once per set of facts; None when the facts are not valid."""
    if facts not in _owned_cache:
        if "location" not in facts or "address" not in facts or any(f not in FACT_FIELDS for f in facts):
            _owned_cache[facts] = None
        else:
            columns = frozenset(c for f in facts for c in FACT_FIELDS[f])
            labelled = tuple(f for f in FACTS if f != "features" or "features" in facts)
            hashed = tuple(f for f in labelled if f in facts)
            taken = tuple(n for n in UPSTREAM_FIELDS if n in columns or n not in FACT_COLUMNS_ALL)
            unknown = {n: None for n in UPSTREAM_FIELDS if n not in taken}
            _owned_cache[facts] = _Owned(facts, columns, labelled, hashed, taken, unknown)
    return _owned_cache[facts]


# json.dumps(value, ensure_ascii=False, default=_json_default) without its per-call set-up and without the
# check for circular references (these values come from parsed data): CPython's C encoder, made once.
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_c_encode = _c_make_encoder(None, _json_default, json.encoder.encode_basestring, None, ": ", ", ", False, False,
                            True) if _c_make_encoder else None
_encoder = json.JSONEncoder(ensure_ascii=False, default=_json_default)


def _dumps(value) -> str:
    return "".join(_c_encode(value, 0)) if _c_encode else _encoder.encode(value)


_sources_texts: dict[tuple, str] = {}


def _sources_text(label: str, owned: _Owned, tags: tuple[str, ...] | None) -> str:
    """fact_sources as JSON: the same for every property of one import (but its tags), so written once."""
    key = (label, owned.facts, tags)
    if key not in _sources_texts:
        sources: dict = dict.fromkeys(owned.labelled, label)
        if tags is not None:
            sources["feature_tags"] = dict.fromkeys(tags, label)
        if len(_sources_texts) > 10_000:
            _sources_texts.clear()
        _sources_texts[key] = _dumps(sources)
    return _sources_texts[key]


@dataclass(frozen=True)
class _HashPlan:
    """How the content hash reads a clean row whose source has these facts (decided once per shape)."""

    columns: tuple[str, ...]  # _update_columns
    scalars: Any  # itemgetter of the plain columns hashed, in column order
    json: tuple[str, ...]  # the JSON texts hashed after them
    started: Any  # the hash fed with the start of the hashed text, the same for every row of the shape


@cache
def _hash_plan(facts: tuple[str, ...], with_mid: bool) -> _HashPlan:
    columns = _update_columns(facts, with_mid=with_mid)
    scalars = [k for k in columns if k in UPSTREAM_FIELDS and k not in JSON_COLUMNS and k != "upstream_changed_at"]
    getter = itemgetter(*scalars) if len(scalars) > 1 else (lambda row: (row[scalars[0]],))
    return _HashPlan(columns, getter, tuple(n for n in JSON_COLUMNS if n in columns and n != "fact_sources"),
                     hashlib.blake2b(f"({columns!r}, ".encode(), digest_size=16))


_hashed_sources_texts: dict[tuple, str] = {}


def _content_hash(clean: dict, plan: _HashPlan, hashed_sources: str) -> str:
    """What the unchanged check compares: the written columns' values and the sources of the facts hashed.

    The text hashed is repr((columns, [plain values], {fact: source})) then each JSON text after a 0x1f.
    """
    texts = clean["_json"]
    hashed = [repr(list(plan.scalars(clean))), ", ", hashed_sources, ")"]
    for name in plan.json:
        hashed += ("\x1f", texts[name])
    digest = plan.started.copy()
    digest.update("".join(hashed).encode())
    return digest.hexdigest()


def property_clean_row(row: dict) -> dict:
    """Validate and complete one upstream row. Raises ValidationError with a code; never half-fills.

    `row["facts"]` names the facts (models.FACTS) this source has; the row's values for them are
    written (None = the source does not know it), the others are left as they are on an existing
    property and are unknown on a new one. `row["fact_source"]` labels them (by default from
    `row["source"]`). Derived: county, feature mask, search text, per-fact sources, content hash.
    Runs for every property of every import: kept lean (it bounds the open register's import rate);
    what depends only on the facts a source has is worked out once (_owned, _hash_plan).
    """
    errors: dict[str, ValidationError] = {}
    get = row.get
    external_id = str(get("external_id") or "").strip()
    if not external_id:
        errors["external_id"] = ValidationError("external_id is required.", code="required")
    facts = get("facts") or FACTS
    if type(facts) is not tuple:
        facts = tuple(facts)
    owned = _owned(facts)
    if owned is None:
        errors["facts"] = ValidationError(f"Facts must include location and address and be among {', '.join(FACTS)}.",
                                          code="invalid_facts")
    category = get("category")
    if category is not None and category not in CATEGORIES:
        errors["category"] = ValidationError(f"Unknown category {category!r}.", code="invalid_category")
    municipality = reference.municipalities().get(str(get("municipality_number") or ""))
    if municipality is None:
        errors["municipality_number"] = ValidationError("Unknown municipality.", code="unknown_municipality")
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
        if not (57.0 <= lat <= 81.5 and -10.0 <= lon <= 35.0):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        errors["coordinate"] = ValidationError("A WGS84 coordinate in Norway is required.", code="invalid_coordinate")
    features = get("features") or ()
    if features:
        unknown = [f for f in features if f not in reference.FEATURE_BITS]
        if unknown:
            errors["features"] = ValidationError(
                f"Unknown feature tags: {', '.join(map(str, unknown))}.", code="unknown_feature"
            )
    source = str(get("source") or Source.MATRIKKELEN)
    label = str(get("fact_source") or FACT_SOURCE_OF.get(source))
    if label not in FACT_SOURCE_VALUES:
        errors["fact_source"] = ValidationError(f"Unknown fact source {label!r}.", code="invalid_fact_source")
    if errors or municipality is None or owned is None:
        raise ValidationError(errors)

    clean: dict[str, Any] = {name: get(name) for name in owned.taken}
    clean.update(owned.unknown)
    with_features = "features" in facts
    clean["external_id"] = external_id
    clean["source"] = source
    clean["lat"], clean["lon"] = lat, lon
    clean["municipality_name"] = get("municipality_name") or municipality.name
    clean["county_number"] = municipality.county_number
    clean["county_name"] = municipality.county_name
    clean["features"] = tags = sorted(set(features), key=_FEATURE_ORDER.__getitem__) if with_features else []
    clean["upstream_payload"] = get("upstream_payload") or {}
    clean["address"] = address = (clean["address"] or "").strip()
    clean["postcode"] = postcode = (clean["postcode"] or "").strip()
    clean["town"] = town = (clean["town"] or "").strip()
    given = get("addresses")
    clean["addresses"] = addresses = (
        [
            {
                "text": a.get("text"),
                "postcode": a.get("postcode"),
                "town": a.get("town"),
                "lat": a.get("lat"),
                "lon": a.get("lon"),
            }
            for a in given
        ]
        if given
        else [{"text": address, "postcode": postcode, "town": town, "lat": lat, "lon": lon}]
        if address
        else []
    )
    sources: dict = dict.fromkeys(owned.labelled, label)
    if with_features:
        sources["feature_tags"] = dict.fromkeys(tags, label)
    clean["fact_sources"] = sources
    clean["feature_mask"] = reference.feature_mask(tags) if tags else 0
    places = " ".join(f"{a['text']} {a['postcode'] or ''} {a['town'] or ''}" for a in addresses)
    clean["search_text"] = reference.fold(
        f"{address} {postcode} {town} {clean['municipality_name']} {places}")[:SEARCH_TEXT_LENGTH]
    clean["_owned"] = facts
    plan = _hash_plan(facts, clean["matrikkelenhet_id"] is not None)
    clean["_update_columns"] = plan.columns
    # JSON is written once: the bulk write sends these texts, and the content hash covers them.
    clean["_json"] = {
        "features": _dumps(tags) if tags else "[]",
        "fact_sources": _sources_text(label, owned, tuple(tags) if with_features else None),
        "addresses": _dumps(addresses), "upstream_payload": _dumps(clean["upstream_payload"]),
    }
    if with_features:
        hashed_sources = repr({**{k: sources[k] for k in owned.hashed_sources},
                               "feature_tags": sources["feature_tags"]})
    else:  # the same text for every row of the import
        key = (label, facts)
        hashed_sources = _hashed_sources_texts.get(key) or _hashed_sources_texts.setdefault(
            key, repr({k: label for k in owned.hashed_sources}))
    clean["content_hash"] = _content_hash(clean, plan, hashed_sources)
    clean["retired_at"] = None
    if get("estimate") is not None:
        for name in INITIAL_ESTIMATE_FIELDS:
            clean[name] = get(name)
        if not (clean["estimate_low"] or 0) <= clean["estimate"] <= (clean["estimate_high"] or clean["estimate"]):
            raise ValidationError({"estimate": ValidationError("The estimate must lie inside its interval.",
                                                               code="invalid_estimate")})
        clean["estimate_source"] = clean["estimate_source"] or ""
    return clean


@cache
def _update_columns(owned: tuple[str, ...], *, with_mid: bool) -> tuple[str, ...]:
    """The columns an import writes over an existing property: what its source has, and what follows from it."""
    columns = [*(("matrikkelenhet_id",) if with_mid else ()), *IDENTITY_FIELDS]
    for fact in FACTS:
        if fact in owned:
            columns += FACT_FIELDS[fact]
    columns += ["fact_sources", "content_hash", "search_text", "retired_at"]
    if "features" in owned:
        columns.append("feature_mask")
    return tuple(columns)


def owned_fact_keys(owned: tuple[str, ...]) -> list[str]:
    """The keys of Property.fact_sources an import with these facts replaces."""
    return [*owned, *(("feature_tags",) if "features" in owned else ())]


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


@transaction.atomic
def _upsert_batch(clean_rows: list[dict]) -> UpsertResult:
    by_id = {}
    for row in clean_rows:  # the last row for an external id wins within a batch
        by_id[row["external_id"]] = row
    groups: dict[tuple, dict[str, dict]] = {}
    for external_id, row in by_id.items():  # rows of one source share their columns; a mixed batch is split
        groups.setdefault((row["_owned"], row["_update_columns"]), {})[external_id] = row
    now = timezone.now()
    result = UpsertResult()
    for (owned, columns), rows in groups.items():
        update_columns = [*columns, "updated_at"]
        not_owned = [key for key in [*FACTS, "feature_tags"] if key not in owned_fact_keys(owned)]
        if connection.vendor == "postgresql":
            written, inserted = bulk.property_upsert(rows=list(rows.values()), update_columns=update_columns, now=now,
                                                     keep_fact_sources=not_owned, owner_columns=OWNER_FACT_COLUMNS)
        else:
            written, inserted = _upsert_portable(rows, update_columns, now, keep_fact_sources=not_owned)
        result += UpsertResult(created=len(inserted), updated=len(written) - len(inserted),
                               unchanged=len(rows) - len(written), ids=written)
    missing = [external_id for external_id in by_id if external_id not in result.ids]
    if missing:
        result.ids.update(Property.objects.filter(external_id__in=missing).values_list("external_id", "id"))
    return result


def _upsert_portable(by_id: dict[str, dict], update_columns: list[str], now, *,
                     keep_fact_sources: list[str]) -> tuple[dict[str, int], set[str]]:
    existing = {
        external_id: (content_hash, retired_at, fact_sources, values)
        for external_id, content_hash, retired_at, fact_sources, *values in Property.objects.filter(
            external_id__in=list(by_id))
        .values_list("external_id", "content_hash", "retired_at", "fact_sources", *OWNER_SETTABLE_FACTS)
    }
    to_write = []
    for external_id, row in by_id.items():
        stored = existing.get(external_id)
        # Unchanged facts are skipped; a retired property that comes back is revived.
        if stored is None or stored[0] != row["content_hash"] or stored[1] is not None:
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            if stored is not None:  # the facts this source does not have keep their sources
                stored_sources = stored[2] or {}
                held = [f for f in OWNER_SETTABLE_FACTS if _owner_holds(stored_sources, f)]
                keep = {*keep_fact_sources, *held, *(("feature_tags",) if "features" in held else ())}
                merged = _merge_upstream_row(stored_sources, dict(zip(OWNER_SETTABLE_FACTS, stored[3], strict=True)),
                                             values, row["_owned"], row["fact_sources"])
                values["fact_sources"] = {**merged, **{k: v for k, v in row["fact_sources"].items() if k not in keep}}
            to_write.append(Property(**values, created_at=now, updated_at=now,
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
        else:  # one UPDATE per row, sent together: bulk_update's CASE expressions are slow to build and parse
            at = Property._meta.get_field("estimated_at").get_db_prep_save(now, connection)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE properties_property SET estimate = %s, estimate_low = %s, estimate_high = %s, "
                    "estimate_source = %s, estimated_at = %s WHERE id = %s",
                    [(est, low, high, source, at, pid) for pid, est, low, high in batch])
        count += len(batch)
    return count


@transaction.atomic
def property_retire_many(*, matrikkelenhet_ids: Iterable[int] = (), ids: Iterable[int] = (),
                         at: datetime | None = None, batch_size: int = 5000) -> int:
    """Mark properties deleted upstream as retired (never deleted: offers and favourites point at them).

    By Matrikkelen's internal id, or by epty's id (sources without internal ids). Already retired
    properties keep their date. Returns how many were retired now.
    """
    at = at or timezone.now()
    retired = 0
    for column, values in (("matrikkelenhet_id", matrikkelenhet_ids), ("id", ids)):
        for batch in _batches(values, batch_size):
            retired += Property.objects.filter(**{f"{column}__in": batch}, retired_at__isnull=True).update(
                retired_at=at, updated_at=at)
    return retired


def property_insert_clean(*, clean_rows: list[dict]) -> UpsertResult:
    """Insert rows of properties the caller found new (`property_clean_row` output), as fast as COPY.

    Should one exist after all (another writer got there first), the batch is upserted instead:
    same result, slower path. Ids are not returned (`ids` is empty).
    """
    if not clean_rows:
        return UpsertResult()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                created = bulk.property_insert(rows=clean_rows, now=timezone.now())
            else:
                now = timezone.now()
                Property.objects.bulk_create([Property(
                    **{k: v for k, v in row.items() if not k.startswith("_")}, created_at=now, updated_at=now,
                    estimated_at=now if row.get("estimate") is not None else None) for row in clean_rows])
                created = len(clean_rows)
    except IntegrityError:
        result = _upsert_batch(clean_rows)
        result.ids = {}
        return result
    return UpsertResult(created=created)


def property_upsert_clean(*, clean_rows: list[dict]) -> UpsertResult:
    """Upsert one batch of rows that already went through `property_clean_row`, in one transaction.

    For callers that validate off the write path (the Matrikkelen sync cleans the next batch
    while this one is written); same effect as `property_upsert_many` on the raw rows.
    """
    return _upsert_batch(clean_rows) if clean_rows else UpsertResult()


SETTABLE_FACTS = tuple(f for f in FACTS if f not in ("location", "address"))

# --- the owner's facts -------------------------------------------------------------------------
# The one rule: a fact an owner supplied (its source is FactSource.OWNER) keeps the owner's value in
# its column (so search, the API, the recommender and the valuation use it); any other source that
# writes the fact later (a Matrikkelen or open-register sync, the demo generator) is recorded beside
# it, under fact_sources["upstream"][fact] = {"value", "source"} (and "feature_tags" for features),
# so it can be shown and restored. property_facts_set_many and the portable upsert apply it in Python
# through _owner_holds; bulk.property_upsert says the same in SQL, from OWNER_FACT_COLUMNS.
OWNER_SETTABLE_FACTS = ("usable_area", "rooms", "bedrooms", "year_built", "features")
OWNER_FACT_COLUMNS = {"usable_area": "usable_area", "rooms": "rooms", "bedrooms": "bedrooms",
                      "year_built": "year_built", "features": "features", "feature_mask": "features"}
UPSTREAM_KEY = "upstream"


def _owner_holds(sources: dict, fact: str) -> bool:
    return fact in OWNER_SETTABLE_FACTS and sources.get(fact) == FactSource.OWNER


def _upstream_record(fact: str, value: Any, source: str | None, tags: dict | None) -> dict:
    record: dict[str, Any] = {"value": value, "source": source}
    if fact == "features":
        record["feature_tags"] = tags or {}
    return record


def _merge_upstream_row(stored_sources: dict, stored_values: dict, values: dict, owned: tuple[str, ...],
                        incoming: dict) -> dict:
    """The portable upsert's side of the rule: of the `values` about to be written over a stored property
    (from a source with the facts `owned`, labelled `incoming`), the facts an owner holds keep the stored
    value and the incoming one is recorded as upstream. Changes `values`; returns the fact_sources to keep."""
    held = [f for f in OWNER_SETTABLE_FACTS if _owner_holds(stored_sources, f) and f in owned]
    if not held:
        return stored_sources
    upstream = dict(stored_sources.get(UPSTREAM_KEY) or {})
    for fact in held:
        upstream[fact] = _upstream_record(fact, values[fact], incoming.get(fact), incoming.get("feature_tags"))
        values[fact] = stored_values[fact]
        if fact == "features":
            values["feature_mask"] = reference.feature_mask(stored_values[fact] or [])
    return {**stored_sources, UPSTREAM_KEY: upstream}


@transaction.atomic
def property_facts_set_many(*, facts: dict[str, dict], source: str, batch_size: int = 2000) -> int:
    """Set facts from a source other than the register (synthetic demo data; owners, later) on existing properties.

    `facts` maps external id → {fact: value} for facts in SETTABLE_FACTS (`features` is the full tag
    list, and then missing tags mean "no"). Each fact set records `source` as its source; other
    facts keep theirs. Register imports leave facts they do not have alone, so these survive the
    next sync. Returns how many properties were changed; unknown external ids are refused.
    """
    if source not in FactSource.values:
        raise ValidationError(
            {"source": ValidationError(f"Unknown fact source {source!r}.", code="invalid_fact_source")}
        )
    changed = 0
    for batch in _batches(facts.items(), batch_size):
        wanted = dict(batch)
        found = {p.external_id: p for p in Property.objects.filter(external_id__in=list(wanted))}
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise ValidationError({"external_id": ValidationError(
                f"No such properties: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}.", code="not_found")})
        fields: set[str] = set()
        to_save = []
        for external_id, values in wanted.items():
            prop = found[external_id]
            unknown = [name for name in values if name not in SETTABLE_FACTS]
            if unknown:
                raise ValidationError({"facts": ValidationError(f"Not settable here: {', '.join(unknown)}.",
                                                                code="invalid_facts")})
            before = (dict(prop.fact_sources or {}), {name: getattr(prop, name) for name in values})
            sources = dict(prop.fact_sources or {})
            upstream = dict(sources.get(UPSTREAM_KEY) or {})
            for name, value in values.items():
                if name == "category" and value is not None and value not in CATEGORIES:
                    raise ValidationError({"category": ValidationError(f"Unknown category {value!r}.",
                                                                       code="invalid_category")})
                if source == FactSource.OWNER and name not in OWNER_SETTABLE_FACTS:
                    raise ValidationError({"facts": ValidationError(f"Owners cannot set {name}.",
                                                                    code="invalid_facts")})
                tags = None
                if name == "features":
                    value = sorted(set(value or []), key=reference.FEATURES.index)
                    tags = {tag: source for tag in value}
                if source != FactSource.OWNER and _owner_holds(sources, name):
                    upstream[name] = _upstream_record(name, value, source, tags)  # the owner's value stays
                    continue
                if source == FactSource.OWNER:
                    if sources.get(name) != FactSource.OWNER:  # keep what the owner's value stands beside
                        upstream[name] = _upstream_record(name, getattr(prop, name), sources.get(name),
                                                          sources.get("feature_tags"))
                    if tags is not None:  # tags the register already had keep its label
                        beside = upstream.get(name) or {}
                        had, labels = beside.get("value") or [], beside.get("feature_tags") or {}
                        tags = {tag: (labels.get(tag) or source) if tag in had else source for tag in value}
                if tags is not None:
                    prop.feature_mask = reference.feature_mask(value)
                    sources["feature_tags"] = tags
                    fields.add("feature_mask")
                setattr(prop, name, value)
                sources[name] = source
                fields.add(name)
            if upstream:
                sources[UPSTREAM_KEY] = upstream
            prop.fact_sources = sources
            if (prop.fact_sources, {name: getattr(prop, name) for name in values}) != before:
                to_save.append(prop)
        if to_save:
            # One UPDATE per property, sent together (executemany): Django's bulk_update builds one CASE
            # expression per column over the whole batch, which SQLite parses slowly at thousands of rows.
            columns = [*sorted(fields), "fact_sources", "updated_at"]
            model_fields = [cast(Field, Property._meta.get_field(name)) for name in columns]  # concrete columns
            now = timezone.now()
            rows = []
            for prop in to_save:
                prop.updated_at = now
                rows.append(
                    [f.get_db_prep_save(getattr(prop, f.attname), connection) for f in model_fields] + [prop.pk]
                )
            assignments = ", ".join(f'"{f.column}" = %s' for f in model_fields)
            with connection.cursor() as cursor:
                cursor.executemany(f'UPDATE "{Property._meta.db_table}" SET {assignments} WHERE "id" = %s', rows)
            changed += len(to_save)
    return changed


@transaction.atomic
def property_facts_restore(*, property_id: int, facts: Iterable[str]) -> list[str]:
    """Give facts an owner supplied back to the source beside them (the cadastre's value, or unknown).

    Facts not held by an owner are left alone. Returns the facts restored."""
    prop = Property.objects.select_for_update().get(pk=property_id)
    sources = dict(prop.fact_sources or {})
    upstream = dict(sources.get(UPSTREAM_KEY) or {})
    restored = []
    for fact in facts:
        if not _owner_holds(sources, fact):
            continue
        record = upstream.pop(fact, None) or {}
        value = record.get("value")
        if fact == "features":
            value = sorted(set(value or []), key=reference.FEATURES.index)
            prop.feature_mask = reference.feature_mask(value)
            if record.get("source"):
                sources["feature_tags"] = record.get("feature_tags") or {}
            else:
                sources.pop("feature_tags", None)
        setattr(prop, fact, value)
        if record.get("source"):
            sources[fact] = record["source"]
        else:
            sources.pop(fact, None)
        restored.append(fact)
    if not restored:
        return []
    if upstream:
        sources[UPSTREAM_KEY] = upstream
    else:
        sources.pop(UPSTREAM_KEY, None)
    prop.fact_sources = sources
    prop.save(update_fields=[*restored, *(("feature_mask",) if "features" in restored else ()), "fact_sources",
                             "updated_at"])
    return restored


# --- page views ----------------------------------------------------------------------------------
def property_view_record(*, property_id: int, day: date | None = None) -> None:
    """Count one view of a property's page today: one atomic upsert, no user stored, safe under concurrency.

    On PostgreSQL the commit does not wait for the disk: a crash may lose the last fraction of a second's
    counts (never count one twice), and a page view does not queue behind a WAL flush (measured: up to 30 ms
    of a property page under load, bench/load.py).
    """
    from .models import PropertyDailyViews

    day = day or timezone.localdate()
    table = PropertyDailyViews._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"INSERT INTO {table} (property_id, day, count) VALUES (%s, %s, 1) "  # the table name is ours
            "ON CONFLICT (property_id, day) DO UPDATE SET count = " + table + ".count + 1",
            [property_id, day])
