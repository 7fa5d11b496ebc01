"""PostgreSQL-only bulk writes (COPY into a temporary table, then one INSERT … ON CONFLICT).

A clearly marked optimisation: the services in services.py call these on PostgreSQL and
use Django's portable bulk_create / bulk_update everywhere else, with the same results.
COPY moves rows at several times the speed of multi-row INSERTs; the final statement keeps
the upsert idempotent (rows whose content hash is unchanged are not touched).
"""
from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from operator import itemgetter

from django.db import connection
from psycopg.types.string import BytesBinaryDumper

from .models import Property


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _columns(model, exclude: set[str]) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.column not in exclude]


def _fresh_temp_table(raw_cursor, name: str, source: str, columns: str) -> None:
    """An empty temporary table shaped like `columns` of `source`, dropped at commit.

    Several batches may run inside one outer transaction, so it may already exist.
    """
    raw_cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DROP AS "
                       f"SELECT {columns} FROM {source} WITH NO DATA")
    raw_cursor.execute(f"TRUNCATE {name}")


# How each kind of column goes in a binary COPY (a Property field of another kind needs its entry here:
# _copy_plan fails on it). JSON and times are sent as bytes ready for the server: jsonb's binary form is
# a version byte and the text; a timestamptz is microseconds since 2000-01-01 UTC.
BINARY_TYPES = {"CharField": "text", "TextField": "text", "BigIntegerField": "int8", "IntegerField": "int4",
                "PositiveIntegerField": "int4", "SmallIntegerField": "int2", "PositiveSmallIntegerField": "int2",
                "FloatField": "float8", "BooleanField": "bool", "JSONField": "bytea", "DateTimeField": "bytea"}
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_JSONB_VERSION = b"\x01"


def _timestamptz(value: datetime | str) -> bytes:
    """A time as a binary COPY sends a timestamptz (a time without zone is taken as UTC, as the session's)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return struct.pack("!q", (value - _PG_EPOCH) // _MICROSECOND)


def _send_bytes_as_they_are(raw_cursor) -> None:
    """Bytes columns of this cursor's binary COPY go through psycopg's C dumper (its default for bytea, the
    DB-API wrapper's, is two Python calls per value: seven values a row)."""
    raw_cursor.adapters.register_dumper(bytes, BytesBinaryDumper)


def _copy_plan(rows: Sequence[dict]):
    """Columns in COPY order, their binary COPY types, and a function from a clean row to its values
    (decided once per call).

    Plain columns are read with one itemgetter, JSON columns from the texts property_clean_row wrote,
    and the write times last: this runs for every property written. The COPY is binary, so the server
    parses no text but the JSON's; each distinct time is converted once (the write time once per call;
    many rows share their upstream time).
    """
    fields = _columns(Property, exclude=set())
    json_columns = [f for f in fields if f.get_internal_type() == "JSONField"]
    stamps = [f for f in fields if f.column in ("created_at", "updated_at", "estimated_at")]
    plain = [f for f in fields if f not in json_columns and f not in stamps]
    # Columns a clean row leaves out (an import's rows have no estimate, cover photo…) go after the others,
    # with their defaults: the rows of one call are alike.
    first = rows[0] if rows else {}
    absent = [f for f in plain if f.attname not in first]
    plain = [f for f in plain if f.attname in first] + absent
    ordered = [*plain, *json_columns, *stamps]
    names = [f.column for f in ordered]
    types = [BINARY_TYPES[f.get_internal_type()] for f in ordered]
    defaults = {f.attname: f.get_default() for f in plain}
    given = [f.attname for f in plain[:len(plain) - len(absent)]]
    get = itemgetter(*given) if len(given) > 1 else lambda row: tuple(row[name] for name in given)
    absent_names = [f.attname for f in absent]
    absent_defaults = tuple(defaults[a] for a in absent_names)
    times = [i for i, f in enumerate(plain) if f.get_internal_type() == "DateTimeField"]
    packed: dict[datetime | str, bytes] = {}

    def timestamptz(value: datetime | str) -> bytes:
        data = packed.get(value)
        if data is None:
            if len(packed) > 100_000:
                packed.clear()
            data = packed[value] = _timestamptz(value)
        return data

    get_json = itemgetter(*(f.column for f in json_columns))
    tails: dict[tuple[datetime, bool], tuple] = {}  # the write times: the same for the rows of one call

    def values(row: dict, now: datetime) -> tuple:
        try:
            head = list(get(row))
        except KeyError:  # a row without every column: the model's defaults fill in
            head = list(get({**defaults, **row}))
        if row.keys().isdisjoint(absent_names):
            head += absent_defaults
        else:
            head += [row.get(name, defaults[name]) for name in absent_names]
        for i in times:
            value = head[i]
            if value is not None:
                head[i] = packed.get(value) or timestamptz(value)
        texts = row.get("_json") or {}
        try:
            body = get_json(texts)
        except KeyError:  # JSON not written by property_clean_row
            body = tuple(texts[f.column] if f.column in texts else _json(row.get(f.attname, f.get_default()))
                         for f in json_columns)
        key = (now, row.get("estimate") is not None)
        tail = tails.get(key)
        if tail is None:
            at = timestamptz(now)
            tail = tails[key] = tuple(at if f.column != "estimated_at" or key[1] else None for f in stamps)
        return (*head, *(_JSONB_VERSION + text.encode() for text in body), *tail)

    return names, types, values


def property_insert(*, rows: Sequence[dict], now: datetime) -> int:
    """COPY clean rows of new properties straight into properties_property (no temporary table, no conflict check).

    For properties the caller knows are new: as fast as a plain COPY. A property that exists after
    all raises IntegrityError (unique external_id); the caller then upserts instead.
    """
    names, types, values = _copy_plan(rows)
    quoted = ", ".join(f'"{n}"' for n in names)
    with connection.wrap_database_errors, connection.cursor() as cursor:  # Django's IntegrityError
        _send_bytes_as_they_are(cursor.cursor)
        with cursor.cursor.copy(f"COPY properties_property ({quoted}) FROM STDIN (FORMAT binary)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(values(row, now))
    return len(rows)


def _owner_held(fact: str) -> str:
    return f"properties_property.fact_sources->>'{fact}' = 'owner'"


def _assignments(update_columns: Sequence[str], owner_columns: dict[str, str]) -> tuple[str, list]:
    """SET clauses of the upsert. The owner's rule (services.py, "the owner's facts") in SQL: a column whose
    fact an owner holds keeps its value, the incoming one is recorded under fact_sources->'upstream'."""
    held = sorted({fact for column, fact in owner_columns.items() if column in update_columns})
    parts, params = [], []
    for c in update_columns:
        if c in owner_columns:
            parts.append(f'"{c}" = CASE WHEN {_owner_held(owner_columns[c])} THEN properties_property."{c}" '
                         f'ELSE EXCLUDED."{c}" END')
        elif c == "fact_sources":
            keep_held = ("ARRAY(SELECT e.key FROM jsonb_each_text(properties_property.fact_sources) AS e "
                         "WHERE e.value = 'owner' AND e.key = ANY(%s::text[]))")
            kept_tags = f"CASE WHEN {_owner_held('features')} THEN 'feature_tags' ELSE '' END"
            records = ", ".join(
                f"'{fact}', CASE WHEN {_owner_held(fact)} THEN jsonb_build_object("
                f"'value', to_jsonb(EXCLUDED.\"{fact}\"), 'source', EXCLUDED.fact_sources->'{fact}'"
                + (", 'feature_tags', COALESCE(EXCLUDED.fact_sources->'feature_tags', '{}'::jsonb)"
                   if fact == "features" else "")
                + ") END"
                for fact in held)
            upstream = "'{}'::jsonb"
            if held:
                upstream = (f"CASE WHEN {' OR '.join(_owner_held(f) for f in held)} THEN jsonb_build_object("
                            f"'upstream', COALESCE(properties_property.fact_sources->'upstream', '{{}}'::jsonb) || "
                            f"jsonb_strip_nulls(jsonb_build_object({records}))) ELSE '{{}}'::jsonb END")
            parts.append(f'"fact_sources" = properties_property.fact_sources || (EXCLUDED.fact_sources - %s::text[] - '
                         f'{keep_held} - {kept_tags}) || {upstream}')
            params.append(held)
        else:
            parts.append(f'"{c}" = EXCLUDED."{c}"')
    return ", ".join(parts), params


def property_upsert(*, rows: Sequence[dict], update_columns: Sequence[str], now: datetime,
                    keep_fact_sources: Sequence[str] = (),
                    owner_columns: dict[str, str] | None = None) -> tuple[dict[str, int], set[str]]:
    """Upsert clean property rows. Returns ({external_id: id} of written rows, {external ids inserted}).

    On an existing property only `update_columns` are written; its `fact_sources` entries named in
    `keep_fact_sources` (facts this import does not have) stay as they are. `owner_columns` maps a
    column to the fact an owner may hold (services.OWNER_FACT_COLUMNS): such a column keeps the owner's
    value and the incoming one goes under fact_sources->'upstream'.
    """
    names, types, values = _copy_plan(rows)
    quoted = ", ".join(f'"{n}"' for n in names)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        _fresh_temp_table(raw, "_property_in", "properties_property", quoted)
        _send_bytes_as_they_are(raw)
        with raw.copy(f"COPY _property_in ({quoted}) FROM STDIN (FORMAT binary)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(values(row, now))
        assignments, held = _assignments(update_columns, owner_columns or {})
        params = [list(keep_fact_sources), *held] if "fact_sources" in update_columns else []
        raw.execute(
            f"INSERT INTO properties_property ({quoted}) SELECT {quoted} FROM _property_in "
            f"ON CONFLICT (external_id) DO UPDATE SET {assignments} "
            f"WHERE properties_property.content_hash IS DISTINCT FROM EXCLUDED.content_hash "
            f"OR properties_property.retired_at IS NOT NULL "
            f"RETURNING id, external_id, (xmax = 0) AS inserted",
            params,
        )
        written, inserted = {}, set()
        for pk, external_id, was_inserted in raw.fetchall():
            written[external_id] = pk
            if was_inserted:
                inserted.add(external_id)
    return written, inserted


def property_estimates_update(*, rows: Sequence[tuple[int, int, int, int]], source: str, now: datetime) -> None:
    ids, estimates, lows, highs = (list(col) for col in zip(*rows, strict=True)) if rows else ([], [], [], [])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE properties_property AS p SET estimate = v.est, estimate_low = v.low, estimate_high = v.high, "
            "estimate_source = %s, estimated_at = %s "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, est, low, high) "
            "WHERE p.id = v.id AND (p.estimate, p.estimate_low, p.estimate_high, p.estimate_source) "
            "IS DISTINCT FROM (v.est, v.low, v.high, %s)",  # a row rewritten as it was costs every index
            [source, now, ids, estimates, lows, highs, source],
        )


SALE_COLUMNS = ("property_id", "sold_on", "price", "true_value", "source", "created_at")


def sales_insert(*, rows: Sequence[tuple]) -> None:
    """Insert sales given as tuples in SALE_COLUMNS order; duplicates are ignored."""
    columns = SALE_COLUMNS
    quoted = ", ".join(columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        _fresh_temp_table(raw, "_sale_in", "properties_propertysale", quoted)
        with raw.copy(f"COPY _sale_in ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # The property's place is copied here in one join rather than row by row by the insert trigger (0007).
        selected = ", ".join(f"s.{c}" for c in columns)
        raw.execute(f"INSERT INTO properties_propertysale ({quoted}, category, lat, lon, usable_area) "
                    f"SELECT {selected}, p.category, p.lat, p.lon, p.usable_area FROM _sale_in s "
                    f"LEFT JOIN properties_property p ON p.id = s.property_id ON CONFLICT DO NOTHING")
