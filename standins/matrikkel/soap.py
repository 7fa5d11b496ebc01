"""The Matrikkel API's SOAP answers, built from the stand-in's data in the shapes of the real XSDs.

Every answer is a document the vendored schemas (properties/matrikkelen/wsdl/) accept: real
element names and namespaces (elementFormDefault qualified: an inherited element keeps the
namespace of the schema that declares it), `xsi:type` on every object and id of a subtype
(Grunneiendom, Seksjon, …; Vegadresse, Matrikkeladresse; BygningId, …), id maps as
entry{key, value}, timestamps as {timestamp}, coordinates with their koordinatsystemKodeId,
and faults as ServiceException with the real categories. Tests validate each answer.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from lxml import etree

from properties import reference
from properties.matrikkelen.contract import NS, SERVICE_NS

from .dataset import (
    BUILDING_STATUS_KODER,
    BUILDING_TYPE_KODE_ID_OFFSET,
    ETASJEPLAN_KODER,
    KOMMUNE_ID_OFFSET,
    POSTNUMMEROMRADE_ID_OFFSET,
    VEG_ID_OFFSET,
    Dataset,
    veg_id,
)

XSI_TYPE = f"{{{NS['xsi']}}}type"
XSI_NIL = f"{{{NS['xsi']}}}nil"
NSMAP = {"soap": NS["soap"], "xsi": NS["xsi"], **{k: v for k, v in NS.items() if k not in ("soap", "xsi")}}
UTM33 = 11  # koordinatsystemKodeId of EUREF89 UTM zone 33
STANDIN_USER = "epty-standin"

FINDER = ":ServiceException:ApplicationException:FinderException:"
VALIDATION = ":ServiceException:ApplicationException:ValidationException:"
OPERATIONAL = ":ServiceException:SystemException:OperationalException:"
IMPLEMENTATION = ":ServiceException:SystemException:ImplementationException:"


class Fault(Exception):
    """Answer with a SOAP fault carrying a ServiceException of this category."""

    def __init__(self, category: str, message: str):
        super().__init__(message)
        self.category, self.message = category, message


_QNAMES: dict[tuple[str, str], str] = {}


def _q(ns: str, name: str) -> str:
    try:
        return _QNAMES[ns, name]
    except KeyError:
        _QNAMES[ns, name] = tag = f"{{{NS[ns]}}}{name}"
        return tag


def sub(parent, ns: str, name: str, text=None, xsi: str | None = None):
    el = etree.SubElement(parent, _q(ns, name))
    if text is not None:
        el.text = text if type(text) is str else ("true" if text is True else "false" if text is False else str(text))
    if xsi:
        el.set(XSI_TYPE, xsi)
    return el


def bubble_id(parent, ns: str, name: str, value: int, xsi: str | None = None):
    el = sub(parent, ns, name, xsi=xsi)
    sub(el, "dom", "value", int(value))
    return el


def timestamp(parent, ns: str, name: str, iso: str):
    el = sub(parent, ns, name)
    sub(el, "dom", "timestamp", iso)
    return el


def with_history(el, changed: str) -> None:
    """The elements every MatrikkelBubbleObjectWithHistory carries after its id."""
    timestamp(el, "dom", "oppdateringsdato", changed)
    sub(el, "dom", "versjonId", 1)
    sub(el, "dom", "oppdatertAv", STANDIN_USER)
    sub(el, "dom", "versjon", 1)


def component_history(el, changed: str) -> None:
    """The elements every MatrikkelComponentWithHistory (a part inside an object) starts with."""
    timestamp(el, "dom", "oppdateringsdato", changed)
    sub(el, "dom", "versjonId", 1)
    sub(el, "dom", "oppdatertAv", STANDIN_USER)


def point(parent, ns: str, name: str, x: float, y: float):
    el = sub(parent, ns, name)
    bubble_id(el, "geo", "koordinatsystemKodeId", UTM33)
    pos = sub(el, "geo", "position")
    sub(pos, "geo", "x", f"{x:.2f}")
    sub(pos, "geo", "y", f"{y:.2f}")
    return el


def town_upper(town: str) -> str:
    return town.upper()


# The schema prefix of each id type the stand-in sends with xsi:type.
PREFIX_OF = {
    **{f"{kind}Id": "mat" for kind in ("Matrikkelenhet", "Grunneiendom", "Festegrunn", "Seksjon", "Jordsameie",
                                       "Anleggseiendom", "AnnenMatrikkelenhet", "Teig")},
    **{f"{kind}Id": "byg" for kind in ("Bygg", "Bygning", "Bruksenhet")},
    **{f"{kind}Id": "adr" for kind in ("Adresse", "Vegadresse", "Matrikkeladresse", "Veg", "Krets",
                                       "Postnummeromrade")},
    "KommuneId": "kom",
}


def typed(type_name: str) -> str | None:
    """'GrunneiendomId' → 'mat:GrunneiendomId' (None for an untyped id)."""
    return f"{PREFIX_OF[type_name]}:{type_name}" if type_name else None


# --- objects ("bubbles") -----------------------------------------------------------------------

def matrikkelenhet(parent, u: dict, name: str = "item", ns: str = "dom"):
    el = sub(parent, ns, name, xsi=f"mat:{u['kind']}")
    bubble_id(el, "dom", "id", u["id"])
    with_history(el, u["changed"])
    nr = sub(el, "mat", "matrikkelnummer")
    bubble_id(nr, "mat", "kommuneId", KOMMUNE_ID_OFFSET + int(u["kommunenummer"]))
    sub(nr, "mat", "gardsnummer", u["gnr"])
    sub(nr, "mat", "bruksnummer", u["bnr"])
    if u["fnr"]:
        sub(nr, "mat", "festenummer", u["fnr"])
    if u["snr"]:
        sub(nr, "mat", "seksjonsnummer", u["snr"])
    sub(el, "mat", "tinglyst", True)
    if u["teiger"]:
        teiger = sub(el, "mat", "teigerForMatrikkelenhet")
        for k, t in enumerate(u["teiger"]):
            item = sub(teiger, "mat", "item")
            component_history(item, u["changed"])
            sub(item, "mat", "id", t["id"])
            sub(item, "mat", "hovedteig", k == 0)
            bubble_id(item, "mat", "teigId", t["id"])
    sub(el, "mat", "erSeksjonert", False)
    sub(el, "mat", "utgatt", u["utgatt"])
    if u["kind"] == "Festegrunn":
        sub(el, "mat", "punktfeste", False)
    elif u["kind"] == "Seksjon":
        ids = sub(el, "mat", "seksjonertMatrikkelenhetIds")
        bubble_id(ids, "mat", "item", u["id"] + 10_000_000_000)
        sub(el, "mat", "tilleggsareal", False)
    elif u["kind"] == "Jordsameie":
        sub(el, "mat", "avklartEiere", True)
    return el


def teig(parent, t: dict, u: dict):
    el = sub(parent, "dom", "item", xsi="mat:Teig")
    bubble_id(el, "dom", "id", t["id"])
    with_history(el, u["changed"])
    sub(el, "mat", "tvist", False)
    if t["area"] is not None:
        sub(el, "mat", "lagretBeregnetAreal", f"{float(t['area']):.1f}")
    if t["point"]:
        point(el, "mat", "representasjonspunkt", t["x"], t["y"])
    return el


def bygning(parent, b: dict, u: dict):
    el = sub(parent, "dom", "item", xsi="byg:Bygning")
    bubble_id(el, "dom", "id", b["id"])
    with_history(el, u["changed"])
    sub(el, "byg", "bygningsnummer", b["nr"])
    sub(el, "byg", "lopenummer", 0)
    bubble_id(el, "byg", "kommuneId", KOMMUNE_ID_OFFSET + int(u["kommunenummer"]))
    point(el, "byg", "representasjonspunkt", b["x"], b["y"])
    sub(el, "byg", "bebygdAreal", f"{float(b['footprint']):.1f}")
    if b["storeys_recorded"]:
        etasjer = sub(el, "byg", "etasjer")
        storeys = [(2, 1)] if b["basement"] else []  # a basement is a storey, not a floor
        storeys += [(1, k + 1) for k in range(b["floors"])]
        for plan, number in storeys:
            item = sub(etasjer, "byg", "item")
            component_history(item, u["changed"])
            bubble_id(item, "byg", "etasjeplanKodeId", plan)
            sub(item, "byg", "etasjenummer", number)
    bruksenheter = [e for e in u["units"] if e["bygning"] == b["id"]]
    if bruksenheter:
        ids = sub(el, "byg", "bruksenhetIds")
        for e in bruksenheter:
            bubble_id(ids, "byg", "item", e["id"])
    if b["status_recorded"] and b["year"]:
        history = sub(el, "byg", "bygningsstatusHistorikker")
        for code, year, day in ((2, b["year"] - 1, "03-01"), (5, b["year"], "06-15")):  # IG, then TB
            item = sub(history, "byg", "item")
            component_history(item, u["changed"])
            bubble_id(item, "byg", "bygningsstatusKodeId", code)
            date = sub(item, "byg", "dato")
            sub(date, "dom", "date", f"{year:04d}-{day}")
        bubble_id(el, "byg", "bygningsstatusKodeId", 5)
    bubble_id(el, "byg", "bygningstypeKodeId", b["type"] + BUILDING_TYPE_KODE_ID_OFFSET)
    return el


def bruksenhet(parent, e: dict, u: dict):
    el = sub(parent, "dom", "item", xsi="byg:Bruksenhet")
    bubble_id(el, "dom", "id", e["id"])
    with_history(el, u["changed"])
    if e["bygning"] is not None:
        bubble_id(el, "byg", "byggId", e["bygning"], xsi="byg:BygningId")
    if u["addresses"]:
        bubble_id(el, "byg", "adresseId", u["addresses"][0]["id"], xsi=f"adr:{u['addresses'][0]['kind']}Id")
    bubble_id(el, "byg", "matrikkelenhetId", u["id"], xsi=f"mat:{u['kind']}Id")
    if e["rooms"] is not None:
        sub(el, "byg", "antallRom", e["rooms"])
    sub(el, "byg", "bruksareal", f"{float(e['area']):.1f}")
    return el


def adresse(parent, a: dict, u: dict, veg_id_of: Callable[[str, str], int] = veg_id):
    el = sub(parent, "dom", "item", xsi=f"adr:{a['kind']}")
    bubble_id(el, "dom", "id", a["id"])
    with_history(el, u["changed"])
    point(el, "adr", "representasjonspunkt", a["x"], a["y"])
    bubble_id(el, "adr", "matrikkelenhetId", u["id"], xsi=f"mat:{u['kind']}Id")
    kretser = sub(el, "adr", "kretsIds")
    bubble_id(kretser, "adr", "item", POSTNUMMEROMRADE_ID_OFFSET + int(a["postcode"]), xsi="adr:PostnummeromradeId")
    if a["kind"] == "Vegadresse":
        bubble_id(el, "adr", "vegId", veg_id_of(a["kommunenummer"], a["name"]))
        sub(el, "adr", "nummer", a["number"])
        if a["letter"]:
            sub(el, "adr", "bokstav", a["letter"])
    else:
        sub(el, "adr", "undernummer", a["undernummer"])
    return el


def veg(parent, vid: int, kommune: str, name: str):
    el = sub(parent, "dom", "item", xsi="adr:Veg")
    bubble_id(el, "dom", "id", vid)
    with_history(el, "2020-01-01T00:00:00+01:00")
    bubble_id(el, "adr", "kommuneId", KOMMUNE_ID_OFFSET + int(kommune))
    sub(el, "adr", "adressekode", vid % 100_000)
    sub(el, "adr", "adressenavn", name)
    return el


def postnummeromrade(parent, kid: int, town: str):
    el = sub(parent, "dom", "item", xsi="adr:Postnummeromrade")
    bubble_id(el, "dom", "id", kid)
    with_history(el, "2020-01-01T00:00:00+01:00")
    sub(el, "adr", "kretsnummer", kid - POSTNUMMEROMRADE_ID_OFFSET)
    sub(el, "adr", "kretsnavn", town_upper(town))
    return el


def kommune(parent, kid: int):
    m = next((m for m in reference.municipalities().values() if KOMMUNE_ID_OFFSET + int(m.number) == kid), None)
    if m is None:
        return None
    el = sub(parent, "dom", "item", xsi="kom:Kommune")
    bubble_id(el, "dom", "id", kid)
    with_history(el, "2024-01-01T00:00:00+01:00")
    sub(el, "kom", "kommunenummer", m.number)
    sub(el, "kom", "kommunenavn", m.name)
    bubble_id(el, "kom", "fylkeId", 2_000_000 + int(m.county_number))
    return el


# --- operations ---------------------------------------------------------------------------------

def _local(el) -> str:
    return etree.QName(el).localname


def _child(el, name: str):
    if el is None:
        return None
    for c in el:
        if isinstance(c.tag, str) and _local(c) == name:
            return c
    return None


def _text(el, name: str, default=None):
    c = _child(el, name)
    return c.text if c is not None and c.text is not None else default


def _value(el) -> int | None:
    """The <value> of an id element, or None for a missing or nil one."""
    if el is None or el.get(XSI_NIL) == "true":
        return None
    return int(_text(el, "value"))


def _id_items(el) -> list[tuple[str, int]]:
    """(xsi type local name, value) of each <item> of an id list."""
    result = []
    for item in el if el is not None else []:
        if isinstance(item.tag, str):
            result.append(((item.get(XSI_TYPE) or "").split(":")[-1], int(_text(item, "value"))))
    return result


class Operations:
    """One method per operation: (request element, <return> element to fill) → None.

    A method raises Fault for a ServiceException answer; a missing <return> (None) is a valid
    answer where the schema allows it (minOccurs 0).
    """

    def __init__(self, dataset: Dataset, on_find_endringer: Callable[[], None] | None = None):
        self.data = dataset
        self.on_find_endringer = on_find_endringer

    # EndringsloggService
    def findSisteEndringId(self, req, ret) -> None:
        sub(ret, "dom", "value", self.data.last_change_id)

    def findEndringer(self, req, ret) -> None:
        if self.on_find_endringer:
            self.on_find_endringer()
        after = _value(_child(req, "id")) or 0
        limit = int(_text(req, "maksAntall"))
        if limit < 1:
            raise Fault(VALIDATION, "maksAntall må være større enn 0")
        changes, last, done = self.data.changes_after(after, limit, self._kommune_filter(req))
        endringer = sub(ret, "end", "endringList")
        for c in changes:
            item = sub(endringer, "end", "item")
            bubble_id(item, "dom", "id", c.id)
            sub(item, "end", "endringstype", c.kind)
            bubble_id(item, "end", "endretBubbleId", c.bubble_id, xsi=typed(c.domain))
            timestamp(item, "end", "endringstidspunkt", c.at.isoformat())
        sub(ret, "end", "alleEndringerFunnet", done)
        bubble_id(ret, "end", "sisteEndringIdProsessert", last)
        sub(ret, "end", "objects")

    # NedlastningService
    def findObjekterEtterId(self, req, ret) -> None:
        if _text(req, "domainklasse") != "Matrikkelenhet":
            raise Fault(VALIDATION, "Domeneklassen støttes ikke for nedlasting i denne tjenesten")
        after = _value(_child(req, "matrikkelBubbleId")) or 0
        ids = self.data.ids_after(after, int(_text(req, "maksAntall")), self._kommune_filter(req))
        with self.data.lock:
            for unit in self.data.get_many(ids).values():
                matrikkelenhet(ret, unit)

    # StoreService
    def getObjectsIgnoreMissing(self, req, ret) -> None:
        with self.data.lock:
            for kind, bid in _id_items(_child(req, "ids")):
                self._bubble(ret, kind, bid)

    def _bubble(self, ret, kind: str, bid: int) -> None:
        d = self.data
        if kind in ("MatrikkelenhetId", "GrunneiendomId", "FestegrunnId", "SeksjonId", "JordsameieId",
                    "AnleggseiendomId", "AnnenMatrikkelenhetId"):
            unit = d.get(bid)
            if unit is not None:
                matrikkelenhet(ret, unit)
        elif kind in ("ByggId", "BygningId"):
            found = d.building(bid)
            if found:
                bygning(ret, *found)
        elif kind == "BruksenhetId":
            found = d.bruksenhet(bid)
            if found:
                bruksenhet(ret, *found)
        elif kind in ("AdresseId", "VegadresseId", "MatrikkeladresseId"):
            found = d.address(bid)
            if found:
                adresse(ret, *found, d.veg_id_of)
        elif kind == "TeigId":
            found = d.teig(bid)
            if found:
                teig(ret, *found)
        elif kind == "VegId" and bid in d.veger:
            veg(ret, bid, *d.veger[bid])
        elif kind in ("KretsId", "PostnummeromradeId") and POSTNUMMEROMRADE_ID_OFFSET <= bid < VEG_ID_OFFSET:
            postcode = f"{bid - POSTNUMMEROMRADE_ID_OFFSET:04d}"
            town = self._town_for(postcode)
            if town:
                postnummeromrade(ret, bid, town)
        elif kind == "KommuneId":
            kommune(ret, bid)
        elif kind == "":
            raise Fault(VALIDATION, "Id uten xsi:type: kan ikke avgjøre objekttypen")

    def _town_for(self, postcode: str) -> str | None:
        towns = self.__dict__.setdefault("_towns", {})
        if postcode not in towns:
            from standins import demo

            geo = demo._geo()
            for m, (start, width) in enumerate(
                zip(geo.postcode_start.tolist(), geo.postcode_width.tolist(), strict=True)
            ):
                for code in geo.postcode_table[start:start + width].tolist():
                    towns.setdefault(f"{code:04d}", geo.towns[m])
        return towns.get(postcode)

    # MatrikkelenhetService
    def findMatrikkelenhetIdForIdent(self, req, ret) -> None:
        ident = _child(req, "matrikkelenhetIdent")
        kommune_ = _text(_child(ident, "kommuneIdent"), "kommunenummer")
        if not kommune_:
            raise Fault(VALIDATION, "matrikkelenhetIdent mangler kommuneIdent")
        mid = self.data.find_by_ident(
            kommune_,
            int(_text(ident, "gardsnummer", 0)),
            int(_text(ident, "bruksnummer", 0)),
            int(_text(ident, "festenummer", 0)),
            int(_text(ident, "seksjonsnummer", 0)),
        )
        if mid is None:
            raise Fault(FINDER, f"Fant ikke matrikkelenhet med ident {kommune_}-{_text(ident, 'gardsnummer')}/"
                                f"{_text(ident, 'bruksnummer')}")
        sub(ret, "dom", "value", mid)

    def _units_map(self, ret, items: list[tuple[str, int]], owner: Callable[[int], dict | None], key_ns: str) -> None:
        for kind, bid in items:
            unit = owner(bid)
            if unit is None:
                continue
            entry = sub(ret, key_ns, "entry")
            bubble_id(entry, key_ns, "key", bid, xsi=typed(kind))
            value = sub(entry, key_ns, "value")
            bubble_id(value, "mat", "item", unit["id"], xsi=f"mat:{unit['kind']}Id")

    def findMatrikkelenheterForByggList(self, req, ret) -> None:
        items = _id_items(_child(req, "byggIds"))
        self._units_map(ret, items, lambda b: (self.data.building(b) or (None, None))[1], "mat")

    def findMatrikkelenheterForAdresser(self, req, ret) -> None:
        items = _id_items(_child(req, "adresseIds"))
        self._units_map(ret, items, lambda a: (self.data.address(a) or (None, None))[1], "mat")

    def findMatrikkelenheterForTeiger(self, req, ret) -> None:
        items = _id_items(_child(req, "teigIds"))
        self._units_map(ret, items, lambda t: (self.data.teig(t) or (None, None))[1], "mat")

    # Bygning-, Bruksenhet- and AdresseService: id maps from matrikkelenhet ids
    def _related(self, ret, req, list_name: str, ns: str, key: str, id_type: Callable[[dict], str]) -> None:
        with self.data.lock:
            for _kind, mid in _id_items(_child(req, list_name)):
                unit = self.data.get(mid)
                if unit is None:
                    continue
                entry = sub(ret, ns, "entry")
                bubble_id(entry, ns, "key", mid, xsi=f"mat:{unit['kind']}Id")
                value = sub(entry, ns, "value")
                for x in unit[key]:
                    bubble_id(value, ns, "item", x["id"], xsi=id_type(x))

    def findByggForMatrikkelenheter(self, req, ret) -> None:
        self._related(ret, req, "matrikkelenhetIdList", "byg", "buildings", lambda b: "byg:BygningId")

    def findBruksenheterForMatrikkelenheter(self, req, ret) -> None:
        self._related(ret, req, "matrikkelenhetIds", "byg", "units", lambda e: "byg:BruksenhetId")

    def findAdresserForMatrikkelenheter(self, req, ret) -> None:
        self._related(ret, req, "matrikkelenhetIds", "adr", "addresses", lambda a: f"adr:{a['kind']}Id")

    def findAdresserForVeger(self, req, ret) -> None:
        wanted = {vid for _, vid in _id_items(_child(req, "vegIds"))}
        found: dict[int, list[tuple[int, str]]] = {vid: [] for vid in wanted}
        with self.data.lock:
            for mid in self.data.ids_after(0, self.data.count + len(self.data.new_ids)):
                unit = self.data.get(mid)
                for a in unit["addresses"] if unit else []:
                    if a["kind"] == "Vegadresse" and self.data.veg_id_of(a["kommunenummer"], a["name"]) in wanted:
                        found[self.data.veg_id_of(a["kommunenummer"], a["name"])].append((a["id"], a["kind"]))
        for vid, addresses in found.items():
            entry = sub(ret, "adr", "entry")
            bubble_id(entry, "adr", "key", vid)
            value = sub(entry, "adr", "value")
            for aid, kind in addresses:
                bubble_id(value, "adr", "item", aid, xsi=f"adr:{kind}Id")

    # KommuneService
    def findAlleKommuner(self, req, ret) -> None:
        for m in reference.municipalities().values():
            bubble_id(ret, "kom", "item", KOMMUNE_ID_OFFSET + int(m.number))

    # KodelisteService
    def getKodelister(self, req, ret) -> None:
        lists = (("BygningstypeKode", 101, {kid: (str(code), reference.building_types()[code].name)
                                             for kid, code in sorted(self.data.kode_ids().items())}),
                 ("BygningsstatusKode", 102, {kid: v for kid, v in BUILDING_STATUS_KODER.items()}),
                 ("EtasjeplanKode", 103, {kid: v for kid, v in ETASJEPLAN_KODER.items()}))
        ids = sub(ret, "kod", "kodelisterIds")
        for _, list_id, _ in lists:
            bubble_id(ids, "kod", "item", list_id)
        objects = sub(ret, "kod", "bubbleObjects")
        for kode_class, list_id, koder in lists:
            liste = sub(objects, "dom", "item", xsi="kod:Kodeliste")
            bubble_id(liste, "dom", "id", list_id)
            sub(liste, "kod", "kodeIdClass", f"no.statkart.matrikkel.domene.bygning.kodeliste.{kode_class}Id")
            koder_ids = sub(liste, "kod", "koderIds")
            for kid in koder:
                bubble_id(koder_ids, "kod", "item", kid, xsi=f"bygk:{kode_class}Id")
            for kid, (value, name) in koder.items():
                kode = sub(objects, "dom", "item", xsi=f"bygk:{kode_class}")
                bubble_id(kode, "dom", "id", kid)
                sub(kode, "kod", "kodeverdi", value)
                navn = sub(kode, "kod", "navn")
                entry = sub(navn, "dom", "entry")
                sub(entry, "dom", "key", "no_NO")
                sub(entry, "dom", "value", name)

    @staticmethod
    def _kommune_filter(req) -> str | None:
        raw = _text(req, "filter")
        if not raw:
            return None
        try:
            numbers = json.loads(raw).get("kommunefilter") or []
        except (ValueError, AttributeError):
            raise Fault(VALIDATION, f"Ugyldig filter: {raw[:100]}") from None
        return numbers[0] if numbers else None


# Which service each operation belongs to (a request to the wrong endpoint is refused, as JAX-WS does).
SERVICE_OF = {
    "findSisteEndringId": "Endringslogg", "findEndringer": "Endringslogg",
    "findObjekterEtterId": "Nedlastning", "getObjectsIgnoreMissing": "Store",
    "findMatrikkelenhetIdForIdent": "Matrikkelenhet", "findMatrikkelenheterForByggList": "Matrikkelenhet",
    "findMatrikkelenheterForAdresser": "Matrikkelenhet", "findMatrikkelenheterForTeiger": "Matrikkelenhet",
    "findByggForMatrikkelenheter": "Bygning", "findBruksenheterForMatrikkelenheter": "Bruksenhet",
    "findAdresserForMatrikkelenheter": "Adresse", "findAdresserForVeger": "Adresse",
    "findAlleKommuner": "Kommune", "getKodelister": "Kodeliste",
}


def envelope(service: str, operation: str, fill: Callable[[etree._Element], bool | None]) -> bytes:
    """A response envelope; `fill(ret)` fills <return> and returns False to leave <return> out."""
    root = etree.Element(_q("soap", "Envelope"), nsmap={**NSMAP, "svc": SERVICE_NS[service]})
    body = sub(root, "soap", "Body")
    response = etree.SubElement(body, f"{{{SERVICE_NS[service]}}}{operation}Response")
    ret = etree.SubElement(response, f"{{{SERVICE_NS[service]}}}return")
    if fill(ret) is False:
        response.remove(ret)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fault_envelope(category: str, message: str, class_name: str = "no.statkart.matrikkel.ServiceException") -> bytes:
    root = etree.Element(_q("soap", "Envelope"), nsmap=NSMAP)
    body = sub(root, "soap", "Body")
    fault = sub(body, "soap", "Fault")
    etree.SubElement(fault, "faultcode").text = "soap:Server" if ":SystemException:" in category else "soap:Client"
    etree.SubElement(fault, "faultstring").text = message
    detail = etree.SubElement(fault, "detail")
    exc = sub(detail, "exc", "ServiceException")
    sub(exc, "exc", "category", category)
    sub(exc, "exc", "stackTraceText", "")
    info = sub(exc, "exc", "exceptionDetail")
    sub(info, "exc", "className", class_name)
    sub(info, "exc", "message", message)
    sub(info, "exc", "cause").set(XSI_NIL, "true")
    sub(info, "exc", "stackTraceElements")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
