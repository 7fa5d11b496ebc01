"""The data the Matrikkelen stand-in serves: matrikkelenheter with teiger, buildings, units and addresses.

Built deterministically from the demo generator (same count and seed, same data): each demo
property becomes one matrikkelenhet with a teig (its parcel: area and point), its main building,
one bruksenhet and one address. So that a client meets every shape the real Matrikkel API can
send, a fixed share of the units (chosen by serial number, independent of the seed) varies:

- kind: Grunneiendom, most; Festegrunn (festenummer > 0), Seksjon (seksjonsnummer > 0, no teig of
  its own: its point is its building's), Jordsameie, Anleggseiendom, AnnenMatrikkelenhet;
- buildings: a garage or a larger barn beside the house, an annex, or no building at all (an
  undeveloped plot: not a property in epty);
- addresses: a Vegadresse (street, number, letter) most; a Matrikkeladresse ("207/80-1"); two addresses;
- optional elements left out: a teig without a point or without an area, a building without
  storeys or without a status history (unknown floors or year built), a unit without rooms.

Coordinates are EUREF89 UTM 33 (EPSG:25833), as Matrikkelen reports them with
koordinatsystemKodeId 11; clients convert to WGS84. Facts the real API does not have (feature
tags, bedrooms, the demo estimate) are kept under "demo" and never appear in a SOAP answer:
the demo loader writes them to the database itself.

Base units are produced chunk by chunk from the demo generator (a million units need not sit in
memory); changes are kept as overrides beside a change log, as EndringsloggService reports them.
"""
from __future__ import annotations

import copy
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from pyproj import Transformer

from properties import reference
from standins import demo

FIRST_CHANGE_ID = 1_000
BUILDING_ID_OFFSET = 8_000_000_000
BRUKSENHET_ID_OFFSET = 7_000_000_000
ADDRESS_ID_OFFSET = 6_000_000_000
TEIG_ID_OFFSET = 5_000_000_000
VEG_ID_OFFSET = 4_000_000_000
POSTNUMMEROMRADE_ID_OFFSET = 3_000_000_000
KOMMUNE_ID_OFFSET = 1_000_000  # a KommuneId is not the kommunenummer: clients must look it up
# Matrikkelen reports building types as internal code ids; the stand-in's ids are the NS 3457
# code plus this offset, so a client that skips the code list gets every category wrong.
BUILDING_TYPE_KODE_ID_OFFSET = 4_000
BUILDING_STATUS_KODER = {1: ("RA", "Rammetillatelse"), 2: ("IG", "Igangsettingstillatelse"),
                         3: ("MB", "Midlertidig brukstillatelse"), 4: ("FA", "Ferdigattest"),
                         5: ("TB", "Tatt i bruk")}
ETASJEPLAN_KODER = {1: ("H", "Hovedetasje"), 2: ("K", "Kjelleretasje"), 3: ("L", "Loftsetasje"),
                    4: ("U", "Underetasje")}
CHANGE_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
_ADDRESS = re.compile(r"^(.*) (\d+)([A-Z]?)$")
_to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)

KINDS = ("Grunneiendom", "Festegrunn", "Seksjon", "Jordsameie", "Anleggseiendom", "AnnenMatrikkelenhet")


def kind_for(serial: int) -> str:
    if serial % 97 == 13:
        return "Festegrunn"
    if serial % 89 == 7:
        return "Seksjon"
    if serial % 151 == 3:
        return "Jordsameie"
    if serial % 199 == 11:
        return "Anleggseiendom"
    if serial % 173 == 5:
        return "AnnenMatrikkelenhet"
    return "Grunneiendom"


def veg_id(kommune: str, name: str) -> int:
    """A street's id: stable for (municipality, name), so a renamed address moves to another Veg."""
    return VEG_ID_OFFSET + zlib.crc32(f"{kommune}|{name}".encode()) % 1_000_000_000


@dataclass(frozen=True)
class Change:
    id: int
    kind: str  # Nyoppretting | Oppdatering | Typeendring | Sletting
    domain: str  # the changed object's id type: GrunneiendomId, BygningId, BruksenhetId, VegadresseId, …
    bubble_id: int
    matrikkelenhet_id: int
    at: datetime


def _units_from_chunk(chunk: demo.DemoChunk, seed: int, chunk_no: int) -> list[dict]:
    rows = chunk.properties
    n = len(rows)
    lat = np.array([r["lat"] for r in rows])
    lon = np.array([r["lon"] for r in rows])
    x, y = _to_utm.transform(lon, lat)
    x, y = np.round(x, 2).tolist(), np.round(y, 2).tolist()
    u = np.random.default_rng([seed, 7919, chunk_no]).random((n, 3)).tolist()
    estimates = {e[0]: e[1:] for e in chunk.estimates}
    units = []
    for i, row in enumerate(rows):
        mid = row["matrikkelenhet_id"]
        serial = mid - demo.MATRIKKELENHET_ID_OFFSET
        kind = kind_for(serial)
        kommune, rest = row["external_id"].split("-")
        gnr, bnr, fnr, snr = (int(p) for p in rest.split("/"))
        if kind == "Festegrunn":
            fnr = 1 + serial % 3
        elif kind == "Seksjon":
            snr = 1 + serial % 4
        match = _ADDRESS.match(row["address"])
        assert match is not None, row["address"]  # the generator writes "<street> <number><letter>"
        name, number, letter = match.groups()
        floors = max(row["floors"] or 1, 1)
        home = row["category"] in ("residential", "cabin")
        main = {"id": BUILDING_ID_OFFSET + 4 * serial, "nr": 100_000_000 + serial, "type": row["building_type_code"],
                "footprint": max(row["usable_area"] // floors, 10), "floors": floors,
                "basement": home and serial % 3 == 0, "year": row["year_built"], "x": x[i], "y": y[i],
                "storeys_recorded": serial % 47 != 12, "status_recorded": serial % 31 != 6}
        buildings = [main]
        if home and row["plot_area"]:
            if u[i][0] < 0.25:  # a garage, smaller than the house
                buildings.append({"id": main["id"] + 1, "nr": main["nr"] + 500_000_000, "type": 181,
                                  "footprint": 18 + int(u[i][1] * 30), "floors": 1, "basement": False,
                                  "year": row["year_built"], "x": x[i] + 8.0, "y": y[i] + 5.0,
                                  "storeys_recorded": True, "status_recorded": True})
            elif u[i][0] > 0.96:  # a barn, larger than the house: the house is still the main building
                buildings.append({"id": main["id"] + 2, "nr": main["nr"] + 600_000_000, "type": 241,
                                  "footprint": main["footprint"] + 50 + int(u[i][2] * 400), "floors": 2,
                                  "basement": False, "year": row["year_built"] - 20, "x": x[i] - 20.0,
                                  "y": y[i] + 15.0, "storeys_recorded": True, "status_recorded": True})
        if home and serial % 23 == 2:  # an annex with its own unit, smaller than the house
            buildings.append({"id": main["id"] + 3, "nr": main["nr"] + 700_000_000, "type": 199,
                              "footprint": max(main["footprint"] // 3, 10), "floors": 1, "basement": False,
                              "year": row["year_built"], "x": x[i] + 12.0, "y": y[i] - 6.0,
                              "storeys_recorded": True, "status_recorded": True})
        units_ = [{"id": BRUKSENHET_ID_OFFSET + serial, "bygning": main["id"], "area": row["usable_area"],
                   "rooms": None if serial % 37 == 8 else row["rooms"], "bedrooms": row["bedrooms"]}]
        if len(buildings) and buildings[-1]["type"] == 199:
            units_.append({"id": BRUKSENHET_ID_OFFSET + 500_000_000 + serial, "bygning": buildings[-1]["id"],
                           "area": buildings[-1]["footprint"], "rooms": 1, "bedrooms": 1})
        if serial % 67 == 5:  # an undeveloped plot: no building, no unit
            buildings, units_ = [], []
        address = {"id": ADDRESS_ID_OFFSET + serial, "kind": "Vegadresse", "name": name, "number": int(number),
                   "letter": letter, "undernummer": None, "postcode": row["postcode"], "town": row["town"],
                   "kommunenummer": kommune, "x": x[i], "y": y[i]}
        if serial % 41 == 9:
            address.update(kind="Matrikkeladresse", name=None, number=None, letter="", undernummer=1)
        addresses = [address]
        if serial % 29 == 4 and address["kind"] == "Vegadresse":
            addresses.append({**address, "id": ADDRESS_ID_OFFSET + 500_000_000 + serial,
                              "number": address["number"] + 2, "x": x[i] + 15.0, "y": y[i] + 3.0})
        teiger = [] if kind == "Seksjon" else [{
            "id": TEIG_ID_OFFSET + serial, "area": None if serial % 43 == 10 else row["plot_area"],
            "point": serial % 53 != 11, "x": x[i], "y": y[i]}]
        estimate, low, high = estimates[row["external_id"]]
        units.append({
            "id": mid, "kind": kind, "kommunenummer": kommune, "gnr": gnr, "bnr": bnr, "fnr": fnr, "snr": snr,
            "plot_area": row["plot_area"], "changed": row["upstream_changed_at"].isoformat(),
            "x": x[i], "y": y[i], "utgatt": False, "teiger": teiger,
            "demo": {"seed": seed, "external_id": row["external_id"], "features": row["features"],
                     "estimate": estimate, "estimate_low": low, "estimate_high": high},
            "buildings": buildings, "units": units_, "addresses": addresses,
        })
    return units


def external_id(unit: dict) -> str:
    return f"{unit['kommunenummer']}-{unit['gnr']}/{unit['bnr']}/{unit['fnr']}/{unit['snr']}"


class Dataset:
    """What the stand-in knows. Thread-safe; all reads return copies-by-convention (do not mutate).

    `exclude_municipalities` leaves the generated units of those municipalities out (the demo loads
    real open data there instead).
    """

    def __init__(self, *, count: int, seed: int, exclude_municipalities: frozenset[str] = frozenset()):
        self.count, self.seed = count, seed
        self.exclude = frozenset(exclude_municipalities)
        self.lock = threading.RLock()
        self.overrides: dict[int, dict | None] = {}  # changed, new (dict) or deleted (None) units
        self.new_ids: list[int] = []
        self.changes: list[Change] = []
        self._gen: Iterator[demo.DemoChunk] | None = None
        self._gen_next = 0
        self._chunk: tuple[int, dict[int, dict]] | None = None
        self._max_id = demo.MATRIKKELENHET_ID_OFFSET + count - 1
        self._deleted_kommune: dict[int, str] = {}  # where deleted units were, for kommunefilter
        self.veger: dict[int, tuple[str, str]] = {}  # veg id → (kommunenummer, adressenavn)
        self._renamed: dict[tuple[str, str], int] = {}  # (kommunenummer, new name) → the renamed Veg's id

    # --- base data, chunk by chunk ------------------------------------------------------
    def _base_chunk(self, k: int) -> dict[int, dict]:
        if self._chunk and self._chunk[0] == k:
            return self._chunk[1]
        if self._gen is None or self._gen_next > k:
            self._gen, self._gen_next = demo.generate(self.count, self.seed), 0
        while True:
            chunk = next(self._gen)
            no = self._gen_next
            self._gen_next += 1
            if no == k:
                units = {u["id"]: u for u in _units_from_chunk(chunk, self.seed, k)
                         if u["kommunenummer"] not in self.exclude}
                for u in units.values():
                    self._register_veger(u)
                self._chunk = (k, units)
                return units

    def _register_veger(self, unit: dict) -> None:
        for a in unit["addresses"]:
            if a["kind"] == "Vegadresse":
                self.veger.setdefault(self.veg_id_of(a["kommunenummer"], a["name"]), (a["kommunenummer"], a["name"]))

    def _base(self, mid: int) -> dict | None:
        serial = mid - demo.MATRIKKELENHET_ID_OFFSET
        if not 0 <= serial < self.count:
            return None
        return self._base_chunk(serial // demo.CHUNK_SIZE).get(mid)

    def get(self, mid: int) -> dict | None:
        with self.lock:
            if mid in self.overrides:
                return self.overrides[mid]
            return self._base(mid)

    def get_many(self, ids) -> dict[int, dict]:
        with self.lock:
            found = {}
            for mid in sorted(ids):
                unit = self.get(mid)
                if unit is not None:
                    found[mid] = unit
            return found

    def ids_after(self, after: int, limit: int, kommune: str | None = None) -> list[int]:
        """Live matrikkelenhet ids above `after`, ascending (NedlastningService paging)."""
        with self.lock:
            result: list[int] = []
            mid = max(after + 1, demo.MATRIKKELENHET_ID_OFFSET)
            base_end = demo.MATRIKKELENHET_ID_OFFSET + self.count
            while mid < base_end and len(result) < limit:
                unit = self.get(mid)
                if unit is not None and (kommune is None or unit["kommunenummer"] == kommune):
                    result.append(mid)
                mid += 1
            for nid in self.new_ids:
                if len(result) >= limit:
                    break
                if nid > after:
                    unit = self.overrides.get(nid)
                    if unit is not None and (kommune is None or unit["kommunenummer"] == kommune):
                        result.append(nid)
            return result

    def find_by_ident(self, kommune: str, gnr: int, bnr: int, fnr: int = 0, snr: int = 0) -> int | None:
        with self.lock:
            wanted = (kommune, gnr, bnr, fnr, snr)
            if kommune in reference.municipalities() and kommune not in self.exclude:
                for mid in range(demo.MATRIKKELENHET_ID_OFFSET, demo.MATRIKKELENHET_ID_OFFSET + self.count):
                    unit = self.get(mid)
                    if unit and (unit["kommunenummer"], unit["gnr"], unit["bnr"], unit["fnr"], unit["snr"]) == wanted:
                        return mid
            for nid in self.new_ids:
                unit = self.overrides.get(nid)
                if unit and (unit["kommunenummer"], unit["gnr"], unit["bnr"], unit["fnr"], unit["snr"]) == wanted:
                    return nid
            return None

    # --- the objects around a matrikkelenhet, by their own ids ----------------------------
    def _owner(self, bubble_id: int, offset: int, stride: int = 1) -> dict | None:
        serial = ((bubble_id - offset) % 500_000_000) // stride
        return self.get(demo.MATRIKKELENHET_ID_OFFSET + serial)

    def building(self, bid: int) -> tuple[dict, dict] | None:
        unit = self._owner(bid, BUILDING_ID_OFFSET, 4)
        if unit is None:
            return None
        for b in unit["buildings"]:
            if b["id"] == bid:
                return b, unit
        return None

    def bruksenhet(self, eid: int) -> tuple[dict, dict] | None:
        unit = self._owner(eid, BRUKSENHET_ID_OFFSET)
        if unit is None:
            return None
        for e in unit["units"]:
            if e["id"] == eid:
                return e, unit
        return None

    def address(self, aid: int) -> tuple[dict, dict] | None:
        unit = self._owner(aid, ADDRESS_ID_OFFSET)
        if unit is None:
            return None
        for a in unit["addresses"]:
            if a["id"] == aid:
                return a, unit
        return None

    def teig(self, tid: int) -> tuple[dict, dict] | None:
        unit = self._owner(tid, TEIG_ID_OFFSET)
        if unit is None:
            return None
        for t in unit["teiger"]:
            if t["id"] == tid:
                return t, unit
        return None

    # --- change log -----------------------------------------------------------------------
    @property
    def last_change_id(self) -> int:
        with self.lock:
            return self.changes[-1].id if self.changes else FIRST_CHANGE_ID

    def changes_after(self, after: int, limit: int, kommune: str | None = None) -> tuple[list[Change], int, bool]:
        """(changes, last id processed, all found), as findEndringer answers."""
        with self.lock:
            page: list[Change] = []
            last = after
            for change in self.changes:
                if change.id <= after:
                    continue
                if len(page) >= limit:
                    return page, last, False
                last = change.id
                if kommune is None or self._kommune_of(change.matrikkelenhet_id) == kommune:
                    page.append(change)
            return page, last, True

    def _kommune_of(self, mid: int) -> str | None:
        unit = self.overrides.get(mid) if mid in self.overrides else self._base(mid)
        if unit is None:
            return self._deleted_kommune.get(mid)
        return unit["kommunenummer"]

    def _log(self, kind: str, domain: str, bubble_id: int, mid: int) -> None:
        cid = self.last_change_id + 1
        self.changes.append(Change(cid, kind, domain, bubble_id, mid, CHANGE_EPOCH + timedelta(seconds=cid)))

    def apply_changes(self, n: int, seed: int) -> None:
        """n deterministic upstream changes: updates, type changes, new units and deletions."""
        with self.lock:
            rng = np.random.default_rng([self.seed, seed, 31337])
            kinds = rng.random(n)
            picks = rng.integers(0, self.count, n)
            values = rng.random((n, 3))
            # Touch base units in id order so the chunked generator runs once.
            order = np.argsort(picks, kind="stable")
            plan = [0] * n
            for j in order.tolist():
                plan[j] = int(picks[j]) + demo.MATRIKKELENHET_ID_OFFSET
            for j in order.tolist():
                mid, kind, v = plan[j], kinds[j], values[j]
                unit = self.get(mid)
                if kind < 0.08:  # a new matrikkelenhet, split off another one
                    if unit is None:
                        continue
                    self._max_id += 1
                    new = copy.deepcopy(unit)
                    new["id"] = nid = self._max_id
                    new["bnr"] = 10_000 + (nid % 100_000)
                    serial = nid - demo.MATRIKKELENHET_ID_OFFSET
                    for b in new["buildings"]:
                        b["id"] = BUILDING_ID_OFFSET + 4 * serial + (b["id"] % 4)
                        b["nr"] = 900_000_000 + serial * 4 + (b["id"] % 4)
                    for k, e in enumerate(new["units"]):
                        e.update(id=BRUKSENHET_ID_OFFSET + 500_000_000 * k + serial,
                                 bygning=BUILDING_ID_OFFSET + 4 * serial + (e["bygning"] % 4))
                    for k, a in enumerate(new["addresses"]):
                        a["id"] = ADDRESS_ID_OFFSET + 500_000_000 * k + serial
                    for t in new["teiger"]:
                        t["id"] = TEIG_ID_OFFSET + serial
                    new["demo"] = {**new["demo"], "external_id": None}
                    new["changed"] = (CHANGE_EPOCH + timedelta(seconds=self.last_change_id + 1)).isoformat()
                    self.overrides[nid] = new
                    self.new_ids.append(nid)
                    self._log("Nyoppretting", f"{new['kind']}Id", nid, nid)
                    continue
                if unit is None:
                    continue  # already deleted: nothing to change
                if kind < 0.14:  # deleted upstream
                    self._deleted_kommune[mid] = unit["kommunenummer"]
                    self.overrides[mid] = None
                    self._log("Sletting", f"{unit['kind']}Id", mid, mid)
                    continue
                unit = copy.deepcopy(unit)
                changed_at = (CHANGE_EPOCH + timedelta(seconds=self.last_change_id + 1)).isoformat()
                main = unit["buildings"][0] if unit["buildings"] else None
                if kind < 0.22 and main:  # building type changed (may change the category)
                    pool = (111, 112, 121, 131, 142, 161, 162, 171, 311, 321, 212)
                    main["type"] = pool[int(v[0] * len(pool))]
                    self.overrides[mid] = unit
                    self._log("Typeendring", "BygningId", main["id"], mid)
                elif kind < 0.50 and unit["units"]:  # usable area and rooms of the unit
                    bu = unit["units"][0]
                    bu["area"] = max(15, int(bu["area"] * (0.8 + 0.4 * v[1])))
                    if bu["rooms"] is not None:
                        bu["rooms"] = max(1, min(15, bu["rooms"] + (1 if v[2] > 0.5 else -1)))
                    self.overrides[mid] = unit
                    self._log("Oppdatering", "BruksenhetId", bu["id"], mid)
                elif kind < 0.70 and main:  # building: floors, year
                    main["floors"] = 1 + int(v[1] * 3)
                    main["year"] = min(2026, (main["year"] or 2000) + 1)
                    main["storeys_recorded"] = main["status_recorded"] = True
                    self.overrides[mid] = unit
                    self._log("Oppdatering", "BygningId", main["id"], mid)
                elif kind < 0.85 and unit["addresses"][0]["kind"] == "Vegadresse":  # address moved to another street
                    a = unit["addresses"][0]
                    a["name"], a["number"] = (
                        f"{a['name'].split(' ')[0]} {'Nye' if v[1] < 0.5 else 'Gamle'}",
                        1 + int(v[2] * 90),
                    )
                    self._register_veger(unit)
                    self.overrides[mid] = unit
                    self._log("Oppdatering", "VegadresseId", a["id"], mid)
                elif unit["teiger"]:  # the parcel: its area
                    unit["teiger"][0]["area"] = unit["plot_area"] = 200 + int(v[1] * 5000)
                    self.overrides[mid] = unit
                    self._log("Oppdatering", "TeigId", unit["teiger"][0]["id"], mid)
                else:  # the matrikkelenhet itself: its update date
                    self.overrides[mid] = unit
                    self._log("Oppdatering", f"{unit['kind']}Id", mid, mid)
                unit["changed"] = changed_at

    def rename_street(self, kommune: str, old: str, new: str) -> int:
        """Rename a street (its Veg): every address on it changes, the change log has one Veg change."""
        with self.lock:
            touched = []
            for mid in self.ids_after(0, self.count + len(self.new_ids), kommune):
                unit = self.get(mid)
                assert unit is not None  # ids_after lists live units only
                if any(a["kind"] == "Vegadresse" and a["name"] == old for a in unit["addresses"]):
                    unit = copy.deepcopy(unit)
                    for a in unit["addresses"]:
                        if a["kind"] == "Vegadresse" and a["name"] == old:
                            a["name"] = new
                    self.overrides[mid] = unit
                    touched.append(mid)
            # The Veg keeps its id: the stand-in derives ids from names, so it remembers the old one.
            vid = self.veg_id_of(kommune, old)
            self.veger[vid] = (kommune, new)
            self._renamed[(kommune, new)] = vid
            self._log("Oppdatering", "VegId", vid, touched[0] if touched else 0)
            return len(touched)

    def veg_id_of(self, kommune: str, name: str) -> int:
        return self._renamed.get((kommune, name)) or veg_id(kommune, name)

    def kode_ids(self) -> dict[int, int]:
        """Building type code id → NS 3457 code, as KodelisteService reports them."""
        return {code + BUILDING_TYPE_KODE_ID_OFFSET: code for code in reference.building_types()}
