"""An in-process source over a stand-in Dataset, without HTTP or XML (for bench/sync.py).

It answers with the same records as the SOAP client reading the stand-in (WGS84 points,
NS 3457 type codes, the same unknown facts), so the bench can time the sync service itself:
mapping, validation, upsert, retirements and checkpoints.
"""
from __future__ import annotations

from pyproj import Transformer

from properties.matrikkelen.interface import ChangePage, ChangeRef, parse_ident
from properties.matrikkelen.soap import place_name

from .dataset import Dataset

_to_wgs84 = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True)


class DirectSource:
    name = "direct"
    fact_source = "demo"

    def __init__(self, dataset: Dataset):
        self.data = dataset

    def latest_change_id(self) -> int:
        return self.data.last_change_id

    def changes(self, *, after: int, limit: int, municipality: str | None = None) -> ChangePage:
        changes, last, done = self.data.changes_after(after, limit, municipality)
        seen, ids = set(), []
        for c in changes:
            if c.matrikkelenhet_id not in seen:
                seen.add(c.matrikkelenhet_id)
                ids.append(int(c.matrikkelenhet_id))
        return ChangePage([ChangeRef(c.id, c.kind, c.domain, c.bubble_id, c.at.isoformat()) for c in changes],
                          last, done, ids)

    def _records(self, units: list[dict]) -> list[dict]:
        points = []  # (holder, x, y) of every point, converted in one call
        records = []
        for u in units:
            teig = u["teiger"][0] if u["teiger"] else None
            record = {
                "id": u["id"], "kind": u["kind"], "kommunenummer": u["kommunenummer"], "gnr": u["gnr"],
                "bnr": u["bnr"], "fnr": u["fnr"], "snr": u["snr"], "changed": u["changed"],
                "plot_area": teig["area"] if teig else None, "utgatt": u["utgatt"], "lat": None, "lon": None,
                "buildings": [], "units": [], "addresses": [],
                "payload": {"matrikkelenhet": {k: u[k] for k in ("id", "kind", "kommunenummer", "gnr", "bnr", "fnr",
                                                                 "snr", "changed")},
                            "teiger": u["teiger"], "bygninger": u["buildings"], "bruksenheter": u["units"],
                            "adresser": u["addresses"]},
            }
            if teig and teig["point"]:
                points.append((record, teig["x"], teig["y"]))
            for b in u["buildings"]:
                building = {"id": b["id"], "nr": b["nr"], "type_code": b["type"], "footprint": float(b["footprint"]),
                            "floors": b["floors"] if b["storeys_recorded"] else None,
                            "year": b["year"] if b["status_recorded"] else None, "lat": None, "lon": None}
                record["buildings"].append(building)
                points.append((building, b["x"], b["y"]))
            record["units"] = [{"id": e["id"], "bygning": e["bygning"], "area": float(e["area"]), "rooms": e["rooms"]}
                               for e in u["units"]]
            for a in u["addresses"]:
                text = (f"{a['name']} {a['number']}{a['letter']}" if a["kind"] == "Vegadresse"
                        else f"{u['gnr']}/{u['bnr']}" + (f"/{u['fnr']}" if u["fnr"] else "") + f"-{a['undernummer']}")
                address = {"id": a["id"], "kind": a["kind"], "text": text, "postcode": a["postcode"],
                           "town": place_name(a["town"].upper()), "lat": None, "lon": None}
                record["addresses"].append(address)
                points.append((address, a["x"], a["y"]))
            records.append(record)
        if points:
            lon, lat = _to_wgs84.transform([p[1] for p in points], [p[2] for p in points])
            for (holder, _, _), la, lo in zip(points, list(lat), list(lon), strict=True):
                holder["lat"], holder["lon"] = round(la, 7), round(lo, 7)
        for record in records:
            if record["lat"] is None:  # no teig point: the building's, else the address's
                fallback = next((h for h in (*record["buildings"], *record["addresses"]) if h["lat"] is not None), None)
                if fallback:
                    record["lat"], record["lon"] = fallback["lat"], fallback["lon"]
        return records

    def units_after(self, *, after: int, limit: int, municipality: str | None = None) -> list[dict]:
        ids = self.data.ids_after(after, limit, municipality)
        return self._records(list(self.data.get_many(ids).values()))

    def units(self, ids: list[int]) -> dict[int, dict]:
        return {r["id"]: r for r in self._records(list(self.data.get_many(ids).values()))}

    def unit_id_for_ident(self, ident: str) -> int | None:
        return self.data.find_by_ident(*parse_ident(ident))

    def unit_by_ident(self, ident: str) -> dict | None:
        mid = self.unit_id_for_ident(ident)
        return self.units([mid]).get(mid) if mid else None

    def municipalities(self) -> list[dict]:
        from properties import reference
        return [{"number": m.number, "name": m.name} for m in reference.municipalities().values()]

    def building_type_codes(self) -> dict[int, int]:
        return self.data.kode_ids()
