"""From a Matrikkelen record (see interface.py) to a property row for `property_upsert_many`.

- The **main building** is the largest residential or cabin building by footprint, else the
  largest building (ties: the lower building id); the property takes its category (from
  data/bygningstyper_ns3457.csv via `reference.building_types`), type code, floors and year.
- Usable area and rooms are the sums over the main building's bruksenheter (unknown if none
  of them records it).
- The **main address** is the one with the lowest id (the oldest); all addresses are kept.
- The point is the main building's, else the matrikkelenhet's (its main teig's).
- A matrikkelenhet whose main building maps to no epty category (garages, farm buildings,
  public buildings, code 999) or that has no building is not a property in epty: `to_row`
  returns None and the sync retires it if it was one.
- The Matrikkel API has no bedrooms and no feature tags: those facts are not this source's
  (`SOAP_FACTS`), so a sync never touches them.
"""
from __future__ import annotations

from datetime import datetime

from properties import reference
from properties.models import FACTS, FactSource, Source

PROPERTY_CATEGORIES = ("residential", "cabin", "commercial")
SOAP_FACTS = tuple(f for f in FACTS if f not in ("bedrooms", "features"))


def category_of(code: int | None) -> str | None:
    bt = reference.building_types().get(code) if code is not None else None
    return bt.category if bt and bt.category in PROPERTY_CATEGORIES else None


def main_building(buildings: list[dict]) -> dict | None:
    if not buildings:
        return None
    homes = [b for b in buildings if category_of(b["type_code"]) in ("residential", "cabin")]
    pool = homes or buildings
    return min(pool, key=lambda b: (-(b["footprint"] or 0), b["id"]))


def external_id(record: dict) -> str:
    return f"{record['kommunenummer']}-{record['gnr']}/{record['bnr']}/{record['fnr']}/{record['snr']}"


def _sum(values: list) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def to_row(record: dict, *, fact_source: str = FactSource.MATRIKKEL_API) -> dict | None:
    main = main_building(record["buildings"])
    category = category_of(main["type_code"]) if main else None
    if main is None or category is None:
        return None
    units = [u for u in record["units"] if u["bygning"] == main["id"]] or record["units"]
    area, rooms = _sum([u["area"] for u in units]), _sum([u["rooms"] for u in units])
    addresses = sorted(record["addresses"], key=lambda a: a["id"] if a["id"] is not None else 0)
    address = addresses[0] if addresses else None
    lat, lon = (main["lat"], main["lon"]) if main.get("lat") is not None else (record["lat"], record["lon"])
    if lat is None:
        raise ValueError("no position: neither its teig, its building nor its address has a point")
    return {
        "external_id": external_id(record),
        "matrikkelenhet_id": record["id"],
        "source": Source.DEMO if fact_source == FactSource.DEMO else Source.MATRIKKELEN,
        "fact_source": fact_source,
        "facts": SOAP_FACTS,
        "category": category,
        "building_type_code": main["type_code"],
        "address": address["text"] if address else "",
        "postcode": address["postcode"] if address else "",
        "town": address["town"] if address else "",
        "addresses": [
            {"text": a["text"], "postcode": a["postcode"], "town": a["town"], "lat": a["lat"], "lon": a["lon"]}
            for a in addresses
        ],
        "municipality_number": record["kommunenummer"],
        "municipality_name": None,
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "usable_area": round(area) if area is not None else None,
        "plot_area": record["plot_area"],
        "rooms": int(rooms) if rooms is not None else None,
        "floors": main["floors"],
        "year_built": main["year"],
        "upstream_payload": record["payload"],
        "upstream_changed_at": datetime.fromisoformat(record["changed"]),
    }
