"""Fixtures: a Matrikkelen stand-in on loopback, a SOAP source pointed at it, and what a sync must produce."""
from __future__ import annotations

import pytest
from pyproj import Transformer

from properties import reference
from properties.matrikkelen.soap import SoapSource, place_name
from standins.matrikkel.dataset import Dataset, external_id
from standins.matrikkel.server import StandinServer

COUNT, SEED = 400, 11
_to_wgs84 = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True)


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.MATRIKKEL_RETRIES = 3
    settings.MATRIKKEL_RETRY_BASE_DELAY = 0.001
    settings.MATRIKKEL_RETRY_MAX_DELAY = 0.01
    settings.MATRIKKEL_TIMEOUT = 15.0  # a real answer on a loaded machine stays well inside; hang tests set their own
    settings.MATRIKKEL_BREAKER_THRESHOLD = 50
    settings.MATRIKKEL_BREAKER_COOLDOWN = 30


@pytest.fixture
def standin():
    server = StandinServer(Dataset(count=COUNT, seed=SEED)).start()
    yield server
    server.stop()


@pytest.fixture
def source(standin):
    return SoapSource(base_url=standin.soap_base_url, username="", password="")


def snapshot(*, active_only: bool = False) -> list[tuple]:
    """The whole properties table, ordered, without surrogate ids and write timestamps."""
    from properties.models import Property

    skip = {"id", "created_at", "updated_at", "estimated_at", "retired_at"}
    names = [f.attname for f in Property._meta.concrete_fields if f.attname not in skip]
    qs = Property.objects.order_by("external_id")
    if active_only:
        qs = qs.filter(retired_at__isnull=True)
    return [(*row[:-1], row[-1] is not None) for row in qs.values_list(*names, "retired_at")]


def expected_properties(dataset: Dataset) -> dict[str, dict]:
    """What a sync must store for each stand-in unit, worked out from the data set itself (not the client).

    Units without a building, or whose main building is not a home, cabin or commercial building,
    are not properties.
    """
    types = reference.building_types()
    result = {}
    for mid in dataset.ids_after(0, dataset.count + len(dataset.new_ids)):
        u = dataset.get(mid)
        homes = [b for b in u["buildings"] if types[b["type"]].category in ("residential", "cabin")]
        pool = homes or u["buildings"]
        if not pool:
            continue
        main = min(pool, key=lambda b: (-b["footprint"], b["id"]))
        category = types[main["type"]].category
        if category not in ("residential", "cabin", "commercial"):
            continue
        units = [e for e in u["units"] if e["bygning"] == main["id"]]
        rooms = [e["rooms"] for e in units if e["rooms"] is not None]
        lon, lat = _to_wgs84.transform(main["x"], main["y"])
        address = min(u["addresses"], key=lambda a: a["id"])
        text = (f"{address['name']} {address['number']}{address['letter']}" if address["kind"] == "Vegadresse"
                else f"{u['gnr']}/{u['bnr']}" + (f"/{u['fnr']}" if u["fnr"] else "") + f"-{address['undernummer']}")
        teig = u["teiger"][0] if u["teiger"] else None
        result[external_id(u)] = {
            "matrikkelenhet_id": mid, "kind": u["kind"], "category": category, "building_type_code": main["type"],
            "usable_area": sum(e["area"] for e in units) if units else None,
            "rooms": sum(rooms) if rooms else None, "floors": main["floors"] if main["storeys_recorded"] else None,
            "year_built": main["year"] if main["status_recorded"] else None,
            "plot_area": teig["area"] if teig else None, "address": text, "postcode": address["postcode"],
            "town": place_name(address["town"].upper()), "lat": lat, "lon": lon,
            "addresses": len(u["addresses"]),
        }
    return result
