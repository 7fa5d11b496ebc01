"""The one small interface every Matrikkelen source implements, and the errors they raise.

A source answers in *records*: plain dicts (JSON-serialisable, so they can be cached) for one
matrikkelenhet with everything epty maps from it::

    {"id": 9000000001, "kind": "Grunneiendom", "kommunenummer": "0301", "gnr": 207, "bnr": 80,
     "fnr": 0, "snr": 0, "changed": "2026-04-09T12:26:31+00:00", "plot_area": 470 | None,
     "lat": 59.9 | None, "lon": 10.7 | None, "utgatt": False,
     "buildings": [{"id", "nr", "type_code", "footprint", "floors", "year", "lat", "lon"}],
     "units": [{"id", "bygning", "area", "rooms"}],
     "addresses": [{"id", "kind", "text", "postcode", "town", "lat", "lon"}],
     "payload": {...}}   # the upstream objects, as JSON

`kind` is the matrikkelenhet's subtype (Grunneiendom, Festegrunn, Seksjon, Jordsameie,
Anleggseiendom, AnnenMatrikkelenhet); an address's kind is Vegadresse or Matrikkeladresse.
A fact the source does not have is None (unknown), never a guess. Coordinates are WGS84 and
building types NS 3457 codes: converting Matrikkelen's UTM coordinates and internal code ids
is the source's job, so the sync does not care which source it reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class MatrikkelError(Exception):
    """Base of every error a Matrikkelen source raises."""

    code = "matrikkel_error"


class UpstreamUnavailable(MatrikkelError):
    """Kartverket did not answer usefully (timeout, HTTP 5xx, connection refused) after retries."""

    code = "upstream_unavailable"


class CircuitOpen(UpstreamUnavailable):
    """Too many calls failed in a row: calls are refused for a cool-down period."""

    code = "circuit_open"


class BadCredentials(MatrikkelError):
    """HTTP 401/403: the Matrikkel API user name or password is wrong, or lacks access. Never retried."""

    code = "bad_credentials"


class MalformedResponse(MatrikkelError):
    """An answer that is not well-formed XML/JSON, or lacks data the mapping needs."""

    code = "malformed_response"


class RequestRejected(MatrikkelError):
    """Kartverket refused the request itself (a ValidationException or another application error). Never retried."""

    code = "request_rejected"


class NotSupported(MatrikkelError):
    """The source cannot do this (Kartverket's open APIs have no change log)."""

    code = "not_supported"


@dataclass(frozen=True)
class ChangeRef:
    id: int
    kind: str  # Nyoppretting | Oppdatering | Typeendring | Sletting
    domain: str  # the changed object's id type, from its xsi:type: GrunneiendomId, BygningId, VegadresseId, …
    bubble_id: int
    at: str


@dataclass
class ChangePage:
    changes: list[ChangeRef]
    last_processed: int  # sisteEndringIdProsessert: resume after this id
    all_found: bool  # alleEndringerFunnet
    matrikkelenhet_ids: list[int] = field(default_factory=list)  # what the changes touch, in change order


class MatrikkelSource(Protocol):
    name: str
    fact_source: str  # provenance of the facts it answers with (properties.models.FactSource)

    def latest_change_id(self) -> int: ...

    def changes(self, *, after: int, limit: int, municipality: str | None = None) -> ChangePage: ...

    def units_after(self, *, after: int, limit: int, municipality: str | None = None) -> list[dict]:
        """The bulk download: up to `limit` live records with id > after, ascending by id."""

    def units(self, ids: list[int]) -> dict[int, dict]:
        """Records by matrikkelenhet id; ids deleted upstream are absent."""

    def unit_id_for_ident(self, ident: str) -> int | None: ...

    def unit_by_ident(self, ident: str) -> dict | None: ...

    def municipalities(self) -> list[dict]: ...

    def building_type_codes(self) -> dict[int, int]:
        """Code list: building type code id → NS 3457 code."""


def parse_ident(ident: str) -> tuple[str, int, int, int, int]:
    """'0301-207/80/0/0' (festenummer and seksjonsnummer optional) → ('0301', 207, 80, 0, 0)."""
    try:
        kommune, rest = ident.strip().split("-")
        parts = [int(p) for p in rest.split("/")]
        if not (len(kommune) == 4 and kommune.isdigit() and 2 <= len(parts) <= 4):
            raise ValueError
    except ValueError:
        raise ValueError(f"Not a matrikkelenhet ident: {ident!r} (expected e.g. 0301-207/80/0/0)") from None
    gnr, bnr, fnr, snr = parts + [0] * (4 - len(parts))
    return kommune, gnr, bnr, fnr, snr
