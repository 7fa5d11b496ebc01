"""A loopback HTTP server that speaks like Kartverket: the Matrikkel API (SOAP) and the open REST APIs.

    server = StandinServer(Dataset(count=2000, seed=1)).start()   # a thread on 127.0.0.1, free port
    server.soap_base_url   # → http://127.0.0.1:PORT/matrikkelapi/wsapi/v1/
    server.rest_base_url   # → http://127.0.0.1:PORT/
    server.faults.fail_next = 3   # the next three requests answer HTTP 500 with a SOAP fault
    server.stop()

It serves `matrikkel.wsdl` at every `<Name>ServiceWS?WSDL`, SOAP 1.1 envelopes in the documented
shapes for the operations epty calls, and the JSON of /adresser/v1, /eiendom/v1 and
/kommuneinfo/v1. `faults` injects failures; `calls` counts requests per operation.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

from lxml import etree
from pyproj import Transformer

from properties import reference

from .dataset import ADDRESS_ID_OFFSET, BRUKSENHET_ID_OFFSET, BUILDING_ID_OFFSET, Dataset

NS = "http://matrikkel.statkart.no/matrikkelapi/wsapi/v1"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
WSDL_PATH = Path(__file__).with_name("matrikkel.wsdl")
SOAP_PREFIX = "/matrikkelapi/wsapi/v1/"
_to_wgs84 = Transformer.from_crs("EPSG:25833", "EPSG:4258", always_xy=True)


@dataclass
class Faults:
    """Switches a test flips. Counts decrement as requests consume them."""

    fail_next: int = 0  # next N requests: HTTP 500 with a SOAP fault (or a JSON error on REST)
    hang_next: int = 0  # next N requests: sleep `hang_seconds` before answering (client timeouts)
    hang_seconds: float = 5.0
    delay: float = 0.0  # every request is this slow
    malformed_next: int = 0  # next N SOAP answers are broken XML
    partial_next: int = 0  # next N SOAP answers lose the second half of their bubbles (still valid XML)
    down: bool = False  # every request: HTTP 503
    grow_changes: int = 0  # every findEndringer call first appends this many new changes upstream
    only: set[str] = field(default_factory=set)  # if set, faults hit only these operations/paths

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]  # a plain dataclass: back to its defaults


def _id(value) -> str:
    return f"<m:value>{int(value)}</m:value>"


def _point(x: float, y: float) -> str:
    return (f"<m:representasjonspunkt><m:koordinatsystemKodeId>{_id(11)}</m:koordinatsystemKodeId>"
            f"<m:position><m:x>{x:.2f}</m:x><m:y>{y:.2f}</m:y></m:position></m:representasjonspunkt>")


def matrikkelenhet_xml(u: dict) -> str:
    d = u["demo"]
    plot = f"<m:beregnetAreal>{u['plot_area']}</m:beregnetAreal>" if u["plot_area"] is not None else ""
    demo_xml = (f"<m:eptyDemo><m:seed>{d['seed']}</m:seed><m:features>{' '.join(d['features'])}</m:features>"
                f"<m:estimate>{d['estimate']}</m:estimate><m:estimateLow>{d['estimate_low']}</m:estimateLow>"
                f"<m:estimateHigh>{d['estimate_high']}</m:estimateHigh></m:eptyDemo>") if d else ""
    return (f"<m:matrikkelenhet><m:id>{_id(u['id'])}</m:id><m:oppdateringsdato>{u['changed']}</m:oppdateringsdato>"
            f"<m:matrikkelenhetident><m:kommunenummer>{u['kommunenummer']}</m:kommunenummer>"
            f"<m:gardsnummer>{u['gnr']}</m:gardsnummer><m:bruksnummer>{u['bnr']}</m:bruksnummer>"
            f"<m:festenummer>{u['fnr']}</m:festenummer><m:seksjonsnummer>{u['snr']}</m:seksjonsnummer>"
            f"</m:matrikkelenhetident><m:utgatt>{'true' if u['utgatt'] else 'false'}</m:utgatt>{plot}"
            f"{_point(u['x'], u['y'])}{demo_xml}</m:matrikkelenhet>")


def bygning_xml(b: dict, u: dict) -> str:
    return (f"<m:bygning><m:id>{_id(b['id'])}</m:id><m:oppdateringsdato>{u['changed']}</m:oppdateringsdato>"
            f"<m:bygningsnummer>{b['nr']}</m:bygningsnummer><m:lopenummer>0</m:lopenummer>"
            f"<m:bygningstypeKodeId>{_id(b['type'] + 4000)}</m:bygningstypeKodeId>"
            f"<m:bebygdAreal>{b['footprint']}</m:bebygdAreal><m:antallEtasjer>{b['floors']}</m:antallEtasjer>"
            f"<m:byggeaar>{b['year']}</m:byggeaar><m:matrikkelenhetIds><m:item>{_id(u['id'])}</m:item></m:matrikkelenhetIds>"
            f"{_point(b['x'], b['y'])}</m:bygning>")


def bruksenhet_xml(e: dict, u: dict) -> str:
    rooms = f"<m:antallRom>{e['rooms']}</m:antallRom>" if e["rooms"] is not None else ""
    bedrooms = f"<m:antallSoverom>{e['bedrooms']}</m:antallSoverom>" if e["bedrooms"] is not None else ""
    return (f"<m:bruksenhet><m:id>{_id(e['id'])}</m:id><m:matrikkelenhetId>{_id(u['id'])}</m:matrikkelenhetId>"
            f"<m:bygningId>{_id(e['bygning'])}</m:bygningId><m:bruksareal>{e['area']}</m:bruksareal>"
            f"{rooms}{bedrooms}</m:bruksenhet>")


def adresse_xml(a: dict, u: dict) -> str:
    return (f"<m:adresse><m:id>{_id(a['id'])}</m:id><m:matrikkelenhetId>{_id(u['id'])}</m:matrikkelenhetId>"
            f"<m:kommunenummer>{a['kommunenummer']}</m:kommunenummer><m:adressenavn>{escape(a['name'])}</m:adressenavn>"
            f"<m:nummer>{a['number']}</m:nummer><m:bokstav>{a['letter']}</m:bokstav>"
            f"<m:postnummer>{a['postcode']}</m:postnummer><m:poststed>{escape(a['town'])}</m:poststed></m:adresse>")


def _envelope(op: str, inner: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:m="{NS}">'
            f"<soap:Body><m:{op}Response><m:return>{inner}</m:return></m:{op}Response></soap:Body></soap:Envelope>"
            ).encode()


def _fault(message: str, category: str = "server") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:m="{NS}"><soap:Body>'
            f"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>{escape(message)}</faultstring>"
            f"<detail><m:ServiceException><m:category>{category}</m:category><m:message>{escape(message)}</m:message>"
            f"</m:ServiceException></detail></soap:Fault></soap:Body></soap:Envelope>").encode()


def _local(el) -> str:
    return etree.QName(el).localname


def _child(el, name: str):
    for c in el:
        if _local(c) == name:
            return c
    return None


def _text(el, name: str, default=None):
    c = _child(el, name)
    return c.text if c is not None and c.text is not None else default


def _ids(el) -> list[tuple[str, int]]:
    """(xsi type, value) of each <item> of an id list."""
    result = []
    for item in el if el is not None else []:
        xsi = item.get(f"{{{XSI_NS}}}type") or ""
        result.append((xsi.split(":")[-1], int(_text(item, "value"))))
    return result


class SoapOperations:
    """The SOAP operations, each (request body element) → XML inside <return>."""

    def __init__(self, server: StandinServer):
        self.server = server
        self.data = server.dataset

    def findSisteEndringId(self, req) -> str:
        return str(self.data.last_change_id)

    def findMatrikkelenhetIdForIdent(self, req) -> str:
        ident = _child(req, "matrikkelenhetIdent")
        mid = self.data.find_by_ident(_text(ident, "kommunenummer"), int(_text(ident, "gardsnummer")),
                                      int(_text(ident, "bruksnummer")), int(_text(ident, "festenummer", 0)),
                                      int(_text(ident, "seksjonsnummer", 0)))
        if mid is None:
            raise LookupError("Fant ikke matrikkelenhet for ident")
        return _id(mid)

    def _related(self, req, plural: bool, key: str, attr: str) -> str:
        ids = [v for _, v in _ids(_child(req, "matrikkelenhetIdList"))] if plural else \
            [int(_text(_child(req, "matrikkelenhetId"), "value"))]
        units = self.data.get_many(ids)
        if not plural:
            unit = units.get(ids[0])
            return "".join(f"<m:item>{_id(x['id'])}</m:item>" for x in (unit[key] if unit else []))
        return "".join(
            f"<m:entry><m:key>{_id(mid)}</m:key><m:ids>"
            + "".join(f"<m:item>{_id(x['id'])}</m:item>" for x in unit[key]) + "</m:ids></m:entry>"
            for mid, unit in units.items())

    def findByggForMatrikkelenhet(self, req):
        return self._related(req, False, "buildings", "bygning")

    def findByggForMatrikkelenheter(self, req):
        return self._related(req, True, "buildings", "bygning")

    def findBruksenheterForMatrikkelenhet(self, req):
        return self._related(req, False, "units", "bruksenhet")

    def findBruksenheterForMatrikkelenheter(self, req):
        return self._related(req, True, "units", "bruksenhet")

    def findAdresserForMatrikkelenhet(self, req):
        return self._related(req, False, "addresses", "adresse")

    def findAdresserForMatrikkelenheter(self, req):
        return self._related(req, True, "addresses", "adresse")

    def findAlleKommuner(self, req) -> str:
        return "".join(
            f"<m:kommune><m:id>{_id(int(m.number))}</m:id><m:kommunenummer>{m.number}</m:kommunenummer>"
            f"<m:kommunenavn>{escape(m.name)}</m:kommunenavn><m:fylkesnummer>{m.county_number}</m:fylkesnummer>"
            f"<m:fylkesnavn>{escape(m.county_name)}</m:fylkesnavn></m:kommune>"
            for m in reference.municipalities().values())

    def getKodelister(self, req) -> str:
        koder = "".join(
            f"<m:kode><m:id>{_id(kode_id)}</m:id><m:kodeverdi>{code}</m:kodeverdi>"
            f"<m:navn>{escape(reference.building_types()[code].name)}</m:navn></m:kode>"
            for kode_id, code in sorted(self.data.kode_ids().items()))
        return (
            f"<m:kodeliste><m:id>{_id(1)}</m:id><m:navn>Bygningstype</m:navn><m:koder>{koder}</m:koder></m:kodeliste>"
        )

    def _bubble(self, kind: str, bid: int) -> str | None:
        if kind == "MatrikkelenhetId" or 9_000_000_000 <= bid:
            unit = self.data.get(bid)
            return matrikkelenhet_xml(unit) if unit else None
        for offset, key, render in ((BUILDING_ID_OFFSET, "buildings", bygning_xml),
                                    (BRUKSENHET_ID_OFFSET, "units", bruksenhet_xml),
                                    (ADDRESS_ID_OFFSET, "addresses", adresse_xml)):
            if bid >= offset:
                serial = (bid - offset) // (4 if offset == BUILDING_ID_OFFSET else 1)
                unit = self.data.get(9_000_000_000 + serial)
                if unit is None:
                    return None
                for x in unit[key]:
                    if x["id"] == bid:
                        return render(x, unit)
                return None
        return None

    def getObjectsIgnoreMissing(self, req) -> str:
        with self.data.lock:
            parts = [self._bubble(kind, bid) for kind, bid in _ids(_child(req, "ids"))]
        return "".join(p for p in parts if p)

    def _kommune_filter(self, req) -> str | None:
        raw = _text(req, "filter")
        if not raw:
            return None
        numbers = json.loads(raw).get("kommunefilter") or []
        return numbers[0] if numbers else None

    def findEndringer(self, req) -> str:
        if self.server.faults.grow_changes:
            self.data.apply_changes(self.server.faults.grow_changes, seed=self.data.last_change_id)
        changes, last, done = self.data.changes_after(int(_text(req, "fraId")), int(_text(req, "maksAntall", 1000)),
                                                      self._kommune_filter(req))
        items = "".join(
            f"<m:endring><m:id>{_id(c.id)}</m:id><m:endringstype>{c.kind}</m:endringstype>"
            f"<m:domainklasse>{c.domain}</m:domainklasse><m:endretBubbleId>{_id(c.bubble_id)}</m:endretBubbleId>"
            f"<m:endringstidspunkt>{c.at.isoformat()}</m:endringstidspunkt></m:endring>" for c in changes)
        return (f"<m:endringer>{items}</m:endringer><m:alleEndringerFunnet>{'true' if done else 'false'}"
                f"</m:alleEndringerFunnet><m:sisteEndringIdProsessert>{last}</m:sisteEndringIdProsessert>")

    def _after(self, req) -> list[int]:
        after = int(_text(_child(req, "matrikkelBubbleId"), "value", 0))
        return self.data.ids_after(after, int(_text(req, "maksAntall", 1000)), self._kommune_filter(req))

    def findIdsEtterId(self, req) -> str:
        return "".join(f'<m:item xmlns:xsi="{XSI_NS}" xsi:type="m:MatrikkelenhetId">{_id(i)}</m:item>'
                       for i in self._after(req))

    def findObjekterEtterId(self, req) -> str:
        with self.data.lock:
            units = self.data.get_many(self._after(req))
            return "".join(matrikkelenhet_xml(u) for u in units.values())


class _Handler(BaseHTTPRequestHandler):
    server_version = "MatrikkelStandin/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def standin(self) -> StandinServer:
        return self.server.standin  # type: ignore[attr-defined]  # set on the HTTP server by StandinServer

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        creds = self.standin.credentials
        if creds is None:
            return True
        expected = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="matrikkel"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def _faults(self, name: str) -> bool:
        """Apply injected faults for operation `name`. True if the request was answered already."""
        s = self.standin
        f = s.faults
        if f.delay:
            time.sleep(f.delay)
        if f.only and name not in f.only:
            return False
        with s.lock:
            hang = f.hang_next > 0
            f.hang_next -= hang
            fail = not hang and f.fail_next > 0
            f.fail_next -= fail
        if f.down:
            self._send(503, b"Service Unavailable", "text/plain")
            return True
        if hang:
            time.sleep(f.hang_seconds)
        if fail:
            self._send(500, _fault("Intern feil (injected)"), "text/xml; charset=utf-8")
            return True
        return False

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path.startswith(SOAP_PREFIX) and url.query.lower() == "wsdl":
            if not self._authorised():
                return
            body = WSDL_PATH.read_text().replace("{BASE_URL}", self.standin.soap_base_url).encode()
            return self._send(200, body, "text/xml; charset=utf-8")
        self.standin.count(url.path)
        if not self._authorised() or self._faults(url.path):
            return
        status, payload = RestRoutes(self.standin).route(url.path, query)
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            envelope = etree.fromstring(raw)
            body = next(el for el in envelope if _local(el) == "Body")
            req = body[0]
            op = _local(req)
        except Exception:  # noqa: BLE001 - any unreadable request is a client fault, as the real service answers
            return self._send(400, _fault("Malformed request", "client"), "text/xml; charset=utf-8")
        self.standin.count(op)
        if not self._authorised() or self._faults(op):
            return
        handler = getattr(self.standin.operations, op, None) if not op.startswith("_") else None
        if handler is None:
            return self._send(500, _fault(f"Unknown operation {op}", "client"), "text/xml; charset=utf-8")
        try:
            inner = handler(req)
        except LookupError as exc:
            return self._send(500, _fault(str(exc), "notfound"), "text/xml; charset=utf-8")
        f = self.standin.faults
        with self.standin.lock:
            malformed = (not f.only or op in f.only) and f.malformed_next > 0
            f.malformed_next -= malformed
            partial = not malformed and (not f.only or op in f.only) and f.partial_next > 0
            f.partial_next -= partial
        payload = _envelope(op, inner)
        if malformed:
            payload = payload[: len(payload) // 2] + b"<m:broken"
        elif partial:
            payload = _envelope(op, _truncate_bubbles(inner))
        self._send(200, payload, "text/xml; charset=utf-8")


def _truncate_bubbles(inner: str) -> str:
    """A well-formed answer missing data: every bubble loses its later child elements."""
    root = etree.fromstring(f'<r xmlns:m="{NS}">{inner}</r>')
    for bubble in root:
        for child in list(bubble)[2:]:
            bubble.remove(child)
    return "".join(etree.tostring(b, encoding="unicode") for b in root)


class RestRoutes:
    """Kartverket's open REST APIs (adresser, eiendom, kommuneinfo) in their JSON shapes."""

    def __init__(self, server: StandinServer):
        self.data = server.dataset

    def route(self, path: str, q: dict) -> tuple[int, object]:
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
        lon, lat = _to_wgs84.transform(u["x"], u["y"])
        m = reference.municipalities()[u["kommunenummer"]]
        return {"adressetekst": f"{a['name']} {a['number']}{a['letter']}", "adressenavn": a["name"],
                "nummer": a["number"], "bokstav": a["letter"], "kommunenummer": u["kommunenummer"],
                "kommunenavn": m.name.upper(), "postnummer": a["postcode"], "poststed": a["town"].upper(),
                "gardsnummer": u["gnr"], "bruksnummer": u["bnr"], "festenummer": u["fnr"], "undernummer": None,
                "bruksenhetsnummer": [], "objtype": "Vegadresse",
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


class StandinServer:
    def __init__(self, dataset: Dataset, *, port: int = 0, credentials: tuple[str, str] | None = None):
        self.dataset = dataset
        self.credentials = credentials
        self.faults = Faults()
        self.calls: Counter = Counter()
        self.lock = threading.Lock()
        self.operations = SoapOperations(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.standin = self  # type: ignore[attr-defined]  # read back by the handlers
        self._thread: threading.Thread | None = None

    def count(self, name: str) -> None:
        with self.lock:
            self.calls[name] += 1

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def rest_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def soap_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{SOAP_PREFIX}"

    def start(self) -> StandinServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="matrikkel-standin", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
