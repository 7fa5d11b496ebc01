"""The Matrikkel API (SOAP) client, with zeep, on the real contract vendored in wsdl/.

zeep loads each service's WSDL from disk (contract.py; the server's `?WSDL` is never fetched)
and builds every request: MatrikkelContext in schema order, typed ids with xsi:type, nil for
absent nillable arguments. Only the operations and arguments in `contract.OPERATIONS` are
called. Answers are taken raw and read with lxml, which is several times faster than zeep's
object mapping for pages of thousands of objects ("bubbles") and lets every field the mapping
needs be checked before anything is written.

What the real schemas say, and this client follows:
- Most find* operations answer ids only; objects come from StoreService.getObjectsIgnoreMissing.
  Lists of objects are `<item xsi:type="…">` of an abstract type: a matrikkelenhet is a
  Grunneiendom, Festegrunn, Seksjon, Jordsameie, Anleggseiendom or AnnenMatrikkelenhet; an
  address a Vegadresse or Matrikkeladresse.
- Id maps (matrikkelenhet → buildings, units, addresses) are `entry{key, value{item…}}`.
- A matrikkelenhet carries its number (`matrikkelnummer`, with a KommuneId, not the
  kommunenummer), update time (`oppdateringsdato{timestamp}`) and teiger (parcels), but no point
  or area: those are on its Teig objects (`representasjonspunkt`, `lagretBeregnetAreal`). A
  seksjon has no teig: its point is its building's, else its address's.
- A Bygning has its type as an internal `bygningstypeKodeId` (resolved through KodelisteService),
  its storeys as `etasjer` (floors = storeys on the main plan "H") and its history as
  `bygningsstatusHistorikker` (year built = the first year it was taken into use, got its
  completion certificate or a temporary use permit: status TB, FA or MB). There is no number of
  bedrooms anywhere: bedrooms are unknown from this source.
- A bruksenhet points at its building with `byggId`; an address's street name is on its Veg
  (`vegId`), its postcode and place on its Postnummeromrade (one of its `kretsIds`).
- Changes: findEndringer for domain class MatrikkelBubbleObject (every kind of object, one
  sequence of change ids); a change's kind of object is the xsi:type of `endretBubbleId`.
- Faults carry a ServiceException whose category says what happened
  (`:ServiceException:ApplicationException:FinderException:` = not found, answered as None;
  other application errors are refused requests, never retried; system errors are retried).

Every call goes through `resilience.call` (timeouts, retries with backoff and jitter, circuit
breaker). UTM coordinates (koordinatsystemKodeId 9/10/11 = EUREF89 UTM 31/32/33) are converted
to WGS84 with pyproj.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime

import requests
from django.conf import settings
from lxml import etree
from pyproj import Transformer
from zeep import Client, Settings
from zeep.transports import Transport

from . import contract, resilience
from .interface import (
    BadCredentials,
    ChangePage,
    ChangeRef,
    MalformedResponse,
    MatrikkelError,
    RequestRejected,
    UpstreamUnavailable,
    parse_ident,
)

logger = logging.getLogger("properties.matrikkelen")
EPSG_FOR_KOORDINATSYSTEM = {9: "EPSG:25831", 10: "EPSG:25832", 11: "EPSG:25833"}
XSI_TYPE = f"{{{contract.NS['xsi']}}}type"
XSI_NIL = f"{{{contract.NS['xsi']}}}nil"
LIST_TAGS = frozenset({"item", "entry"})
PAGE = 5000  # objects per StoreService call
NOT_FOUND = ":FinderException:"
APPLICATION_ERROR = ":ApplicationException:"
MATRIKKELENHET_KINDS = frozenset({"Matrikkelenhet", "Grunneiendom", "Festegrunn", "Seksjon", "Jordsameie",
                                  "Anleggseiendom", "AnnenMatrikkelenhet"})
# Object (bubble) type → the family its id belongs to, for changes and StoreService answers.
FAMILY = {**{k: "Matrikkelenhet" for k in MATRIKKELENHET_KINDS}, "Bygg": "Bygg", "Bygning": "Bygg",
          "Bygningsendring": "Bygg", "Bruksenhet": "Bruksenhet", "Adresse": "Adresse", "Vegadresse": "Adresse",
          "Matrikkeladresse": "Adresse", "Teig": "Teig", "Veg": "Veg", "Kommune": "Kommune"}
IN_USE_STATUSES = frozenset({"TB", "FA", "MB"})  # tatt i bruk, ferdigattest, midlertidig brukstillatelse
MAIN_PLAN = "H"  # etasjeplan: hovedetasje
_parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
_transformers: dict[int, Transformer] = {}
_transformers_lock = threading.Lock()


def to_wgs84(kode_id: int, xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """(lat list, lon list), rounded to 7 decimals (1 cm)."""
    with _transformers_lock:
        if kode_id not in _transformers:
            if kode_id not in EPSG_FOR_KOORDINATSYSTEM:
                raise MalformedResponse(f"Unsupported koordinatsystemKodeId {kode_id}")
            _transformers[kode_id] = Transformer.from_crs(
                EPSG_FOR_KOORDINATSYSTEM[kode_id], "EPSG:4326", always_xy=True
            )
        transformer = _transformers[kode_id]
    lon, lat = transformer.transform(xs, ys)
    if not isinstance(lat, list | tuple):
        lat, lon = list(lat), list(lon)
    return [round(v, 7) for v in lat], [round(v, 7) for v in lon]


def _local(el) -> str:
    return etree.QName(el).localname


def to_dict(el):
    """An object as JSON: element names without namespaces; `_type` from xsi:type; item/entry lists."""
    attrib = el.attrib
    if attrib and attrib.get(XSI_NIL) == "true":
        return None
    children = list(el.iterchildren(etree.Element))  # elements only, filtered in C
    xsi = attrib.get(XSI_TYPE) if attrib else None
    if not children:
        return {"_type": xsi.rpartition(":")[2]} if xsi else el.text
    names = [c.tag.rpartition("}")[2] for c in children]
    if names[0] in LIST_TAGS and (len(names) == 1 or all(n in LIST_TAGS for n in names)):
        return [to_dict(c) for c in children]
    result = {"_type": xsi.rpartition(":")[2]} if xsi else {}
    for name, c in zip(names, children, strict=True):
        result[name] = to_dict(c)
    return result


def place_name(text: str | None) -> str:
    """A place as Matrikkelen writes it (upper case: 'MO I RANA') in the case people write it ('Mo i Rana')."""
    if not text:
        return ""
    if not text.isupper():
        return text.strip()
    small = {"i", "på", "og", "ved", "under"}
    words = text.strip().lower().split()
    return " ".join(w if k and w in small else "-".join(p[:1].upper() + p[1:] for p in w.split("-"))
                    for k, w in enumerate(words))


def _value(node) -> int:
    """The value of an id as to_dict gives it ({"value": "1", "_type": …})."""
    if isinstance(node, dict):
        return int(node["value"])
    raise TypeError(f"not an id: {node!r}")


def _typed(node, default: str) -> tuple[str, int]:
    """(id type, value): the xsi:type if the answer gave one, else the type the schema declares."""
    return (node.get("_type") or default), _value(node)


def _float(value) -> float | None:
    return float(value) if value not in (None, "") else None


def _int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _list(value) -> list:
    return value if isinstance(value, list) else []


class SoapSource:
    """The Matrikkel API. `fact_source` labels the facts it answers with (the stand-in's are synthetic)."""

    def __init__(self, *, base_url: str | None = None, username: str | None = None, password: str | None = None,
                 timeout: float | None = None, name: str = "soap", fact_source: str = "matrikkel_api"):
        self.name = name
        self.fact_source = fact_source
        self.base_url = (base_url or settings.MATRIKKEL_BASE_URL).rstrip("/") + "/"
        self.timeout = timeout or settings.MATRIKKEL_TIMEOUT
        self.session = requests.Session()
        username = settings.MATRIKKEL_USERNAME if username is None else username
        password = settings.MATRIKKEL_PASSWORD if password is None else password
        if username:
            self.session.auth = (username, password)
        self.transport = Transport(session=self.session, timeout=self.timeout, operation_timeout=self.timeout)
        self.zeep_settings = Settings(strict=True, xml_huge_tree=True, raw_response=True)
        self.breaker = resilience.CircuitBreaker(name)
        self._proxies: dict[str, object] = {}
        self._types: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()
        self._codes: dict[str, dict[int, str]] | None = None
        self._kommuner: dict[int, str] = {}  # KommuneId → kommunenummer
        self._kretser: dict[int, dict] = {}  # KretsId → the krets (postal areas repeat on every page)

    # --- plumbing ---------------------------------------------------------------------------
    def _client(self, service: str):
        with self._lock:
            if service not in self._proxies:
                client = Client(contract.document(service), transport=self.transport, settings=self.zeep_settings)
                self._proxies[service] = (client, client.create_service(
                    contract.binding_qname(service), contract.service_address(self.base_url, service)))
            return self._proxies[service]

    def _type(self, service: str, local_name: str):
        """A schema type of the service's WSDL by local name (each id type lives in one namespace)."""
        key = (service, local_name)
        if key not in self._types:
            client, _ = self._client(service)
            found = [t for t in client.wsdl.types.types if t.qname is not None and t.qname.localname == local_name]
            if not found:
                raise MatrikkelError(f"{service}ServiceWS has no type {local_name}")
            self._types[key] = found[0]
        return self._types[key]

    def _id(self, service: str, type_name: str, value: int):
        return self._type(service, type_name)(value=int(value))

    def _id_list(self, service: str, typed_ids) -> dict:
        return {"item": [self._id(service, kind, value) for kind, value in typed_ids]}

    @staticmethod
    def _raise_for_status(status: int, what: str) -> None:
        if status in (401, 403):
            raise BadCredentials(
                f"Matrikkel API refused the credentials (HTTP {status}) at {what}: check MATRIKKEL_USERNAME "
                f"and MATRIKKEL_PASSWORD, and that the user has access to this service.")
        if status >= 500 or status in (408, 429):
            raise UpstreamUnavailable(f"HTTP {status} from {what}")

    @property
    def _context(self) -> dict:
        return {
            "locale": "no_NO", "brukOriginaleKoordinater": False,
            "koordinatsystemKodeId": {"value": settings.MATRIKKEL_COORDINATE_SYSTEM},
            "systemVersion": settings.MATRIKKEL_SYSTEM_VERSION,
            "klientIdentifikasjon": settings.MATRIKKEL_CLIENT_ID,
            "snapshotVersion": {"timestamp": datetime.fromisoformat("9999-01-01T00:00:00+01:00")},
        }

    def _call(self, service: str, operation: str, **params):
        """One operation; returns the <return> element (None if absent or not found). Raises the interface's errors."""
        expected = contract.OPERATIONS.get((service, operation))
        if expected is None or tuple(params) != expected:
            raise MatrikkelError(f"{service}.{operation}({', '.join(params)}) is not in contract.OPERATIONS")

        def once():
            _, proxy = self._client(service)
            try:
                response = getattr(proxy, operation)(**params, matrikkelContext=self._context)
            except requests.Timeout as exc:
                raise UpstreamUnavailable(f"{operation}: timed out after {self.timeout} s") from exc
            except requests.RequestException as exc:
                raise UpstreamUnavailable(f"{operation}: {exc}") from exc
            return self._parse(operation, response)

        return resilience.call(once, operation=f"{service}.{operation}", breaker=self.breaker)

    def _parse(self, operation: str, response):
        status = response.status_code
        if status != 500:  # a 500 carries a SOAP fault: read it below
            self._raise_for_status(status, operation)
        try:
            root = etree.fromstring(response.content, _parser)
        except etree.XMLSyntaxError as exc:
            if status >= 400:
                raise UpstreamUnavailable(f"{operation}: HTTP {status}") from exc
            raise MalformedResponse(f"{operation}: answer is not well-formed XML ({exc})") from exc
        body = next((el for el in root if isinstance(el.tag, str) and _local(el) == "Body"), None)
        first = next((el for el in body if isinstance(el.tag, str)), None) if body is not None else None
        if first is None:
            raise MalformedResponse(f"{operation}: no SOAP body")
        if _local(first) == "Fault":
            message = (first.findtext("faultstring") or "").strip()
            category = next((el.text or "" for el in first.iter() if isinstance(el.tag, str)
                             and _local(el) == "category"), "")
            if NOT_FOUND in category:
                return None
            if APPLICATION_ERROR in category:
                raise RequestRejected(f"{operation}: Kartverket refused the request ({category}): {message[:300]}")
            raise UpstreamUnavailable(f"{operation}: SOAP fault {category or '(no category)'}: {message[:300]}")
        if status >= 400:
            raise UpstreamUnavailable(f"{operation}: HTTP {status}")
        return next((el for el in first if isinstance(el.tag, str) and _local(el) == "return"), None)

    @staticmethod
    def _filter(municipality: str | None) -> str | None:
        return json.dumps({"kommunefilter": [municipality]}) if municipality else None

    # --- interface --------------------------------------------------------------------------
    def latest_change_id(self) -> int:
        ret = self._call("Endringslogg", "findSisteEndringId")
        try:
            return _value(to_dict(ret))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse("findSisteEndringId: no MatrikkelEndringId in the answer") from exc

    def changes(self, *, after: int, limit: int, municipality: str | None = None) -> ChangePage:
        ret = self._call("Endringslogg", "findEndringer", id=self._id("Endringslogg", "MatrikkelEndringId", after),
                         domainklasse="MatrikkelBubbleObject", filter=self._filter(municipality),
                         returnerBobler="Aldri", maksAntall=limit)
        try:
            data = to_dict(ret)
            changes = []
            for c in _list(data.get("endringList")):
                kind, bubble = _typed(c["endretBubbleId"], "MatrikkelBubbleId")
                changes.append(ChangeRef(id=_value(c["id"]), kind=c["endringstype"], domain=kind, bubble_id=bubble,
                                         at=c["endringstidspunkt"]["timestamp"]))
            last = data.get("sisteEndringIdProsessert")
            page = ChangePage(changes=changes, last_processed=_value(last) if last else after,
                              all_found=data["alleEndringerFunnet"] == "true")
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse(f"findEndringer: incomplete answer ({exc!r})") from exc
        page.matrikkelenhet_ids = self._touched(changes)
        return page

    def _touched(self, changes: list[ChangeRef]) -> list[int]:
        """Matrikkelenhet ids the changes touch, in change order. Other objects are looked up to find theirs.

        Changes to kinds of objects epty does not read (owners, boundaries, …) touch nothing.
        """
        by_family: dict[str, list[tuple[str, int]]] = {}
        for c in changes:
            family = FAMILY.get(c.domain.removesuffix("Id"))
            if family and family != "Matrikkelenhet":
                by_family.setdefault(family, []).append((c.domain, c.bubble_id))
        owners: dict[tuple[str, int], list[int]] = {}
        if by_family.get("Bygg"):
            owners.update(self._owners("findMatrikkelenheterForByggList", "Bygg", by_family["Bygg"], byggIds=None))
        if by_family.get("Teig"):
            owners.update(self._owners("findMatrikkelenheterForTeiger", "Teig", by_family["Teig"], teigIds=None))
        addresses = list(by_family.get("Adresse", []))
        if by_family.get("Veg"):
            ret = self._call("Adresse", "findAdresserForVeger",
                             vegIds=self._id_list("Adresse", by_family["Veg"]))
            for entry in _list(to_dict(ret) if ret is not None else None):
                for a in _list(entry.get("value")):
                    typed = _typed(a, "AdresseId")
                    addresses.append(typed)
                    owners.setdefault(("Veg", _value(entry["key"])), []).append(typed[1])
        if addresses:
            owners.update(self._owners("findMatrikkelenheterForAdresser", "Adresse", addresses, adresseIds=None,
                                       taMedUtgatte=True, viaBruksenhet=False))
        if by_family.get("Bruksenhet"):
            for bubble in self._objects(by_family["Bruksenhet"]):
                data = to_dict(bubble)
                if data.get("matrikkelenhetId"):
                    owners[("Bruksenhet", _value(data["id"]))] = [_value(data["matrikkelenhetId"])]
        seen, ordered = set(), []
        for c in changes:
            family = FAMILY.get(c.domain.removesuffix("Id"))
            if family == "Matrikkelenhet":
                touched = [c.bubble_id]
            elif family == "Veg":
                touched = [
                    mid for aid in owners.get(("Veg", c.bubble_id), []) for mid in owners.get(("Adresse", aid), [])
                ]
            else:
                touched = owners.get((family or "", c.bubble_id), [])
            for mid in touched:
                if mid not in seen:
                    seen.add(mid)
                    ordered.append(mid)
        return ordered

    def _owners(self, operation: str, family: str, typed_ids, **params) -> dict[tuple[str, int], list[int]]:
        """Matrikkelenheter of objects by MatrikkelenhetService.findMatrikkelenheterFor…: {(family, id): [ids]}."""
        found: dict[tuple[str, int], list[int]] = {}
        list_arg = next(k for k, v in params.items() if v is None)
        for start in range(0, len(typed_ids), PAGE):
            params[list_arg] = self._id_list("Matrikkelenhet", typed_ids[start:start + PAGE])
            ret = self._call("Matrikkelenhet", operation, **params)
            try:
                for entry in _list(to_dict(ret) if ret is not None else None):
                    found[(family, _value(entry["key"]))] = [_value(i) for i in _list(entry.get("value"))]
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedResponse(f"{operation}: bad entry ({exc!r})") from exc
        return found

    def _objects(self, typed_ids) -> list:
        """StoreService.getObjectsIgnoreMissing for (id type, id) pairs, in pages; ids deleted upstream are absent."""
        result: list = []
        for start in range(0, len(typed_ids), PAGE):
            ret = self._call("Store", "getObjectsIgnoreMissing",
                             ids=self._id_list("Store", typed_ids[start:start + PAGE]))
            result.extend(el for el in (ret if ret is not None else []) if isinstance(el.tag, str))
        return result

    def units_after(self, *, after: int, limit: int, municipality: str | None = None) -> list[dict]:
        ret = self._call("Nedlastning", "findObjekterEtterId",
                         matrikkelBubbleId=self._id("Nedlastning", "MatrikkelenhetId", after),
                         domainklasse="Matrikkelenhet", filter=self._filter(municipality), maksAntall=limit)
        return self._complete([el for el in (ret if ret is not None else []) if isinstance(el.tag, str)],
                              operation="findObjekterEtterId")

    def units(self, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        bubbles = self._objects([("MatrikkelenhetId", i) for i in ids])
        return {r["id"]: r for r in self._complete(bubbles, operation="getObjectsIgnoreMissing")}

    def unit_id_for_ident(self, ident: str) -> int | None:
        kommune, gnr, bnr, fnr, snr = parse_ident(ident)
        ret = self._call("Matrikkelenhet", "findMatrikkelenhetIdForIdent", matrikkelenhetIdent={
            "kommuneIdent": {"kommunenummer": kommune}, "gardsnummer": gnr, "bruksnummer": bnr,
            "festenummer": fnr, "seksjonsnummer": snr})
        if ret is None:
            return None
        try:
            return _value(to_dict(ret))
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse("findMatrikkelenhetIdForIdent: no id in the answer") from exc

    def unit_by_ident(self, ident: str) -> dict | None:
        mid = self.unit_id_for_ident(ident)
        return None if mid is None else self.units([mid]).get(mid)

    def municipalities(self) -> list[dict]:
        ret = self._call("Kommune", "findAlleKommuner")
        ids = [_value(i) for i in _list(to_dict(ret) if ret is not None else None)]
        found = []
        for bubble in self._objects([("KommuneId", i) for i in ids]):
            k = to_dict(bubble)
            self._kommuner[_value(k["id"])] = k["kommunenummer"]
            found.append({"number": k["kommunenummer"], "name": k.get("kommunenavn") or ""})
        return found

    def building_type_codes(self) -> dict[int, int]:
        return {kid: int(value) for kid, value in self._code_lists()["BygningstypeKode"].items()}

    def _code_lists(self) -> dict[str, dict[int, str]]:
        """Code id → code value of the code lists epty reads (cached: they change a few times a year)."""
        if self._codes is None:
            from .cache import cached_read

            wanted = ("BygningstypeKode", "BygningsstatusKode", "EtasjeplanKode")

            def fetch():
                ret = self._call("Kodeliste", "getKodelister",
                                 snapshotVersion={"timestamp": datetime.fromisoformat("9999-01-01T00:00:00+01:00")})
                data = to_dict(ret) if ret is not None else {}
                codes: dict[str, dict[str, str]] = {name: {} for name in wanted}
                for obj in _list((data or {}).get("bubbleObjects")):
                    if obj.get("_type") in codes:
                        codes[obj["_type"]][str(_value(obj["id"]))] = obj["kodeverdi"]
                if not codes["BygningstypeKode"]:
                    raise MalformedResponse("getKodelister: no BygningstypeKode in the code lists")
                return codes

            read = cached_read(f"{self.name}:{self.base_url}:kodelister", fetch)
            self._codes = {name: {int(k): v for k, v in values.items()} for name, values in read.value.items()}
        return self._codes

    # --- assembling records -----------------------------------------------------------------
    def _id_map(self, service: str, operation: str, list_arg: str, ids: list[int]) -> dict[int, list[tuple[str, int]]]:
        """An id map answer (entry{key, value{item…}}) as {matrikkelenhet id: [(id type, id)]}."""
        ret = self._call(
            service, operation, **{list_arg: self._id_list(service, [("MatrikkelenhetId", i) for i in ids])}
        )
        mapping: dict[int, list[tuple[str, int]]] = {}
        default = {"Bygning": "ByggId", "Bruksenhet": "BruksenhetId", "Adresse": "AdresseId"}[service]
        try:
            for entry in _list(to_dict(ret) if ret is not None else None):
                mapping[_value(entry["key"])] = [_typed(i, default) for i in _list(entry.get("value"))]
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse(f"{operation}: bad entry ({exc!r})") from exc
        return mapping

    def _kommunenumre(self, ids: set[int]) -> None:
        missing = [("KommuneId", i) for i in ids if i not in self._kommuner]
        for bubble in self._objects(missing):
            k = to_dict(bubble)
            self._kommuner[_value(k["id"])] = k["kommunenummer"]

    def _complete(self, menheter: list, *, operation: str) -> list[dict]:
        """Records for matrikkelenhet objects: fetch their teiger, buildings, units and addresses, check, convert."""
        if not menheter:
            return []
        units = [to_dict(b) for b in menheter]
        try:
            ids = [_value(u["id"]) for u in units]
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse(f"{operation}: matrikkelenhet without id ({exc!r})") from exc
        building_ids = self._id_map("Bygning", "findByggForMatrikkelenheter", "matrikkelenhetIdList", ids)
        unit_ids = self._id_map("Bruksenhet", "findBruksenheterForMatrikkelenheter", "matrikkelenhetIds", ids)
        address_ids = self._id_map("Adresse", "findAdresserForMatrikkelenheter", "matrikkelenhetIds", ids)
        teig_ids: list[tuple[str, int]] = []
        kommune_ids = set()
        try:
            for u in units:
                teig_ids += [_typed(t["teigId"], "TeigId") for t in _list(u.get("teigerForMatrikkelenhet"))]
                kommune_ids.add(_value(u["matrikkelnummer"]["kommuneId"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse(f"{operation}: matrikkelenhet without matrikkelnummer or with a broken teig "
                                    f"({exc!r})") from exc
        wanted = ([t for v in building_ids.values() for t in v] + [t for v in unit_ids.values() for t in v]
                  + [t for v in address_ids.values() for t in v] + teig_ids)
        objects = self._by_id(self._objects(wanted))
        self._kommunenumre(kommune_ids)
        # Second level: the streets and postal areas of the addresses.
        veger: set = set()
        kretser: set = set()
        for (family, _), obj in objects.items():
            if family == "Adresse":
                if obj.get("vegId"):
                    veger.add(_value(obj["vegId"]))
                kretser.update(_typed(k, "KretsId") for k in _list(obj.get("kretsIds")))
        new_kretser = [k for k in kretser if k[1] not in self._kretser]
        for (_family, kid), obj in self._by_id(self._objects(new_kretser)).items():
            self._kretser[kid] = obj
        objects.update(self._by_id(self._objects([("VegId", v) for v in sorted(veger)])))
        codes = self._code_lists()
        records = []
        for mid, unit in zip(ids, units, strict=True):
            try:
                records.append(self._record(mid, unit, codes, objects, building_ids.get(mid, []),
                                            unit_ids.get(mid, []), address_ids.get(mid, [])))
            except KeyError as exc:
                raise MalformedResponse(
                    f"{operation}: matrikkelenhet {mid} or its objects incomplete (missing {exc})"
                ) from exc
            except (TypeError, ValueError) as exc:
                raise MalformedResponse(f"{operation}: matrikkelenhet {mid} or its objects: bad value ({exc})") from exc
        self._convert_points(records)
        return records

    @staticmethod
    def _by_id(bubbles: list) -> dict[tuple[str | None, int], dict]:
        result: dict[tuple[str | None, int], dict] = {}
        for bubble in bubbles:
            data = to_dict(bubble)
            kind = data.get("_type") if isinstance(data, dict) else None
            family = FAMILY.get(kind or "") or ("Krets" if kind else None)
            try:
                result[(family, _value(data["id"]))] = data
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedResponse(f"getObjectsIgnoreMissing: {kind or 'an object'} without id ({exc!r})") from exc
        return result

    @staticmethod
    def _point(node: dict | None) -> tuple[int, float, float] | None:
        """(koordinatsystemKodeId, x, y) of a Representasjonspunkt, or None when it has no position."""
        if not node or not node.get("position") or node["position"].get("x") is None:
            return None
        return _value(node["koordinatsystemKodeId"]), float(node["position"]["x"]), float(node["position"]["y"])

    def _record(self, mid: int, u: dict, codes: dict, objects: dict, buildings, bruksenheter, addresses) -> dict:
        nr = u["matrikkelnummer"]
        kommune = self._kommuner[_value(nr["kommuneId"])]
        kind = u.get("_type") or "Matrikkelenhet"
        teiger = []
        for t in _list(u.get("teigerForMatrikkelenhet")):
            teig = objects.get(("Teig", _value(t["teigId"])))
            if teig is not None:
                teiger.append((t.get("hovedteig") == "true", teig))
        teiger.sort(key=lambda pair: not pair[0])  # the main teig first
        areas = [_float(t.get("lagretBeregnetAreal")) for _, t in teiger]
        known_areas = [a for a in areas if a is not None]
        record = {
            "id": mid, "kind": kind, "kommunenummer": kommune, "gnr": int(nr["gardsnummer"]),
            "bnr": int(nr["bruksnummer"]), "fnr": _int(nr.get("festenummer")) or 0,
            "snr": _int(nr.get("seksjonsnummer")) or 0,
            "changed": u["oppdateringsdato"]["timestamp"],
            "plot_area": round(sum(known_areas)) if areas and len(known_areas) == len(areas) else None,
            "utgatt": u.get("utgatt") == "true",
            "_point": next((p for p in (self._point(t.get("representasjonspunkt")) for _, t in teiger) if p), None),
            "buildings": [], "units": [], "addresses": [],
            "payload": {"matrikkelenhet": u, "teiger": [t for _, t in teiger]},
        }
        status_codes, plans = codes["BygningsstatusKode"], codes["EtasjeplanKode"]
        payload_buildings = []
        for family_id in buildings:
            b = objects.get(("Bygg", family_id[1]))
            if b is None or b.get("_type") != "Bygning":
                continue  # deleted meanwhile, or a Bygningsendring (an extension, not a building of its own)
            payload_buildings.append(b)
            type_id = _value(b["bygningstypeKodeId"]) if b.get("bygningstypeKodeId") else None
            if type_id is not None and type_id not in codes["BygningstypeKode"]:
                raise ValueError(f"unknown bygningstypeKodeId {type_id}")
            storeys = _list(b.get("etasjer"))
            floors = (sum(1 for e in storeys if e.get("etasjeplanKodeId")
                          and plans.get(_value(e["etasjeplanKodeId"])) == MAIN_PLAN) or None) if storeys else None
            years = [int(h["dato"]["date"][:4]) for h in _list(b.get("bygningsstatusHistorikker"))
                     if h.get("dato") and h.get("bygningsstatusKodeId")
                     and status_codes.get(_value(h["bygningsstatusKodeId"])) in IN_USE_STATUSES]
            record["buildings"].append({
                "id": _value(b["id"]), "nr": _int(b.get("bygningsnummer")),
                "type_code": int(codes["BygningstypeKode"][type_id]) if type_id is not None else None,
                "footprint": _float(b.get("bebygdAreal")), "floors": floors, "year": min(years) if years else None,
                "_point": self._point(b.get("representasjonspunkt")),
            })
        payload_units = []
        for _, eid in bruksenheter:
            e = objects.get(("Bruksenhet", eid))
            if e is None:
                continue
            payload_units.append(e)
            record["units"].append({"id": eid, "bygning": _value(e["byggId"]) if e.get("byggId") else None,
                                    "area": _float(e.get("bruksareal")), "rooms": _int(e.get("antallRom"))})
        payload_addresses = []
        for _, aid in addresses:
            a = objects.get(("Adresse", aid))
            if a is None:
                continue
            payload_addresses.append(a)
            postal = next(
                (
                    self._kretser[_value(k)]
                    for k in _list(a.get("kretsIds"))
                    if _value(k) in self._kretser and self._kretser[_value(k)].get("_type") == "Postnummeromrade"
                ),
                None,
            )
            if a.get("_type") == "Matrikkeladresse":
                text = f"{record['gnr']}/{record['bnr']}" + (f"/{record['fnr']}" if record["fnr"] else "")
                text += f"-{a['undernummer']}" if a.get("undernummer") else ""
            else:
                veg = objects.get(("Veg", _value(a["vegId"]))) if a.get("vegId") else None
                name = (veg or {}).get("adressenavn") or ""
                text = f"{name} {a.get('nummer') or ''}{a.get('bokstav') or ''}".strip()
                if not name:
                    raise ValueError(f"address {aid} has no street name")
            record["addresses"].append({
                "id": aid, "kind": a.get("_type") or "Adresse", "text": text,
                "postcode": f"{int(postal['kretsnummer']):04d}" if postal and postal.get("kretsnummer") else "",
                "town": place_name(postal.get("kretsnavn")) if postal else "",
                "_point": self._point(a.get("representasjonspunkt")),
            })
        record["payload"].update(bygninger=payload_buildings, bruksenheter=payload_units, adresser=payload_addresses)
        if record["_point"] is None:  # a seksjon, or a teig without a point: the building's, else the address's
            record["_point"] = next((b["_point"] for b in record["buildings"] if b["_point"]), None) or next(
                (a["_point"] for a in record["addresses"] if a["_point"]), None)
        return record

    @staticmethod
    def _convert_points(records: list[dict]) -> None:
        """Convert every UTM point of a page in one pyproj call per coordinate system."""
        holders = []
        for r in records:
            holders.append(r)
            holders.extend(r["buildings"])
            holders.extend(r["addresses"])
        by_system: dict[int, list[dict]] = {}
        for h in holders:
            if h["_point"]:
                by_system.setdefault(h["_point"][0], []).append(h)
        for kode_id, group in by_system.items():
            lat, lon = to_wgs84(kode_id, [h["_point"][1] for h in group], [h["_point"][2] for h in group])
            for h, la, lo in zip(group, lat, lon, strict=True):
                h["lat"], h["lon"] = la, lo
        for h in holders:
            del h["_point"]
            h.setdefault("lat", None)
            h.setdefault("lon", None)


__all__ = ["SoapSource", "MatrikkelError", "place_name"]
