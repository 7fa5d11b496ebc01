"""A small client for SSB's open PxWeb API (https://data.ssb.no/api/v0/no/table/<id>), json-stat2.

POST the table's query, parse the json-stat2 dataset into flat rows. Answers are cached
(SSB_CACHE_TTL); when SSB cannot be reached the last good answer is used, and without one
the recorded answer in ``fixtures/`` (same shape, figures from data/, see its note).
Statistics: Statistisk sentralbyrå (NLOD).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.core.cache import cache

from properties import reference, regions

logger = logging.getLogger(__name__)
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class TableQuery:
    table: str
    query: list[dict]


# 07221 Prisindeks for brukte boliger, by region, dwelling type and quarter (2015 = 100).
PRICE_INDEX = TableQuery("07221", [
    {"code": "Region", "selection": {"filter": "all", "values": ["*"]}},
    {"code": "Boligtype", "selection": {"filter": "item", "values": ["00"]}},
    {"code": "ContentsCode", "selection": {"filter": "item", "values": ["Boligindeks"]}},
    {"code": "Tid", "selection": {"filter": "top", "values": ["16"]}},
])
# 06035 Selveierboliger, average price per m² by municipality, dwelling type and year.
PRICE_PER_M2 = TableQuery("06035", [
    {"code": "Region", "selection": {"filter": "all", "values": ["*"]}},
    {"code": "Boligtype", "selection": {"filter": "item", "values": ["01"]}},
    {"code": "ContentsCode", "selection": {"filter": "item", "values": ["KvPris"]}},
    {"code": "Tid", "selection": {"filter": "top", "values": ["2"]}},
])


class SsbUnavailable(OSError):
    """SSB could not be reached or answered something that is not json-stat2."""


@dataclass(frozen=True)
class Fetched:
    dataset: dict
    origin: str  # "api", "cache", "stale-cache" or "recorded"


def _cache_key(table: TableQuery, base_url: str) -> str:
    digest = hashlib.sha256(json.dumps([base_url, table.table, table.query], sort_keys=True).encode()).hexdigest()[:16]
    return f"ssb:{table.table}:{digest}"


def recorded(table: TableQuery) -> dict:
    with open(FIXTURES / f"ssb_{table.table}.json", encoding="utf-8") as fh:
        return json.load(fh)


def fetch(table: TableQuery, *, base_url: str | None = None, use_cache: bool = True) -> Fetched:
    """The table's json-stat2 dataset: fresh cache, else SSB, else the last good answer, else the recording."""
    base_url = base_url if base_url is not None else settings.SSB_BASE_URL
    key = _cache_key(table, base_url)
    if use_cache:
        hit = cache.get(key)
        if hit is not None:
            return Fetched(hit, "cache")
    try:
        response = requests.post(f"{base_url.rstrip('/')}/{table.table}",
                                 json={"query": table.query, "response": {"format": "json-stat2"}},
                                 timeout=settings.SSB_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        dataset = response.json()
        parse(dataset)  # refuse anything we cannot read before caching it
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        stale = cache.get(key + ":last")
        logger.warning(
            "ssb table %s unavailable (%s); using %s", table.table, exc, "stale copy" if stale else "recording"
        )
        if stale is not None:
            return Fetched(stale, "stale-cache")
        return Fetched(recorded(table), "recorded")
    cache.set(key, dataset, settings.SSB_CACHE_TTL)
    cache.set(key + ":last", dataset, None)
    return Fetched(dataset, "api")


def parse(dataset: dict) -> list[dict]:
    """Flat rows {dimension id: (code, label), ..., "value": float} for every non-null value (row-major)."""
    if dataset.get("class") != "dataset" or "id" not in dataset:
        raise ValueError("not a json-stat2 dataset")
    ids, sizes, values = dataset["id"], dataset["size"], dataset["value"]
    dims = []
    for dim_id, size in zip(ids, sizes, strict=True):
        category = dataset["dimension"][dim_id]["category"]
        index = category.get("index")
        codes = (
            (sorted(index, key=lambda code: index[code]) if isinstance(index, dict) else list(index))
            if index
            else list(category["label"])
        )
        if len(codes) != size:
            raise ValueError(f"dimension {dim_id}: {len(codes)} codes for size {size}")
        labels = category.get("label", {})
        dims.append([(code, labels.get(code, code)) for code in codes])
    if isinstance(values, dict):  # json-stat2 allows a sparse {"position": value} object
        values = [values.get(str(i)) for i in range(_product(sizes))]
    if len(values) != _product(sizes):
        raise ValueError("value length does not match the dimension sizes")
    rows = []
    for position, combo in enumerate(itertools.product(*dims)):
        value = values[position]
        if value is None:
            continue
        row = dict(zip(ids, combo, strict=True))
        row["value"] = float(value)
        rows.append(row)
    return rows


def _product(sizes) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


# SSB's house price index regions (table 07221) by their label; codes are not relied on.
SSB_REGION_MUNICIPALITIES = {
    "hele landet": (), "oslo med baerum": ("0301", "3201"), "oslo med bærum": ("0301", "3201"),
}


def ssb_region(code: str, label: str) -> tuple[str, str, str, list[str]]:
    """(region_kind, region_code, region_name, municipality_numbers) for an SSB region."""
    folded = reference.fold(label)
    if folded in regions.NATIONAL_NAMES or code.upper() == "TOTAL":
        return "country", regions.NATIONAL_CODE, "Norge", []
    if folded in SSB_REGION_MUNICIPALITIES:
        return "ssb_region", f"ssb-{code}", label, list(SSB_REGION_MUNICIPALITIES[folded])
    if code.isdigit() and len(code) == 4 and code in reference.municipalities():
        return "municipality", code, reference.municipalities()[code].name, [code]
    numbers = reference.municipality_numbers_for(label)
    if len(numbers) == 1:
        return "ssb_region", f"ssb-{code}", label, numbers
    county = reference.county_number_for(label)
    if county:
        return (
            "county",
            county,
            reference.counties()[county].name,
            list(regions.county_region(county).municipality_numbers),
        )
    return "ssb_region", f"ssb-{code}", label, []
