"""From a Matrikkelen record (see interface.py) to a property row for `property_upsert_many`.

- The **main building** is the largest residential or cabin building by footprint, else the
  largest building (ties: the lower building id); the property takes its category (from
  data/bygningstyper_ns3457.csv via `reference.building_types`), type code, floors and year.
- Usable area and rooms are the sums over the main building's bruksenheter.
- A matrikkelenhet whose main building maps to no epty category (garages, farm buildings,
  public buildings, code 999) or that has no building is not a property in epty: `to_row`
  returns None and the sync retires it if it was one.
"""
from __future__ import annotations

from datetime import datetime

from properties import reference

PROPERTY_CATEGORIES = ("residential", "cabin", "commercial")


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


def to_row(record: dict) -> dict | None:
    main = main_building(record["buildings"])
    category = category_of(main["type_code"]) if main else None
    if main is None or category is None:
        return None
    units = [u for u in record["units"] if u["bygning"] == main["id"]] or record["units"]
    areas = [u["area"] for u in units if u["area"] is not None]
    rooms = [u["rooms"] for u in units if u["rooms"] is not None]
    bedrooms = [u["bedrooms"] for u in units if u["bedrooms"] is not None]
    address = record["addresses"][0] if record["addresses"] else None
    demo = record.get("demo")
    lat, lon = (main["lat"], main["lon"]) if main.get("lat") is not None else (record["lat"], record["lon"])
    row = {
        "external_id": external_id(record),
        "matrikkelenhet_id": record["id"],
        "source": "demo" if demo else "matrikkelen",
        "category": category,
        "building_type_code": main["type_code"],
        "address": (f"{address['name']} {address['number'] or ''}{address['letter']}".strip() if address else ""),
        "postcode": address["postcode"] if address else "",
        "town": address["town"] if address else "",
        "municipality_number": record["kommunenummer"],
        "municipality_name": None,
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "usable_area": round(sum(areas)) if areas else None,
        "plot_area": record["plot_area"],
        "rooms": sum(rooms) if rooms else None,
        "bedrooms": sum(bedrooms) if bedrooms else None,
        "floors": main["floors"],
        "year_built": main["year"],
        "features": demo["features"] if demo else [],
        "upstream_payload": record["payload"],
        "upstream_changed_at": datetime.fromisoformat(record["changed"]),
    }
    if demo:  # synthetic data only: the demo estimate is the first estimate of a new property
        row.update(estimate=demo["estimate"], estimate_low=demo["estimate_low"], estimate_high=demo["estimate_high"],
                   estimate_source="demo")
    return row
