"""Kartverket's Matrikkel API contract, as vendored in `wsdl/` (see wsdl/README.md).

- `document(service)`: the service's WSDL parsed by zeep from disk (strict), once per process.
- `schema(service)`: an lxml XMLSchema of everything the service's WSDL imports, to validate a
  request or answer element against the real XSDs (tests and the development stand-in use it).
- `OPERATIONS`: every operation the client calls and the arguments it sends, in the WSDL's
  order; the client calls nothing else, and a test checks each against the WSDLs.
- Namespaces of the service and domain schemas (`NS`), and the placeholder address in the files.
"""
from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from lxml import etree

WSDL_DIR = Path(__file__).resolve().with_name("wsdl")
ADDRESS_PLACEHOLDER = "REPLACE_WITH_ACTUAL_URL"
SERVICES = ("Adresse", "Bruksenhet", "Bygning", "Endringslogg", "Kodeliste", "Kommune", "Matrikkelenhet",
            "Nedlastning", "Store")

_BASE = "http://matrikkel.statkart.no/matrikkelapi/wsapi/v1"
NS = {
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "dom": f"{_BASE}/domain",
    "adr": f"{_BASE}/domain/adresse",
    "byg": f"{_BASE}/domain/bygning",
    "bygk": f"{_BASE}/domain/bygning/koder",
    "end": f"{_BASE}/domain/endringslogg",
    "geo": f"{_BASE}/domain/geometri",
    "geok": f"{_BASE}/domain/geometri/koder",
    "kod": f"{_BASE}/domain/kodeliste",
    "kom": f"{_BASE}/domain/kommune",
    "mat": f"{_BASE}/domain/matrikkelenhet",
    "exc": f"{_BASE}/exception",
}
SERVICE_NS = {
    "Adresse": f"{_BASE}/service/adresse",
    "Bruksenhet": f"{_BASE}/service/bygning",  # sic: BruksenhetService shares BygningService's namespace
    "Bygning": f"{_BASE}/service/bygning",
    "Endringslogg": f"{_BASE}/service/endringslogg",
    "Kodeliste": f"{_BASE}/service/kodeliste",
    "Kommune": f"{_BASE}/service/kommune",
    "Matrikkelenhet": f"{_BASE}/service/matrikkelenhet",
    "Nedlastning": f"{_BASE}/service/nedlastning",
    "Store": f"{_BASE}/service/store",
}

# (service, operation) → the arguments the client sends besides matrikkelContext, in schema order.
OPERATIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Endringslogg", "findSisteEndringId"): (),
    ("Endringslogg", "findEndringer"): ("id", "domainklasse", "filter", "returnerBobler", "maksAntall"),
    ("Nedlastning", "findObjekterEtterId"): ("matrikkelBubbleId", "domainklasse", "filter", "maksAntall"),
    ("Store", "getObjectsIgnoreMissing"): ("ids",),
    ("Matrikkelenhet", "findMatrikkelenhetIdForIdent"): ("matrikkelenhetIdent",),
    ("Matrikkelenhet", "findMatrikkelenheterForByggList"): ("byggIds",),
    ("Matrikkelenhet", "findMatrikkelenheterForAdresser"): ("adresseIds", "taMedUtgatte", "viaBruksenhet"),
    ("Matrikkelenhet", "findMatrikkelenheterForTeiger"): ("teigIds",),
    ("Bygning", "findByggForMatrikkelenheter"): ("matrikkelenhetIdList",),
    ("Bruksenhet", "findBruksenheterForMatrikkelenheter"): ("matrikkelenhetIds",),
    ("Adresse", "findAdresserForMatrikkelenheter"): ("matrikkelenhetIds",),
    ("Adresse", "findAdresserForVeger"): ("vegIds",),
    ("Kommune", "findAlleKommuner"): (),
    ("Kodeliste", "getKodelister"): ("snapshotVersion",),
}


def wsdl_path(service: str) -> Path:
    if service not in SERVICES:
        raise ValueError(f"Not a vendored Matrikkel service: {service!r}")
    return WSDL_DIR / f"{service}ServiceWS.wsdl"


def binding_qname(service: str) -> str:
    return f"{{{SERVICE_NS[service]}}}{service}ServicePortBinding"


def service_address(base_url: str, service: str) -> str:
    """The endpoint of a service under a base URL (…/wsapi/v1/ → …/wsapi/v1/StoreServiceWS)."""
    return f"{base_url.rstrip('/')}/{service}ServiceWS"


_document_lock = threading.Lock()


@cache
def _document(service: str):
    from zeep import Settings
    from zeep.transports import Transport
    from zeep.wsdl import Document

    # Local files only: the transport never opens a connection for a path on disk.
    transport = Transport()
    return Document(str(wsdl_path(service)), transport, settings=Settings(strict=True, xml_huge_tree=True))  # type: ignore[arg-type]  # zeep annotates a class; it takes an instance, as zeep.Client passes


def document(service: str):
    """The service's WSDL as a zeep Document, parsed in strict mode (about 0.2–0.8 s, once per process)."""
    with _document_lock:
        return _document(service)


@cache
def schema(service: str) -> etree.XMLSchema:
    """Every schema the service's WSDL imports (its <types>), compiled together for lxml validation.

    One schema per service: BygningService and BruksenhetService define different elements in
    the same namespace, so they cannot share one.
    """
    wsdl = etree.parse(str(wsdl_path(service)))
    imports = wsdl.getroot().findall(".//{http://www.w3.org/2001/XMLSchema}import")
    parts = "".join(f'<xs:import namespace="{i.get("namespace")}" schemaLocation="{i.get("schemaLocation")}"/>'
                    for i in imports)
    wrapper = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{parts}</xs:schema>'
    doc = etree.fromstring(wrapper.encode(), base_url=WSDL_DIR.as_uri() + "/")
    return etree.XMLSchema(doc)


def validation_errors(service: str, element) -> list[str]:
    """Why `element` (a request, answer or fault detail element) does not validate; [] if it does."""
    copy = etree.fromstring(etree.tostring(element))
    checker = schema(service)
    if checker.validate(copy):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]
