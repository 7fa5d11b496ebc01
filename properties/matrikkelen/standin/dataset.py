"""The data a Matrikkelen stand-in serves: matrikkelenheter with buildings, units and addresses.

Built deterministically from `standins.demo` (same count and seed, same data): each demo
property becomes one matrikkelenhet with its main building, one bruksenhet and one address;
some get a garage or a larger barn beside the main building, so the main-building rule has
work to do. Coordinates are EUREF89 UTM 33 (EPSG:25833), as Matrikkelen reports them with
koordinatsystemKodeId 11; clients convert to WGS84.

Base units are produced chunk by chunk from the demo generator (so a million units need not
sit in memory); changes are kept as overrides beside a change log, as Matrikkelen's
EndringsloggService reports them.
"""
from __future__ import annotations

import copy
import re
import threading
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
# Matrikkelen reports building types as internal code ids; the stand-in's ids are the NS 3457
# code plus this offset, so a client that skips the code list gets every category wrong.
BUILDING_TYPE_KODE_ID_OFFSET = 4_000
CHANGE_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
_ADDRESS = re.compile(r"^(.*) (\d+)([A-Z]?)$")
_to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)


@dataclass(frozen=True)
class Change:
    id: int
    kind: str  # Nyoppretting | Oppdatering | Typeendring | Sletting
    domain: str  # Matrikkelenhet | Bygning | Bruksenhet | Adresse
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
        kommune, rest = row["external_id"].split("-")
        gnr, bnr, fnr, snr = (int(p) for p in rest.split("/"))
        address = _ADDRESS.match(row["address"])
        assert address is not None  # the generator writes "<street> <number><letter>"
        name, number, letter = address.groups()
        floors = max(row["floors"] or 1, 1)
        main = {"id": BUILDING_ID_OFFSET + 4 * serial, "nr": 100_000_000 + serial, "type": row["building_type_code"],
                "footprint": max(row["usable_area"] // floors, 10), "floors": floors, "year": row["year_built"],
                "x": x[i], "y": y[i]}
        buildings = [main]
        if row["category"] in ("residential", "cabin") and row["plot_area"]:
            if u[i][0] < 0.25:  # a garage, smaller than the house
                buildings.append({"id": main["id"] + 1, "nr": main["nr"] + 500_000_000, "type": 181,
                                  "footprint": 18 + int(u[i][1] * 30), "floors": 1, "year": row["year_built"],
                                  "x": x[i] + 8.0, "y": y[i] + 5.0})
            elif u[i][0] > 0.96:  # a barn, larger than the house: the house is still the main building
                buildings.append({"id": main["id"] + 2, "nr": main["nr"] + 600_000_000, "type": 241,
                                  "footprint": main["footprint"] + 50 + int(u[i][2] * 400), "floors": 2,
                                  "year": row["year_built"] - 20, "x": x[i] - 20.0, "y": y[i] + 15.0})
        estimate, low, high = estimates[row["external_id"]]
        units.append({
            "id": mid, "kommunenummer": kommune, "gnr": gnr, "bnr": bnr, "fnr": fnr, "snr": snr,
            "plot_area": row["plot_area"], "changed": row["upstream_changed_at"].isoformat(),
            "x": x[i], "y": y[i], "utgatt": False,
            "demo": {"seed": seed, "features": row["features"], "estimate": estimate, "estimate_low": low,
                     "estimate_high": high},
            "buildings": buildings,
            "units": [{"id": BRUKSENHET_ID_OFFSET + serial, "bygning": main["id"], "area": row["usable_area"],
                       "rooms": row["rooms"], "bedrooms": row["bedrooms"]}],
            "addresses": [{"id": ADDRESS_ID_OFFSET + serial, "name": name, "number": int(number), "letter": letter,
                           "postcode": row["postcode"], "town": row["town"], "kommunenummer": kommune}],
        })
    return units


class Dataset:
    """What the stand-in knows. Thread-safe; all reads return copies-by-convention (do not mutate)."""

    def __init__(self, *, count: int, seed: int):
        self.count, self.seed = count, seed
        self.lock = threading.RLock()
        self.overrides: dict[int, dict | None] = {}  # changed, new (dict) or deleted (None) units
        self.new_ids: list[int] = []
        self.changes: list[Change] = []
        self._gen: Iterator[demo.DemoChunk] | None = None
        self._gen_next = 0
        self._chunk: tuple[int, dict[int, dict]] | None = None
        self._max_id = demo.MATRIKKELENHET_ID_OFFSET + count - 1
        self._deleted_kommune: dict[int, str] = {}  # where deleted units were, for kommunefilter

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
                units = {u["id"]: u for u in _units_from_chunk(chunk, self.seed, k)}
                self._chunk = (k, units)
                return units

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
            if fnr == 0 and snr == 0 and kommune in reference.municipalities():
                # Demo numbering is per municipality and sequential: scan only as far as needed.
                for mid in range(demo.MATRIKKELENHET_ID_OFFSET, demo.MATRIKKELENHET_ID_OFFSET + self.count):
                    unit = self.get(mid)
                    if unit and (unit["kommunenummer"], unit["gnr"], unit["bnr"]) == (kommune, gnr, bnr):
                        return mid
            for nid in self.new_ids:
                unit = self.overrides.get(nid)
                if unit and (unit["kommunenummer"], unit["gnr"], unit["bnr"], unit["fnr"], unit["snr"]) == (
                        kommune, gnr, bnr, fnr, snr):
                    return nid
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
                    source = unit or self._base(mid)
                    if source is None:
                        continue
                    self._max_id += 1
                    new = copy.deepcopy(source)
                    new["id"] = nid = self._max_id
                    new["bnr"] = 10_000 + (nid % 100_000)
                    serial = nid - demo.MATRIKKELENHET_ID_OFFSET
                    for b in new["buildings"]:
                        b["id"] = BUILDING_ID_OFFSET + 4 * serial + (b["id"] % 4)
                        b["nr"] = 900_000_000 + serial * 4 + (b["id"] % 4)
                    new["units"][0].update(id=BRUKSENHET_ID_OFFSET + serial, bygning=new["buildings"][0]["id"])
                    new["addresses"][0]["id"] = ADDRESS_ID_OFFSET + serial
                    new["changed"] = (CHANGE_EPOCH + timedelta(seconds=self.last_change_id + 1)).isoformat()
                    self.overrides[nid] = new
                    self.new_ids.append(nid)
                    self._log("Nyoppretting", "Matrikkelenhet", nid, nid)
                    continue
                if unit is None:
                    continue  # already deleted: nothing to change
                if kind < 0.14:  # deleted upstream
                    self._deleted_kommune[mid] = unit["kommunenummer"]
                    self.overrides[mid] = None
                    self._log("Sletting", "Matrikkelenhet", mid, mid)
                    continue
                unit = copy.deepcopy(unit)
                unit["changed"] = (CHANGE_EPOCH + timedelta(seconds=self.last_change_id + 1)).isoformat()
                main = unit["buildings"][0]
                if kind < 0.22:  # building type changed (may change the category)
                    pool = (111, 112, 121, 131, 142, 161, 162, 171, 311, 321, 212)
                    main["type"] = pool[int(v[0] * len(pool))]
                    self.overrides[mid] = unit
                    self._log("Typeendring", "Bygning", main["id"], mid)
                elif kind < 0.50:  # usable area and rooms of the unit
                    bu = unit["units"][0]
                    bu["area"] = max(15, int(bu["area"] * (0.8 + 0.4 * v[1])))
                    if bu["rooms"] is not None:
                        bu["rooms"] = max(1, min(15, bu["rooms"] + (1 if v[2] > 0.5 else -1)))
                    self.overrides[mid] = unit
                    self._log("Oppdatering", "Bruksenhet", bu["id"], mid)
                elif kind < 0.70:  # building: floors, year
                    main["floors"] = 1 + int(v[1] * 3)
                    main["year"] = min(2026, main["year"] + 1)
                    self.overrides[mid] = unit
                    self._log("Oppdatering", "Bygning", main["id"], mid)
                elif kind < 0.85:  # address renamed
                    a = unit["addresses"][0]
                    a["name"], a["number"] = (
                        f"{a['name'].split(' ')[0]} {'Nye' if v[1] < 0.5 else 'Gamle'}",
                        1 + int(v[2] * 90),
                    )
                    self.overrides[mid] = unit
                    self._log("Oppdatering", "Adresse", a["id"], mid)
                else:  # the parcel itself: plot area
                    unit["plot_area"] = 200 + int(v[1] * 5000)
                    self.overrides[mid] = unit
                    self._log("Oppdatering", "Matrikkelenhet", mid, mid)

    def kode_ids(self) -> dict[int, int]:
        """Building type code id → NS 3457 code, as KodelisteService reports them."""
        return {code + BUILDING_TYPE_KODE_ID_OFFSET: code for code in reference.building_types()}
