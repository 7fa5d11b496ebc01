"""Fixtures: a Matrikkelen stand-in on loopback, and a SOAP source pointed at it."""
from __future__ import annotations

import pytest

from properties.matrikkelen.soap import SoapSource
from properties.matrikkelen.standin.dataset import Dataset
from properties.matrikkelen.standin.server import StandinServer

COUNT, SEED = 400, 11


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.MATRIKKEL_RETRIES = 3
    settings.MATRIKKEL_RETRY_BASE_DELAY = 0.001
    settings.MATRIKKEL_RETRY_MAX_DELAY = 0.01
    settings.MATRIKKEL_TIMEOUT = 1.0
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
