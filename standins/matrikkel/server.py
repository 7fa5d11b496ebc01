"""A loopback HTTP server that speaks like Kartverket: the Matrikkel API (SOAP) and the open REST APIs.

    server = StandinServer(Dataset(count=2000, seed=1)).start()   # a thread on 127.0.0.1, free port
    server.soap_base_url   # → http://127.0.0.1:PORT/matrikkelapi/wsapi/v1/
    server.rest_base_url   # → http://127.0.0.1:PORT/
    server.faults.fail_next = 3   # the next three requests answer HTTP 500 with a SOAP fault
    server.stop()

SOAP: `GET <base><Service>WS?WSDL` serves the vendored WSDL of the real contract
(properties/matrikkelen/wsdl/), byte for byte apart from the service address, and
`GET <base><name>.xsd` the schemas it imports; `POST <base><Service>WS` answers the operations
epty calls (answers built in soap.py). Every request is validated against the real schemas
first, and refused with a ValidationException fault if it does not fit, as a strict service would.
`exchanges` records every SOAP request and answer when `record` is on (the contract tests
validate them); `faults` injects failures; `calls` counts requests per operation.
"""
from __future__ import annotations

import base64
import threading
import time
from collections import Counter
from dataclasses import MISSING, dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

from lxml import etree

from properties.matrikkelen import contract

from . import rest, soap
from .dataset import Dataset

SOAP_PREFIX = "/matrikkelapi/wsapi/v1/"
_parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass
class Faults:
    """Switches a test flips. Counts decrement as requests consume them."""

    fail_next: int = 0  # next N requests: HTTP 500 with a SystemException fault (or a JSON error on REST)
    hang_next: int = 0  # next N requests: sleep `hang_seconds` before answering (client timeouts)
    hang_seconds: float = 5.0
    delay: float = 0.0  # every request is this slow
    malformed_next: int = 0  # next N SOAP answers are broken XML
    partial_next: int = 0  # next N SOAP answers lose most elements of every object (still well-formed XML)
    down: bool = False  # every request: HTTP 503
    grow_changes: int = 0  # every findEndringer call first appends this many new changes upstream
    only: set[str] = field(default_factory=set)  # if set, faults hit only these operations/paths

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default_factory() if f.default_factory is not MISSING else f.default)


@dataclass(frozen=True)
class Exchange:
    service: str
    operation: str
    request: bytes
    response: bytes
    status: int


def wsdl_bytes(service: str, base_url: str) -> bytes:
    """The vendored WSDL with its placeholder address replaced by this server's endpoint."""
    raw = contract.wsdl_path(service).read_bytes()
    return raw.replace(contract.ADDRESS_PLACEHOLDER.encode(), contract.service_address(base_url, service).encode())


def _local(el) -> str:
    return etree.QName(el).localname


class _Handler(BaseHTTPRequestHandler):
    server_version = "MatrikkelStandin/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def standin(self) -> StandinServer:
        return self.server.standin  # type: ignore[attr-defined]

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
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

    def _faults(self, name: str, soap_call: bool) -> bool:
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
            if soap_call:
                self._send(
                    500, soap.fault_envelope(soap.OPERATIONAL, "Intern feil (injected)"), "text/xml; charset=utf-8"
                )
            else:
                self._send(500, b'{"message": "Intern feil (injected)"}', "application/json")
            return True
        return False

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path.startswith(SOAP_PREFIX):
            name = unquote(url.path[len(SOAP_PREFIX):])
            if not self._authorised():
                return
            self.standin.count("GET " + name + ("?WSDL" if url.query.lower() == "wsdl" else ""))
            if url.query.lower() == "wsdl" and name.endswith("ServiceWS") and name[:-9] in contract.SERVICES:
                return self._send(200, wsdl_bytes(name[:-9], self.standin.soap_base_url), "text/xml; charset=utf-8")
            path = contract.WSDL_DIR / name
            if name.endswith(".xsd") and "/" not in name and path.is_file():
                return self._send(200, path.read_bytes(), "text/xml; charset=utf-8")
            return self._send(404, b"Not Found", "text/plain")
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.standin.count(url.path)
        if not self._authorised() or self._faults(url.path, soap_call=False):
            return
        status, body, content_type, headers = self.standin.rest.route(url.path, query)
        self._send(status, body, content_type, headers)

    def do_POST(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        name = url.path[len(SOAP_PREFIX):] if url.path.startswith(SOAP_PREFIX) else ""
        service = name[:-9] if name.endswith("ServiceWS") else ""
        if service not in contract.SERVICES:
            return self._send(404, b"Not Found", "text/plain")
        try:
            envelope = etree.fromstring(raw, _parser)
            body = next(el for el in envelope if _local(el) == "Body")
            req = next(el for el in body if isinstance(el.tag, str))
            op = _local(req)
        except Exception:  # noqa: BLE001
            return self._answer(service, "?", raw, 500, soap.fault_envelope(soap.IMPLEMENTATION, "Malformed request"))
        self.standin.count(op)
        if not self._authorised() or self._faults(op, soap_call=True):
            return
        if soap.SERVICE_OF.get(op) != service:
            return self._answer(service, op, raw, 500, soap.fault_envelope(
                soap.IMPLEMENTATION, f"{service}ServiceWS has no operation {op}"))
        errors = contract.validation_errors(service, req)
        if errors:
            return self._answer(service, op, raw, 500, soap.fault_envelope(
                soap.VALIDATION, f"Ugyldig forespørsel {op}: {'; '.join(errors[:3])}"))
        handler = getattr(self.standin.operations, op)
        try:
            payload = soap.envelope(service, op, lambda ret: handler(req, ret))
        except soap.Fault as fault:
            return self._answer(service, op, raw, 500, soap.fault_envelope(fault.category, fault.message))
        f = self.standin.faults
        with self.standin.lock:
            hit = not f.only or op in f.only
            malformed = hit and f.malformed_next > 0
            f.malformed_next -= malformed
            partial = not malformed and hit and f.partial_next > 0
            f.partial_next -= partial
        if malformed:
            payload = payload[: len(payload) // 2] + b"<m:broken"
        elif partial:
            payload = _truncate_bubbles(payload)
        self._answer(service, op, raw, 200, payload)

    def _answer(self, service: str, op: str, request: bytes, status: int, payload: bytes) -> None:
        if self.standin.record:
            with self.standin.lock:
                self.standin.exchanges.append(Exchange(service, op, request, payload, status))
        self._send(status, payload, "text/xml; charset=utf-8")


def _truncate_bubbles(payload: bytes) -> bytes:
    """A well-formed answer missing data: every object keeps only its id and update date."""
    root = etree.fromstring(payload)
    for ret in root.iter(f"{{{contract.NS['soap']}}}Body"):
        for item in ret.iter():
            if item.get(soap.XSI_TYPE) and len(item) > 2 and _local(item) == "item":
                for child in list(item)[2:]:
                    item.remove(child)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class StandinServer:
    def __init__(self, dataset: Dataset, *, port: int = 0, credentials: tuple[str, str] | None = None,
                 record: bool = False, open_data: rest.OpenData | None = None):
        self.dataset = dataset
        self.credentials = credentials
        self.faults = Faults()
        self.calls: Counter = Counter()
        self.lock = threading.Lock()
        self.record = record
        self.exchanges: list[Exchange] = []
        self.operations = soap.Operations(dataset, on_find_endringer=self._grow_changes)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.standin = self  # type: ignore[attr-defined]
        self.rest = rest.RestRoutes(self, open_data=open_data)
        self._thread: threading.Thread | None = None

    def _grow_changes(self) -> None:
        if self.faults.grow_changes:
            self.dataset.apply_changes(self.faults.grow_changes, seed=self.dataset.last_change_id)

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


