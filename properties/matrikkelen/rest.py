"""Kartverket's open REST APIs (no agreement, no key): addresses, property geocoding, kommuneinfo.

For installations without a Matrikkel agreement. These APIs have no change log and no
buildings, so they answer lookups (addresses and the matrikkelenhet they belong to, a
matrikkelenhet's point, municipalities) but cannot drive the change-log sync: `changes` and
`units_after` raise NotSupported. The open register import (opendata.py) fills the catalogue
instead. Records from here have no buildings, so `mapping.to_row` maps them to no property.

The address API is read by the names of its own description (openapi/adresser-v1-openapi.json):
`adressetekst` (the address as written, "Storgata 2B" or "123/4-2", with an
adressetilleggsnavn in front where there is one), `postnummer`, `poststed`, `kommunenummer`,
`kommunenavn`, `gardsnummer`, `bruksnummer`, `festenummer`, `undernummer`, `objtype`
(Vegadresse | Matrikkeladresse), `representasjonspunkt` {epsg, lat, lon} and `oppdateringsdato`.
An address points at its matrikkelenhet to the grunneiendom or feste only, never a seksjon.
A page holds at most 1,000 hits (`treffPerSide`), and only the first 10,000 are reachable.
"""
from __future__ import annotations

import requests
from django.conf import settings
from pyproj import Transformer

from . import resilience
from .interface import (
    BadCredentials,
    ChangePage,
    MalformedResponse,
    MatrikkelError,
    NotSupported,
    UpstreamUnavailable,
    parse_ident,
)
from .soap import place_name

# The parameters this client sends, per path; a test checks each against the API's description.
REST_PARAMETERS: dict[str, tuple[str, ...]] = {
    "adresser/v1/sok": ("sok", "kommunenummer", "gardsnummer", "bruksnummer", "festenummer", "treffPerSide", "side"),
    "adresser/v1/punktsok": ("lat", "lon", "radius", "treffPerSide", "side"),
    "eiendom/v1/geokoding": ("matrikkelnummer",),
    "kommuneinfo/v1/kommuner": (),
}
# The fields of an address (OutputAdresse) this client reads; a test checks each against the description.
ADDRESS_FIELDS_READ = ("adressetekst", "objtype", "adressenavn", "nummer", "bokstav", "postnummer", "poststed",
                       "kommunenummer", "kommunenavn", "gardsnummer", "bruksnummer", "festenummer",
                       "representasjonspunkt", "oppdateringsdato")
MAX_PAGE = 1000
_transformers: dict[str, Transformer] = {}


def _wgs84(point: dict) -> tuple[float, float]:
    """(lat, lon) of a representasjonspunkt {epsg, lat, lon}; EPSG:4258 (ETRS89) is WGS84 to well under a metre."""
    epsg = point.get("epsg") or "EPSG:4258"
    lat, lon = float(point["lat"]), float(point["lon"])
    if epsg in ("EPSG:4258", "EPSG:4326"):
        return lat, lon
    if epsg not in _transformers:
        _transformers[epsg] = Transformer.from_crs(epsg, "EPSG:4326", always_xy=True)
    lon, lat = _transformers[epsg].transform(lon, lat)  # projected answers give east/north in lon/lat
    return lat, lon


def address_from_api(a: dict) -> dict:
    """One address of the address API, by its real field names, as epty uses it."""
    lat, lon = _wgs84(a["representasjonspunkt"])
    kommune = a["kommunenummer"]
    return {
        "text": a["adressetekst"], "kind": a.get("objtype") or "", "street": a.get("adressenavn") or "",
        "number": a.get("nummer"), "letter": a.get("bokstav") or "", "postcode": a.get("postnummer") or "",
        "town": place_name(a.get("poststed")), "municipality_number": kommune,
        "municipality_name": place_name(a.get("kommunenavn")),
        "ident": f"{kommune}-{a['gardsnummer']}/{a['bruksnummer']}/{a.get('festenummer') or 0}/0",
        "lat": round(lat, 7), "lon": round(lon, 7), "changed": a.get("oppdateringsdato"),
    }


class RestSource:
    name = "rest"
    fact_source = "open_register"

    def __init__(self, *, base_url: str | None = None, timeout: float | None = None):
        self.base_url = (base_url or settings.MATRIKKEL_REST_BASE_URL).rstrip("/") + "/"
        self.timeout = timeout or settings.MATRIKKEL_TIMEOUT
        self.session = requests.Session()
        self.breaker = resilience.CircuitBreaker(self.name)

    def _get(self, path: str, **params):
        allowed = REST_PARAMETERS.get(path)
        if allowed is None or not set(params) <= set(allowed):
            raise MatrikkelError(f"GET {path} with {', '.join(params)} is not in REST_PARAMETERS")
        url = self.base_url + path

        def once():
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except requests.Timeout as exc:
                raise UpstreamUnavailable(f"GET {path}: timed out after {self.timeout} s") from exc
            except requests.RequestException as exc:
                raise UpstreamUnavailable(f"GET {path}: {exc}") from exc
            if response.status_code in (401, 403):
                raise BadCredentials(f"GET {path}: HTTP {response.status_code}")
            if response.status_code >= 500 or response.status_code == 429:
                raise UpstreamUnavailable(f"GET {path}: HTTP {response.status_code}")
            if response.status_code == 404:
                return None
            try:
                data = response.json()
            except ValueError as exc:
                raise MalformedResponse(f"GET {path}: not JSON") from exc
            if response.status_code == 400:
                raise ValueError((data.get("errors") or {}).get("message") or "bad request")
            return data

        return resilience.call(once, operation=f"GET {path}", breaker=self.breaker)

    def _addresses(self, path: str, *, limit: int, **params) -> list[dict]:
        """Up to `limit` addresses of an address API search, page by page."""
        found: list[dict] = []
        size, side = min(limit, MAX_PAGE), 0
        while len(found) < limit:
            data = self._get(path, **params, treffPerSide=size, **({"side": side} if side else {}))
            try:
                hits = [address_from_api(a) for a in data["adresser"]]
                total = int(data["metadata"]["totaltAntallTreff"])
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedResponse(f"GET {path}: unexpected answer ({exc!r})") from exc
            found += hits
            side += 1
            if len(hits) < size or len(found) >= total or side * size >= 10_000:
                break
        return found[:limit]

    def addresses_search(self, *, text: str, limit: int = 10) -> list[dict]:
        """Addresses matching free text (street and number, place), best first."""
        return self._addresses("adresser/v1/sok", limit=limit, sok=text)

    def addresses_near(self, *, lat: float, lon: float, radius: int, limit: int = 10) -> list[dict]:
        """Addresses within `radius` metres of a WGS84 point, nearest first."""
        return self._addresses("adresser/v1/punktsok", limit=limit, lat=lat, lon=lon, radius=radius)

    def addresses_of(self, *, kommunenummer: str, gnr: int, bnr: int, fnr: int = 0, limit: int = 1000) -> list[dict]:
        """Every address of a matrikkelenhet (grunneiendom or feste)."""
        return self._addresses("adresser/v1/sok", limit=limit, kommunenummer=kommunenummer, gardsnummer=gnr,
                               bruksnummer=bnr, festenummer=fnr)

    @staticmethod
    def _no_change_log() -> NotSupported:
        return NotSupported("Kartverket's open APIs have no change log: use the open register import "
                            "(sync_matrikkel --source open-data) or MATRIKKEL_SOURCE=soap.")

    def latest_change_id(self) -> int:
        raise self._no_change_log()

    def changes(self, *, after: int, limit: int, municipality: str | None = None) -> ChangePage:
        raise self._no_change_log()

    def units_after(self, *, after: int, limit: int, municipality: str | None = None) -> list[dict]:
        raise self._no_change_log()

    def units(self, ids: list[int]) -> dict[int, dict]:
        raise NotSupported("Kartverket's open APIs cannot look up matrikkelenheter by internal id.")

    def unit_id_for_ident(self, ident: str) -> int | None:
        record = self.unit_by_ident(ident)
        return record["id"] if record else None

    def unit_by_ident(self, ident: str) -> dict | None:
        """A matrikkelenhet by its number: its point from the property API, its addresses from the address API."""
        kommune, gnr, bnr, fnr, snr = parse_ident(ident)
        geo = self._get("eiendom/v1/geokoding", matrikkelnummer=f"{kommune}-{gnr}/{bnr}/{fnr}/{snr}")
        try:
            features = geo["features"]
            if not features:
                return None
            feature = features[0]
            lon, lat = feature["geometry"]["coordinates"][:2]
            props = feature["properties"]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise MalformedResponse(f"geokoding: unexpected shape ({exc!r})") from exc
        addresses = self.addresses_of(kommunenummer=kommune, gnr=gnr, bnr=bnr, fnr=fnr) if not snr else []
        return {"id": props.get("lokalid"), "kind": None, "kommunenummer": kommune, "gnr": gnr, "bnr": bnr,
                "fnr": fnr, "snr": snr, "changed": props.get("oppdateringsdato"), "plot_area": None,
                "lat": lat, "lon": lon, "utgatt": False, "buildings": [], "units": [],
                "addresses": [{"id": None, **{k: a[k] for k in ("kind", "text", "postcode", "town", "lat", "lon")}}
                              for a in addresses],
                "payload": {"geokoding": feature, "adresser": addresses}}

    def municipalities(self) -> list[dict]:
        data = self._get("kommuneinfo/v1/kommuner")
        try:
            return [{"number": k["kommunenummer"], "name": k.get("kommunenavnNorsk") or k["kommunenavn"]} for k in data]
        except (KeyError, TypeError) as exc:
            raise MalformedResponse(f"kommuner: unexpected shape ({exc!r})") from exc

    def building_type_codes(self) -> dict[int, int]:
        return {}
