"""Kartverket's open REST APIs (no agreement, no key): addresses, property geocoding, kommuneinfo.

For installations without a Matrikkel agreement. These APIs have no change log and no
building types, so they answer lookups (a matrikkelenhet's address and position,
municipalities) but cannot drive the sync: `changes`/`units_after` raise NotSupported.
Records from here have no buildings, so `mapping.to_row` maps them to no property.
"""
from __future__ import annotations

import requests
from django.conf import settings

from . import resilience
from .interface import (
    BadCredentials,
    ChangePage,
    MalformedResponse,
    NotSupported,
    UpstreamUnavailable,
    parse_ident,
)

NO_CHANGE_LOG = "Kartverket's open APIs have no change log: set MATRIKKEL_SOURCE=soap to sync."


class RestSource:
    name = "rest"

    def __init__(self, *, base_url: str | None = None, timeout: float | None = None):
        self.base_url = (base_url or settings.MATRIKKEL_REST_BASE_URL).rstrip("/") + "/"
        self.timeout = timeout or settings.MATRIKKEL_TIMEOUT
        self.session = requests.Session()
        self.breaker = resilience.CircuitBreaker(self.name)

    def _get(self, path: str, **params):
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

    def latest_change_id(self) -> int:
        raise NotSupported(NO_CHANGE_LOG)

    def changes(self, *, after: int, limit: int, municipality: str | None = None) -> ChangePage:
        raise NotSupported(NO_CHANGE_LOG)

    def units_after(self, *, after: int, limit: int, municipality: str | None = None) -> list[dict]:
        raise NotSupported(NO_CHANGE_LOG)

    def units(self, ids: list[int]) -> dict[int, dict]:
        raise NotSupported("Kartverket's open APIs cannot look up matrikkelenheter by internal id.")

    def unit_id_for_ident(self, ident: str) -> int | None:
        record = self.unit_by_ident(ident)
        return record["id"] if record else None

    def unit_by_ident(self, ident: str) -> dict | None:
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
        found = self._get("adresser/v1/sok", kommunenummer=kommune, gardsnummer=gnr, bruksnummer=bnr,
                          festenummer=fnr, treffPerSide=100, side=0)
        try:
            addresses = [{"id": None, "name": a["adressenavn"], "number": a.get("nummer"),
                          "letter": a.get("bokstav") or "", "postcode": a.get("postnummer") or "",
                          "town": (a.get("poststed") or "").title()} for a in found["adresser"]]
        except (KeyError, TypeError) as exc:
            raise MalformedResponse(f"adresser: unexpected shape ({exc!r})") from exc
        return {"id": props.get("lokalid"), "kommunenummer": kommune, "gnr": gnr, "bnr": bnr, "fnr": fnr,
                "snr": snr, "changed": props.get("oppdateringsdato"), "plot_area": None, "lat": lat, "lon": lon,
                "utgatt": False, "demo": None, "buildings": [], "units": [], "addresses": addresses,
                "payload": {"geokoding": feature, "adresser": found["adresser"]}}

    def municipalities(self) -> list[dict]:
        data = self._get("kommuneinfo/v1/kommuner")
        try:
            return [{"number": k["kommunenummer"], "name": k.get("kommunenavnNorsk") or k["kommunenavn"]} for k in data]
        except (KeyError, TypeError) as exc:
            raise MalformedResponse(f"kommuner: unexpected shape ({exc!r})") from exc

    def building_type_codes(self) -> dict[int, int]:
        return {}
