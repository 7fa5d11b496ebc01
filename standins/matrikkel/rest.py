"""Kartverket's open REST APIs on the stand-in: /adresser/v1, /eiendom/v1 and /kommuneinfo/v1 in their JSON shapes."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pyproj import Transformer

from properties import reference

if TYPE_CHECKING:
    from .server import StandinServer

_to_wgs84 = Transformer.from_crs("EPSG:25833", "EPSG:4258", always_xy=True)
JSON = "application/json; charset=utf-8"


class OpenData:
    """Placeholder for the open address register the stand-in serves (feed and files)."""


class RestRoutes:
    def __init__(self, server: "StandinServer", open_data: OpenData | None = None):
        self.data = server.dataset
        self.open_data = open_data

    def route(self, path: str, q: dict) -> tuple[int, bytes, str, dict]:
        status, payload = self._route(path, q)
        return status, json.dumps(payload, ensure_ascii=False).encode(), JSON, {}

    def _route(self, path: str, q: dict) -> tuple[int, object]:
        if path == "/adresser/v1/sok":
            return self.sok(q)
        if path == "/eiendom/v1/geokoding":
            return self.geokoding(q)
        if path == "/kommuneinfo/v1/kommuner":
            return 200, [{"kommunenummer": m.number, "kommunenavn": m.name, "kommunenavnNorsk": m.name}
                         for m in reference.municipalities().values()]
        if path.startswith("/kommuneinfo/v1/kommuner/"):
            m = reference.municipalities().get(path.rsplit("/", 1)[-1])
            if m is None:
                return 404, {"message": "Fant ikke kommune"}
            return 200, {"kommunenummer": m.number, "kommunenavn": m.name, "kommunenavnNorsk": m.name,
                         "fylkesnummer": m.county_number, "fylkesnavn": m.county_name,
                         "punktIOmrade": {"type": "Point", "coordinates": [m.lon, m.lat]}}
        return 404, {"message": "Not found"}

    def _unit_for(self, kommune, gnr, bnr, fnr=0, snr=0):
        mid = self.data.find_by_ident(kommune, int(gnr), int(bnr), int(fnr or 0), int(snr or 0))
        return self.data.get(mid) if mid else None

    def sok(self, q: dict) -> tuple[int, object]:
        size = min(int(q.get("treffPerSide", 10)), 1000)
        side = int(q.get("side", 0))
        hits = []
        if q.get("kommunenummer") and q.get("gardsnummer") and q.get("bruksnummer"):
            unit = self._unit_for(q["kommunenummer"], q["gardsnummer"], q["bruksnummer"],
                                  q.get("festenummer"), q.get("seksjonsnummer"))
            hits = [self._adresse(a, unit) for a in unit["addresses"]] if unit else []
        page = hits[side * size:(side + 1) * size]
        return 200, {"metadata": {"totaltAntallTreff": len(hits), "viserFra": side * size,
                                  "viserTil": side * size + len(page), "side": side, "treffPerSide": size,
                                  "sokeStreng": "&".join(f"{k}={v}" for k, v in sorted(q.items()))},
                     "adresser": page}

    def _adresse(self, a: dict, u: dict) -> dict:
        lon, lat = _to_wgs84.transform(a["x"], a["y"])
        m = reference.municipalities()[u["kommunenummer"]]
        vegadresse = a["kind"] == "Vegadresse"
        text = f"{a['name']} {a['number']}{a['letter']}" if vegadresse else f"{u['gnr']}/{u['bnr']}-{a['undernummer']}"
        return {"adressetekst": text, "adressenavn": a["name"] if vegadresse else None,
                "nummer": a["number"], "bokstav": a["letter"], "kommunenummer": u["kommunenummer"],
                "kommunenavn": m.name.upper(), "postnummer": a["postcode"], "poststed": a["town"].upper(),
                "gardsnummer": u["gnr"], "bruksnummer": u["bnr"], "festenummer": u["fnr"],
                "undernummer": a["undernummer"], "bruksenhetsnummer": [], "objtype": a["kind"],
                "representasjonspunkt": {"epsg": "EPSG:4258", "lat": round(lat, 8), "lon": round(lon, 8)},
                "oppdateringsdato": u["changed"]}

    def geokoding(self, q: dict) -> tuple[int, object]:
        try:
            kommune, rest = q["matrikkelnummer"].split("-")
            gnr, bnr, fnr, snr = (int(p) for p in (rest.split("/") + ["0", "0"])[:4])
        except (KeyError, ValueError):
            return 400, {"errors": {"message": "Ugyldig matrikkelnummer"}}
        unit = self._unit_for(kommune, gnr, bnr, fnr, snr)
        features = []
        if unit:
            lon, lat = _to_wgs84.transform(unit["x"], unit["y"])
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                             "properties": {"kommunenummer": kommune, "gardsnummer": gnr, "bruksnummer": bnr,
                                            "festenummer": fnr, "seksjonsnummer": snr,
                                            "matrikkelnummertekst": f"{gnr}/{bnr}" + (f"/{fnr}" if fnr else ""),
                                            "objekttype": "Teig", "hovedområde": True, "lokalid": unit["id"],
                                            "oppdateringsdato": unit["changed"]}})
        return 200, {"type": "FeatureCollection", "features": features}
