"""The Matrikkel API (SOAP) client, with zeep.

zeep loads each service's WSDL (`<base><Name>ServiceWS?WSDL`) and builds every request
(MatrikkelContext, typed ids with xsi:type); answers are taken raw and read with lxml, which
is several times faster than zeep's object mapping for pages of thousands of objects ("bubbles")
and lets us check every field the mapping needs before anything is written.

Every call goes through `resilience.call` (timeouts, retries with backoff and jitter, circuit
breaker). Building type code ids are resolved through KodelisteService (cached); UTM
coordinates (koordinatsystemKodeId 9/10/11 = EUREF89 UTM 31/32/33) are converted to WGS84
with pyproj.
"""
from __future__ import annotations

import json
import logging
import threading
from functools import cached_property

import requests
from django.conf import settings
from lxml import etree
from pyproj import Transformer
from zeep import Client, Settings
from zeep.transports import Transport

from . import resilience
from .interface import (
    BadCredentials,
    ChangePage,
    ChangeRef,
    MalformedResponse,
    MatrikkelError,
    UpstreamUnavailable,
    parse_ident,
)

logger = logging.getLogger("properties.matrikkelen")
EPSG_FOR_KOORDINATSYSTEM = {9: "EPSG:25831", 10: "EPSG:25832", 11: "EPSG:25833"}
LIST_TAGS = frozenset({"item", "entry", "kode", "endring"})
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
    """A bubble as JSON: element names without namespaces; <item>/<entry>/<kode>/<endring> become lists."""
    children = list(el)
    if not children:
        return el.text
    if all(_local(c) in LIST_TAGS for c in children):
        return [to_dict(c) for c in children]
    return {_local(c): to_dict(c) for c in children}


def _id_value(node) -> int:
    return int(node["value"]) if isinstance(node, dict) else int(node)


class SoapSource:
    name = "soap"

    def __init__(self, *, base_url: str | None = None, username: str | None = None, password: str | None = None,
                 timeout: float | None = None):
        self.base_url = (base_url or settings.MATRIKKEL_BASE_URL).rstrip("/") + "/"
        self.timeout = timeout or settings.MATRIKKEL_TIMEOUT
        self.session = requests.Session()
        username = settings.MATRIKKEL_USERNAME if username is None else username
        password = settings.MATRIKKEL_PASSWORD if password is None else password
        if username:
            self.session.auth = (username, password)
        self.transport = Transport(session=self.session, timeout=self.timeout, operation_timeout=self.timeout)
        self.zeep_settings = Settings(strict=False, xml_huge_tree=True, raw_response=True)
        self.breaker = resilience.CircuitBreaker(self.name)
        self._services: dict[str, object] = {}
        self._lock = threading.Lock()
        self._codes: dict[int, int] | None = None

    # --- plumbing ---------------------------------------------------------------------------
    def _client(self, service: str):
        with self._lock:
            if service not in self._services:
                self._services[service] = self._load(service)
            return self._services[service]

    def _load(self, service: str):
        url = f"{self.base_url}{service}WS?WSDL"
        try:
            client = Client(url, transport=self.transport, settings=self.zeep_settings)
        except requests.HTTPError as exc:
            if exc.response is not None:
                self._raise_for_status(exc.response.status_code, url)
            raise UpstreamUnavailable(f"WSDL {url}: {exc}") from exc
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"WSDL {url}: {exc}") from exc
        except etree.XMLSyntaxError as exc:
            raise MalformedResponse(f"WSDL {url}: {exc}") from exc
        except Exception as exc:  # zeep.exceptions.TransportError and friends
            status = getattr(exc, "status_code", None)
            if status:
                self._raise_for_status(status, url)
            raise UpstreamUnavailable(f"WSDL {url}: {exc}") from exc
        for svc in client.wsdl.services.values():
            for port in svc.ports.values():
                if port.binding_options.get("address", "").rstrip("/").endswith(f"{service}WS"):
                    return client, client.bind(svc.name, port.name)
        svc = next(iter(client.wsdl.services.values()))
        return client, client.bind(svc.name, next(iter(svc.ports)))

    @staticmethod
    def _raise_for_status(status: int, what: str) -> None:
        if status in (401, 403):
            raise BadCredentials(
                f"Matrikkel API refused the credentials (HTTP {status}) at {what}: check MATRIKKEL_USERNAME "
                f"and MATRIKKEL_PASSWORD, and that the user has access to this service.")
        if status >= 500 or status in (408, 429):
            raise UpstreamUnavailable(f"HTTP {status} from {what}")

    @cached_property
    def _context(self) -> dict:
        return {
            "locale": "no_NO", "brukOriginaleKoordinater": False,
            "koordinatsystemKodeId": {"value": settings.MATRIKKEL_COORDINATE_SYSTEM},
            "systemVersion": settings.MATRIKKEL_SYSTEM_VERSION,
            "klientIdentifikasjon": settings.MATRIKKEL_CLIENT_ID,
            "snapshotVersion": {"timestamp": "9999-01-01T00:00:00+01:00"},
        }

    def _ids(self, service: str, type_name: str, ids) -> dict:
        id_type = self._type(service, type_name)
        return {"item": [id_type(value=int(i)) for i in ids]}

    def _type(self, service: str, local_name: str):
        """A schema type of the service's WSDL by local name (namespaces differ between WSDLs)."""
        key = (service, local_name)
        cache = self.__dict__.setdefault("_type_cache", {})
        if key not in cache:
            client, _ = self._client(service)
            found = [t for t in client.wsdl.types.types if t.qname is not None and t.qname.localname == local_name]
            if not found:
                raise MalformedResponse(f"{service} WSDL has no type {local_name}")
            cache[key] = found[0]
        return cache[key]

    def _call(self, service: str, operation: str, **params):
        """Call and return the <return> element (or None). Raises the interface's errors."""

        def once():
            _, svc = self._client(service)
            try:
                response = getattr(svc, operation)(**params, matrikkelContext=self._context)
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
        body = next((el for el in root if _local(el) == "Body"), None)
        if body is None or len(body) == 0:
            raise MalformedResponse(f"{operation}: no SOAP body")
        first = body[0]
        if _local(first) == "Fault":
            message = "".join(first.itertext()).strip()
            category = next(
                (el.text for el in first.iter() if isinstance(el.tag, str) and _local(el) == "category"), ""
            )
            if category == "notfound":
                return None
            raise UpstreamUnavailable(f"{operation}: SOAP fault: {message[:300]}")
        if status >= 400:
            raise UpstreamUnavailable(f"{operation}: HTTP {status}")
        return next((el for el in first if _local(el) == "return"), None)

    # --- interface --------------------------------------------------------------------------
    def latest_change_id(self) -> int:
        ret = self._call("EndringsloggService", "findSisteEndringId")
        try:
            return int(ret.text)
        except (AttributeError, TypeError, ValueError) as exc:
            raise MalformedResponse("findSisteEndringId: no change id in the answer") from exc

    @staticmethod
    def _filter(municipality: str | None) -> str | None:
        return json.dumps({"kommunefilter": [municipality]}) if municipality else None

    def changes(self, *, after: int, limit: int, municipality: str | None = None) -> ChangePage:
        ret = self._call("EndringsloggService", "findEndringer", fraId=after, domainklasse=None,
                         filter=self._filter(municipality), returnerBobler="Aldri", maksAntall=limit)
        data = to_dict(ret) if ret is not None else {}
        try:
            raw = data.get("endringer") or []
            changes = [ChangeRef(id=_id_value(c["id"]), kind=c["endringstype"], domain=c["domainklasse"],
                                 bubble_id=_id_value(c["endretBubbleId"]), at=c["endringstidspunkt"]) for c in raw]
            page = ChangePage(changes=changes, last_processed=int(data["sisteEndringIdProsessert"]),
                              all_found=data["alleEndringerFunnet"] == "true")
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse(f"findEndringer: incomplete answer ({exc!r})") from exc
        page.matrikkelenhet_ids = self._touched(changes)
        return page

    def _touched(self, changes: list[ChangeRef]) -> list[int]:
        """Matrikkelenhet ids that changes touch, in order. Other bubbles are looked up to find theirs."""
        other = {"Bygning": "BygningId", "Bruksenhet": "BruksenhetId", "Adresse": "AdresseId"}
        lookups = [(other[c.domain], c.bubble_id) for c in changes if c.domain in other]
        owner: dict[int, list[int]] = {}
        if lookups:
            for bubble in self._objects(lookups):
                kind, data = _local(bubble), to_dict(bubble)
                try:
                    if kind == "bygning":
                        owner[_id_value(data["id"])] = [_id_value(i) for i in data["matrikkelenhetIds"] or []]
                    else:
                        owner[_id_value(data["id"])] = [_id_value(data["matrikkelenhetId"])]
                except (KeyError, TypeError, ValueError) as exc:
                    raise MalformedResponse(
                        f"getObjectsIgnoreMissing: {kind} without its matrikkelenhet ({exc!r})"
                    ) from exc
        seen, ordered = set(), []
        for c in changes:
            for mid in ([c.bubble_id] if c.domain == "Matrikkelenhet" else owner.get(c.bubble_id, [])):
                if mid not in seen:
                    seen.add(mid)
                    ordered.append(mid)
        return ordered

    def _objects(self, typed_ids: list[tuple[str, int]]) -> list:
        """StoreService.getObjectsIgnoreMissing for (id type, id) pairs, in pages of 5,000."""
        result = []
        for start in range(0, len(typed_ids), 5000):
            items = [self._type("StoreService", kind)(value=int(i)) for kind, i in typed_ids[start:start + 5000]]
            ret = self._call("StoreService", "getObjectsIgnoreMissing", ids={"item": items})
            result.extend(list(ret) if ret is not None else [])
        return result

    def units_after(self, *, after: int, limit: int, municipality: str | None = None) -> list[dict]:
        start_id = self._type("NedlastningService", "MatrikkelenhetId")(value=int(after))
        ret = self._call("NedlastningService", "findObjekterEtterId", matrikkelBubbleId=start_id,
                         domainklasse="Matrikkelenhet", filter=self._filter(municipality), maksAntall=limit)
        return self._complete(list(ret) if ret is not None else [])

    def units(self, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        bubbles = self._objects([("MatrikkelenhetId", i) for i in ids])
        return {r["id"]: r for r in self._complete(bubbles)}

    def unit_id_for_ident(self, ident: str) -> int | None:
        kommune, gnr, bnr, fnr, snr = parse_ident(ident)
        ret = self._call("MatrikkelenhetService", "findMatrikkelenhetIdForIdent", matrikkelenhetIdent={
            "kommunenummer": kommune, "gardsnummer": gnr, "bruksnummer": bnr, "festenummer": fnr,
            "seksjonsnummer": snr})
        if ret is None:
            return None
        try:
            return _id_value(to_dict(ret))
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse("findMatrikkelenhetIdForIdent: no id in the answer") from exc

    def unit_by_ident(self, ident: str) -> dict | None:
        mid = self.unit_id_for_ident(ident)
        return None if mid is None else self.units([mid]).get(mid)

    def municipalities(self) -> list[dict]:
        ret = self._call("KommuneService", "findAlleKommuner")
        return [{"number": k["kommunenummer"], "name": k["kommunenavn"], "county_number": k.get("fylkesnummer")}
                for k in (to_dict(c) for c in (ret if ret is not None else []))]

    def building_type_codes(self) -> dict[int, int]:
        if self._codes is None:
            from .cache import cached_read

            def fetch():
                ret = self._call("KodelisteService", "getKodelister", returnerKoder=True)
                codes = {}
                for liste in (to_dict(x) for x in (ret if ret is not None else [])):
                    if liste.get("navn") == "Bygningstype":
                        for kode in liste.get("koder") or []:
                            codes[str(_id_value(kode["id"]))] = int(kode["kodeverdi"])
                if not codes:
                    raise MalformedResponse("getKodelister: no Bygningstype code list")
                return codes

            read = cached_read(f"{self.name}:{self.base_url}:kodelister:Bygningstype", fetch)
            self._codes = {int(k): v for k, v in read.value.items()}
        return self._codes

    # --- assembling records -----------------------------------------------------------------
    def _related(self, operation_service: tuple[str, str], ids: list[int]) -> dict[int, list[int]]:
        service, operation = operation_service
        ret = self._call(service, operation, matrikkelenhetIdList=self._ids(service, "MatrikkelenhetId", ids))
        mapping = {}
        for entry in (to_dict(e) for e in (ret if ret is not None else [])):
            try:
                mapping[_id_value(entry["key"])] = [_id_value(i) for i in entry.get("ids") or []]
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedResponse(f"{operation}: bad entry ({exc!r})") from exc
        return mapping

    def _complete(self, menheter: list) -> list[dict]:
        """Records for matrikkelenhet bubbles: fetch their buildings, units and addresses, check, convert."""
        if not menheter:
            return []
        units = [to_dict(b) for b in menheter]
        try:
            ids = [_id_value(u["id"]) for u in units]
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse(
                f"findObjekterEtterId/getObjectsIgnoreMissing: matrikkelenhet without id ({exc!r})"
            ) from exc
        building_ids = self._related(("BygningService", "findByggForMatrikkelenheter"), ids)
        unit_ids = self._related(("BruksenhetService", "findBruksenheterForMatrikkelenheter"), ids)
        address_ids = self._related(("AdresseService", "findAdresserForMatrikkelenheter"), ids)
        wanted = ([("BygningId", i) for v in building_ids.values() for i in v]
                  + [("BruksenhetId", i) for v in unit_ids.values() for i in v]
                  + [("AdresseId", i) for v in address_ids.values() for i in v])
        bubbles: dict[tuple[str, int], dict] = {}
        for bubble in self._objects(wanted):
            data = to_dict(bubble)
            try:
                bubbles[_local(bubble), _id_value(data["id"])] = data
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedResponse(f"getObjectsIgnoreMissing: {_local(bubble)} without id ({exc!r})") from exc
        codes = self.building_type_codes()
        records = []
        for mid, unit in zip(ids, units, strict=True):
            try:
                records.append(self._record(mid, unit, codes,
                                            [bubbles[("bygning", i)] for i in building_ids.get(mid, [])],
                                            [bubbles[("bruksenhet", i)] for i in unit_ids.get(mid, [])],
                                            [bubbles[("adresse", i)] for i in address_ids.get(mid, [])]))
            except KeyError as exc:
                raise MalformedResponse(
                    f"getObjectsIgnoreMissing/findObjekterEtterId: matrikkelenhet {mid} incomplete (missing {exc})"
                ) from exc
            except (TypeError, ValueError) as exc:
                raise MalformedResponse(
                    f"getObjectsIgnoreMissing/findObjekterEtterId: matrikkelenhet {mid}: bad value ({exc})"
                ) from exc
        self._convert_points(records)
        return records

    @staticmethod
    def _point(node: dict) -> tuple[int, float, float]:
        return _id_value(node["koordinatsystemKodeId"]), float(node["position"]["x"]), float(node["position"]["y"])

    def _record(self, mid: int, u: dict, codes: dict[int, int], buildings, units, addresses) -> dict:
        ident = u["matrikkelenhetident"]
        demo = u.get("eptyDemo")
        if demo is not None:
            demo = {"seed": int(demo["seed"]), "features": (demo.get("features") or "").split(),
                    "estimate": int(demo["estimate"]), "estimate_low": int(demo["estimateLow"]),
                    "estimate_high": int(demo["estimateHigh"])}
        record = {
            "id": mid, "kommunenummer": ident["kommunenummer"], "gnr": int(ident["gardsnummer"]),
            "bnr": int(ident["bruksnummer"]), "fnr": int(ident.get("festenummer") or 0),
            "snr": int(ident.get("seksjonsnummer") or 0), "changed": u["oppdateringsdato"],
            "plot_area": round(float(u["beregnetAreal"])) if u.get("beregnetAreal") else None,
            "utgatt": u.get("utgatt") == "true", "demo": demo, "_point": self._point(u["representasjonspunkt"]),
            "buildings": [], "units": [], "addresses": [],
            "payload": {"matrikkelenhet": u, "bygninger": buildings, "bruksenheter": units, "adresser": addresses},
        }
        for b in buildings:
            kode_id = _id_value(b["bygningstypeKodeId"])
            if kode_id not in codes:
                raise ValueError(f"unknown bygningstypeKodeId {kode_id}")
            record["buildings"].append({
                "id": _id_value(b["id"]), "nr": int(b["bygningsnummer"]), "type_code": codes[kode_id],
                "footprint": float(b["bebygdAreal"]) if b.get("bebygdAreal") else None,
                "floors": int(b["antallEtasjer"]) if b.get("antallEtasjer") else None,
                "year": int(b["byggeaar"]) if b.get("byggeaar") else None,
                "_point": self._point(b["representasjonspunkt"]) if b.get("representasjonspunkt") else None,
            })
        for e in units:
            record["units"].append({
                "id": _id_value(e["id"]), "bygning": _id_value(e["bygningId"]) if e.get("bygningId") else None,
                "area": float(e["bruksareal"]) if e.get("bruksareal") else None,
                "rooms": int(e["antallRom"]) if e.get("antallRom") else None,
                "bedrooms": int(e["antallSoverom"]) if e.get("antallSoverom") else None,
            })
        for a in addresses:
            record["addresses"].append({
                "id": _id_value(a["id"]), "name": a["adressenavn"],
                "number": int(a["nummer"]) if a.get("nummer") else None, "letter": a.get("bokstav") or "",
                "postcode": a.get("postnummer") or "", "town": a.get("poststed") or "",
            })
        return record

    @staticmethod
    def _convert_points(records: list[dict]) -> None:
        """Convert every UTM point of a page in one pyproj call per coordinate system."""
        holders = []
        for r in records:
            holders.append(r)
            holders.extend(b for b in r["buildings"] if b["_point"])
        by_system: dict[int, list[dict]] = {}
        for h in holders:
            by_system.setdefault(h["_point"][0], []).append(h)
        for kode_id, group in by_system.items():
            lat, lon = to_wgs84(kode_id, [h["_point"][1] for h in group], [h["_point"][2] for h in group])
            for h, la, lo in zip(group, lat, lon, strict=True):
                h["lat"], h["lon"] = la, lo
                del h["_point"]
        for r in records:
            for b in r["buildings"]:
                b.pop("_point", None)
                b.setdefault("lat", None)
                b.setdefault("lon", None)


__all__ = ["SoapSource", "MatrikkelError"]
