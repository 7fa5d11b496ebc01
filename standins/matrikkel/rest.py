"""Kartverket's open services on the stand-in: the address API, property geocoding, kommuneinfo, and the
Geonorge download feed of the open address register with its zip files.

What the stand-in answers from, in this order:
- **recorded answers** (recorded/): a request that asks what a recording asked gets the recorded
  answer (the same hits; the paging metadata follows the request);
- **the open address register** it holds (real data: Elverum by default, and a national file
  built from it and the recorded sample), in the address API's JSON shape;
- **the generated data set** (its addresses, by matrikkel number or text).

The address API's `sok` matches every word of the query against the start of a word of the
address, postcode, place or municipality (accents and case folded); `punktsok` returns the
addresses within the radius, nearest first, with `meterDistanseTilPunkt`.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from pyproj import Transformer

from properties import reference
from properties.matrikkelen.opendata import parse_timestamp

if TYPE_CHECKING:
    from .dataset import Dataset


class Host(Protocol):
    """What the REST routes need of the server that mounts them (the server imports this module, not the reverse)."""

    dataset: Dataset

    @property
    def rest_base_url(self) -> str: ...

RECORDED_DIR = Path(__file__).resolve().with_name("recorded")
ELVERUM_CSV = reference.DATA_DIR / "Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv"
FEED_PATH = "/geonorge/ATOM-feeds/MatrikkelenAdresse_AtomFeedCSV.xml"
FILES_PATH = "/geonorge/Basisdata/MatrikkelenAdresse/CSV/"
JSON = "application/json; charset=utf-8"
PAGING = ("treffPerSide", "side")
_to_4258 = Transformer.from_crs("EPSG:25833", "EPSG:4258", always_xy=True)
_WORD = re.compile(r"[0-9a-z]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(reference.fold(text))


# --- the open address register files --------------------------------------------------------------

@dataclass
class OpenDataFile:
    """One file of the download feed: a municipality's (or the national, "0000") addresses in one EPSG."""

    municipality: str
    name: str
    epsg: str
    content: bytes  # the CSV, as Geonorge publishes it (UTF-8 with BOM, `;`)
    updated: str = "2025-06-12T09:03:43"

    @property
    def file_name(self) -> str:
        return f"Basisdata_{self.municipality}_{self.name}_{self.epsg}_MatrikkelenAdresse"

    @cached_property
    def zip(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{self.file_name}.csv", self.content)
        return buffer.getvalue()

    def rows(self) -> list[dict]:
        return list(csv.DictReader(io.StringIO(self.content.decode("utf-8-sig")), delimiter=";"))


def _csv_bytes(header: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def elverum_file() -> OpenDataFile:
    return OpenDataFile("3420", "Elverum", "25833", ELVERUM_CSV.read_bytes())


def national_file(extra: Sequence[OpenDataFile] = ()) -> OpenDataFile:
    """A national file in EPSG:4258: Elverum's addresses converted, plus the recorded sample (Karasjok, Oslo)."""
    elverum = elverum_file()
    rows = elverum.rows()
    header = list(rows[0].keys())
    east = [float(r["Øst"]) for r in rows]
    north = [float(r["Nord"]) for r in rows]
    lon, lat = _to_4258.transform(east, north)
    for r, la, lo in zip(rows, lat, lon, strict=True):
        r.update({"EPSG-kode": "4258", "Nord": f"{la:.6f}", "Øst": f"{lo:.6f}"})
    sample = list(csv.DictReader(io.StringIO((RECORDED_DIR / "kartverket_bulk_sample.csv").read_text("utf-8-sig")),
                                 delimiter=";"))
    for f in extra:
        rows += f.rows()
    return OpenDataFile("0000", "Norge", "4258", _csv_bytes(header, rows + sample))


class OpenData:
    """The open register files the stand-in offers, and the addresses it answers the address API from."""

    def __init__(self, files: list[OpenDataFile] | None = None):
        self._files = files
        self.lock = threading.Lock()

    @cached_property
    def files(self) -> list[OpenDataFile]:
        return self._files if self._files is not None else [elverum_file(), national_file()]

    def feed(self, base_url: str) -> bytes:
        """The Atom feed, in the shape of Geonorge's (recorded/kartverket_bulk_atom_feed.xml)."""
        entries = []
        for f in self.files:
            url = f"{base_url.rstrip('/')}{FILES_PATH}{f.file_name}_CSV.zip"
            place = "landsdekkende data" if f.municipality == "0000" else f"data for kommune {f.municipality}, {f.name}"
            title = (
                "CSV-format, Landsdekkende" if f.municipality == "0000" else f"CSV-format,  {f.municipality}, {f.name}"
            )
            kommune = "" if f.municipality == "0000" else f'\n  <category term="Kommune" label="{escape(f.name)}" />'
            content = (f'<content type="html">Trykk på linken for å laste ned {escape(place)} i koordinatsystemet '
                       f'EPSG:{f.epsg}. &lt;br /&gt;  &lt;a href="{url}"&gt;{escape(title)}&lt;\\a&gt;</content>')
            link = (f'<link rel="alternate" href="{url}" type="application/gml+xml;version=3.2.1" '
                    f'title="Datasettet som GML-fil i EPSG:{f.epsg}" />')
            entries.append(f"""
 <entry>
  <author>
   <name>Kartverket</name>
  </author>
  <category term="EPSG:{f.epsg}" scheme="http://www.opengis.net/def/crs/" label="EPSG/0/{f.epsg}" />{kommune}
  {content}
  <id>{url}_{f.updated}</id>
  {link}
  <published>{f.updated}+02:00</published>
  <rights>Kartverket</rights>
  <title>{escape(title)}</title>
  <updated>{f.updated}</updated>
 </entry>""")
        return (f"""<?xml version='1.0' encoding='utf-8'?>
<feed xmlns="http://www.w3.org/2005/Atom">
 <generator version="2024.2.5.0" uri="https://nedlasting.geonorge.no/fmeserver" />
 <id>https://nedlasting.geonorge.no</id>
 <link rel="self" href="https://nedlasting.geonorge.no" type="application/atom+xml" />
 <rights>Kartverket</rights>
 <subtitle>CSV-format</subtitle>
 <title>Matrikkelen - Adresse</title>
 <updated>{max((f.updated for f in self.files), default="2025-06-12T09:03:43")}Z</updated>{''.join(entries)}
</feed>""").encode()

    def file(self, name: str) -> OpenDataFile | None:
        return next((f for f in self.files if f"{f.file_name}_CSV.zip" == name), None)

    @cached_property
    def addresses(self) -> list[dict]:
        """Every address of the municipal files (the national one repeats them), as the address API writes them."""
        found = []
        for f in self.files:
            if f.municipality == "0000":
                continue
            rows = f.rows()
            east = [float(r["Øst"]) for r in rows]
            north = [float(r["Nord"]) for r in rows]
            if f.epsg == "4258":
                lon, lat = east, north
            else:
                lon, lat = Transformer.from_crs(f"EPSG:{f.epsg}", "EPSG:4258", always_xy=True).transform(east, north)
            for r, la, lo in zip(rows, lat, lon, strict=True):
                found.append(_api_address(r, la, lo))
        return found


def _api_address(r: dict, lat: float, lon: float) -> dict:
    """A row of the open register as the address API answers it (OutputAdresse)."""
    def number(name):
        return int(r[name]) if r.get(name, "").strip().isdigit() else None

    stamp = parse_timestamp(r.get("oppdateringsdato", ""))
    changed = stamp.replace(tzinfo=None).isoformat(timespec="seconds") if stamp else None
    kind = "Vegadresse" if r["adressetype"].lower() == "vegadresse" else "Matrikkeladresse"
    return {
        "adressenavn": r.get("adressenavn") or None, "adressetekst": r["adresseTekst"],
        "adressetilleggsnavn": r.get("adressetilleggsnavn") or None, "adressekode": number("adressekode"),
        "nummer": number("nummer"), "bokstav": r.get("bokstav", ""), "kommunenummer": r["kommunenummer"],
        "kommunenavn": r.get("kommunenavn", "").upper(), "gardsnummer": number("gardsnummer"),
        "bruksnummer": number("bruksnummer"), "festenummer": number("festenummer") or 0,
        "undernummer": number("undernummer"), "bruksenhetsnummer": [], "objtype": kind,
        "poststed": r.get("poststed", "").upper(), "postnummer": r.get("postnummer", ""),
        "adressetekstutenadressetilleggsnavn": r.get("adresseTekstUtenAdressetilleggsnavn") or r["adresseTekst"],
        "stedfestingverifisert": False,
        "representasjonspunkt": {"epsg": "EPSG:4258", "lat": round(lat, 8), "lon": round(lon, 8)},
        "oppdateringsdato": changed,
    }


# --- recorded answers -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recording:
    path: str
    query: frozenset  # the recorded request's parameters, without paging
    page_size: int
    answer: dict


def _recordings() -> list[Recording]:
    found = []
    for file in sorted(RECORDED_DIR.glob("*.json")):
        answer = json.loads(file.read_text("utf-8"))
        query = dict(parse_qsl(answer["metadata"]["sokeStreng"]))
        path = "/adresser/v1/punktsok" if "lat" in query and "lon" in query else "/adresser/v1/sok"
        size = int(query.get("treffPerSide", answer["metadata"].get("treffPerSide", 10)))
        found.append(Recording(path, frozenset((k, v) for k, v in query.items() if k not in PAGING), size, answer))
    return found


# --- routes -------------------------------------------------------------------------------------------

@dataclass
class _Index:
    entries: list[tuple[frozenset, dict]] = field(default_factory=list)  # (words, address)


class RestRoutes:
    """Kartverket's open REST APIs (adresser, eiendom, kommuneinfo) and the download feed, in their real shapes."""

    def __init__(self, server: Host, open_data: OpenData | None = None):
        self.server = server
        self.data = server.dataset
        self.open_data = open_data or OpenData()
        self.recordings = _recordings()
        self._index: _Index | None = None
        self._lock = threading.Lock()

    def route(self, path: str, q: dict) -> tuple[int, bytes, str, dict]:
        if path == FEED_PATH:
            return 200, self.open_data.feed(self.server.rest_base_url), "application/atom+xml; charset=utf-8", {}
        if path.startswith(FILES_PATH):
            f = self.open_data.file(path[len(FILES_PATH):])
            if f is None:
                return 404, b"Not Found", "text/plain", {}
            return (
                200,
                f.zip,
                "application/zip",
                {"Content-Disposition": f'attachment; filename="{f.file_name}_CSV.zip"'},
            )
        status, payload = self._route(path, q)
        return status, json.dumps(payload, ensure_ascii=False).encode(), JSON, {}

    def _route(self, path: str, q: dict) -> tuple[int, object]:
        if path in ("/adresser/v1/sok", "/adresser/v1/punktsok"):
            return self.addresses(path, q)
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

    # --- the address API ---------------------------------------------------------------------------
    def addresses(self, path: str, q: dict) -> tuple[int, object]:
        try:
            size = int(q.get("treffPerSide", 10))
            side = int(q.get("side", 0))
            if not 1 <= size <= 1000 or side < 0:
                raise ValueError
        except ValueError:
            return 400, {"code": 400, "message": "treffPerSide må være 1–1000 og side 0 eller mer"}
        if side * size >= 10_000:
            return 400, {"code": 400, "message": "Kun de første 10 000 treffene er tilgjengelige"}
        query = frozenset((k, v) for k, v in q.items() if k not in PAGING)
        recorded = next((r for r in self.recordings if r.path == path and r.query == query), None)
        complete = recorded and len(recorded.answer["adresser"]) >= recorded.answer["metadata"]["totaltAntallTreff"]
        if recorded and recorded.page_size == size and side == 0:
            page, total = recorded.answer["adresser"], recorded.answer["metadata"]["totaltAntallTreff"]
        elif recorded and complete:  # every hit was recorded: any page of them
            page, total = recorded.answer["adresser"][side * size:(side + 1) * size], len(recorded.answer["adresser"])
        else:
            try:
                hits = self._punktsok(q) if path.endswith("punktsok") else self._sok(q)
            except ValueError as exc:
                return 400, {"code": 400, "message": str(exc)}
            page, total = hits[side * size:(side + 1) * size], len(hits)
        return 200, {"metadata": {"sokeStreng": "&".join(f"{k}={v}" for k, v in q.items()), "side": side,
                                  "treffPerSide": size, "asciiKompatibel": True, "totaltAntallTreff": total,
                                  "viserTil": side * size + size, "viserFra": side * size},
                     "adresser": page}

    def _all_addresses(self) -> _Index:
        with self._lock:
            if self._index is None:
                index = _Index()
                for a in self.open_data.addresses:
                    index.entries.append((frozenset(_words(f"{a['adressetekst']} {a['postnummer']} {a['poststed']} "
                                                          f"{a['kommunenavn']}")), a))
                for mid in self.data.ids_after(0, self.data.count + len(self.data.new_ids)):
                    unit = self.data.get(mid)
                    if unit is None:
                        continue
                    for address in unit["addresses"]:
                        a = self._generated(address, unit)
                        index.entries.append((frozenset(_words(f"{a['adressetekst']} {a['postnummer']} "
                                                              f"{a['poststed']} {a['kommunenavn']}")), a))
                self._index = index
            return self._index

    def _sok(self, q: dict) -> list[dict]:
        if q.get("kommunenummer") and q.get("gardsnummer") and q.get("bruksnummer"):
            return self._by_number(q)
        words = _words(q.get("sok", ""))
        if not words:
            raise ValueError("Søket må ha minst ett ord (sok)")
        text = " ".join(words)
        hits = [a for entry_words, a in self._all_addresses().entries
                if all(any(w.startswith(word) for w in entry_words) for word in words)]
        # The address written as asked comes first, then alphabetical order.
        return sorted(hits, key=lambda a: (" ".join(_words(a["adressetekst"])) != text, a["adressetekst"],
                                           a["kommunenummer"]))

    def _by_number(self, q: dict) -> list[dict]:
        wanted = (q["kommunenummer"], int(q["gardsnummer"]), int(q["bruksnummer"]), int(q.get("festenummer") or 0))
        hits = [a for a in self.open_data.addresses
                if (a["kommunenummer"], a["gardsnummer"], a["bruksnummer"], a["festenummer"]) == wanted]
        unit = self._unit_for(*wanted)
        hits += [self._generated(a, unit) for a in unit["addresses"]] if unit else []
        return hits

    def _punktsok(self, q: dict) -> list[dict]:
        try:
            lat, lon, radius = float(q["lat"]), float(q["lon"]), float(q["radius"])
        except (KeyError, ValueError):
            raise ValueError("lat, lon og radius må oppgis") from None
        found = []
        for _, a in self._all_addresses().entries:
            p = a["representasjonspunkt"]
            d = _metres(lat, lon, p["lat"], p["lon"])
            if d <= radius:
                found.append((d, a))
        found.sort(key=lambda pair: pair[0])
        return [{**a, "meterDistanseTilPunkt": d} for d, a in found]

    def _unit_for(self, kommune, gnr, bnr, fnr=0, snr=0):
        mid = self.data.find_by_ident(kommune, int(gnr), int(bnr), int(fnr or 0), int(snr or 0))
        return self.data.get(mid) if mid else None

    def _generated(self, a: dict, u: dict) -> dict:
        lon, lat = _to_4258.transform(a["x"], a["y"])
        m = reference.municipalities()[u["kommunenummer"]]
        vegadresse = a["kind"] == "Vegadresse"
        text = (f"{a['name']} {a['number']}{a['letter']}" if vegadresse
                else f"{u['gnr']}/{u['bnr']}" + (f"/{u['fnr']}" if u["fnr"] else "") + f"-{a['undernummer']}")
        return {"adressenavn": a["name"] if vegadresse else None, "adressetekst": text, "adressetilleggsnavn": None,
                "adressekode": None, "nummer": a["number"], "bokstav": a["letter"],
                "kommunenummer": u["kommunenummer"], "kommunenavn": m.name.upper(), "gardsnummer": u["gnr"],
                "bruksnummer": u["bnr"], "festenummer": u["fnr"], "undernummer": a["undernummer"],
                "bruksenhetsnummer": [], "objtype": a["kind"], "poststed": a["town"].upper(),
                "postnummer": a["postcode"], "adressetekstutenadressetilleggsnavn": text,
                "stedfestingverifisert": False,
                "representasjonspunkt": {"epsg": "EPSG:4258", "lat": round(lat, 8), "lon": round(lon, 8)},
                "oppdateringsdato": u["changed"][:19]}

    # --- the property API ---------------------------------------------------------------------------
    def geokoding(self, q: dict) -> tuple[int, object]:
        try:
            kommune, rest = q["matrikkelnummer"].split("-")
            gnr, bnr, fnr, snr = (int(p) for p in (rest.split("/") + ["0", "0"])[:4])
        except (KeyError, ValueError):
            return 400, {"errors": {"message": "Ugyldig matrikkelnummer"}}
        unit = self._unit_for(kommune, gnr, bnr, fnr, snr)
        features = []
        if unit:
            point = next(((t["x"], t["y"]) for t in unit["teiger"] if t["point"]), (unit["x"], unit["y"]))
            lon, lat = _to_4258.transform(*point)
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                             "properties": {"kommunenummer": kommune, "gardsnummer": gnr, "bruksnummer": bnr,
                                            "festenummer": fnr, "seksjonsnummer": snr,
                                            "matrikkelnummertekst": f"{gnr}/{bnr}" + (f"/{fnr}" if fnr else ""),
                                            "objekttype": "Teig", "hovedområde": True, "lokalid": unit["id"],
                                            "oppdateringsdato": unit["changed"]}})
        return 200, {"type": "FeatureCollection", "features": features}


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


