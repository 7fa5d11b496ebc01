"""An in-process source over a stand-in Dataset, without HTTP or XML (for bench/sync.py).

It answers with the same records as the SOAP client reading the stand-in (WGS84 points,
NS 3457 type codes), so the bench can time the sync service itself: mapping, validation,
upsert, retirements and checkpoints.
"""
from __future__ import annotations

from pyproj import Transformer

from ..interface import ChangePage, ChangeRef
from .dataset import Dataset

_to_wgs84 = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True)


class DirectSource:
    name = "direct"

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
        xs = [u["x"] for u in units] + [b["x"] for u in units for b in u["buildings"]]
        ys = [u["y"] for u in units] + [b["y"] for u in units for b in u["buildings"]]
        lon, lat = _to_wgs84.transform(xs, ys) if xs else ([], [])
        k, n = 0, len(units)
        records = []
        for i, u in enumerate(units):
            buildings = []
            for b in u["buildings"]:
                buildings.append({"id": b["id"], "nr": b["nr"], "type_code": b["type"],
                                  "footprint": float(b["footprint"]), "floors": b["floors"], "year": b["year"],
                                  "lat": round(lat[n + k], 7), "lon": round(lon[n + k], 7)})
                k += 1
            records.append({
                "id": u["id"], "kommunenummer": u["kommunenummer"], "gnr": u["gnr"], "bnr": u["bnr"], "fnr": u["fnr"],
                "snr": u["snr"], "changed": u["changed"], "plot_area": u["plot_area"], "utgatt": u["utgatt"],
                "lat": round(lat[i], 7), "lon": round(lon[i], 7), "demo": u["demo"], "buildings": buildings,
                "units": [{**e, "area": float(e["area"])} for e in u["units"]],
                "addresses": [{k2: a[k2] for k2 in ("id", "name", "number", "letter", "postcode", "town")}
                              for a in u["addresses"]],
                "payload": {"matrikkelenhet": {k2: u[k2] for k2 in ("id", "kommunenummer", "gnr", "bnr", "fnr", "snr",
                                                                    "changed", "plot_area", "x", "y")},
                            "bygninger": u["buildings"], "bruksenheter": u["units"], "adresser": u["addresses"]},
            })
        return records

    def units_after(self, *, after: int, limit: int, municipality: str | None = None) -> list[dict]:
        ids = self.data.ids_after(after, limit, municipality)
        return self._records(list(self.data.get_many(ids).values()))

    def units(self, ids: list[int]) -> dict[int, dict]:
        return {r["id"]: r for r in self._records(list(self.data.get_many(ids).values()))}

    def unit_id_for_ident(self, ident: str) -> int | None:
        from ..interface import parse_ident
        return self.data.find_by_ident(*parse_ident(ident))

    def unit_by_ident(self, ident: str) -> dict | None:
        mid = self.unit_id_for_ident(ident)
        return self.units([mid]).get(mid) if mid else None

    def municipalities(self) -> list[dict]:
        from properties import reference
        return [{"number": m.number, "name": m.name} for m in reference.municipalities().values()]

    def building_type_codes(self) -> dict[int, int]:
        return self.data.kode_ids()
