"""Injected upstream faults: the database stays consistent and the SyncRun says what happened."""
from __future__ import annotations

import time

import pytest

from properties.matrikkelen.interface import BadCredentials, CircuitOpen, UpstreamUnavailable
from properties.matrikkelen.soap import SoapSource
from properties.matrikkelen.sync import matrikkel_sync
from properties.models import Property, SyncRun, SyncState

from .conftest import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(source, standin):
    """A full import done, then upstream changes waiting in the change log."""
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, batch_size=300)
    standin.dataset.apply_changes(150, seed=21)
    return snapshot(), standin.dataset.last_change_id


def _checkpoint() -> int:
    return SyncState.objects.get(scope="all").checkpoint


def test_a_few_http_500s_are_retried_and_the_sync_succeeds(source, standin, imported):
    standin.faults.fail_next = 2

    run = matrikkel_sync(source=source)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert _checkpoint() == imported[1]


def test_timeouts_are_retried_and_the_sync_succeeds(source, standin, imported, settings):
    # Generous against a loaded machine (a real answer must come well within the timeout); the hang outlasts it.
    settings.MATRIKKEL_TIMEOUT = 2.0
    slow = SoapSource(base_url=standin.soap_base_url, username="", password="", timeout=2.0)
    slow.units([])  # WSDLs loaded before the fault
    standin.faults.hang_seconds, standin.faults.hang_next = 4.0, 2
    standin.faults.only = {"findEndringer", "getObjectsIgnoreMissing"}

    run = matrikkel_sync(source=slow)

    assert run.status == SyncRun.Status.SUCCEEDED and _checkpoint() == imported[1]


def test_a_slow_upstream_only_makes_the_sync_slower(source, standin, imported):
    standin.faults.delay = 0.02

    run = matrikkel_sync(source=source)

    assert run.status == SyncRun.Status.SUCCEEDED and _checkpoint() == imported[1]


@pytest.mark.parametrize(("fault", "code"), [
    ("fail_next", "upstream_unavailable"),
    ("malformed_next", "malformed_response"),
    ("partial_next", "malformed_response"),
])
def test_a_persistent_fault_writes_nothing_half_and_the_run_explains_it(source, standin, imported, fault, code):
    before, _ = imported
    checkpoint = _checkpoint()
    standin.faults.only = {"getObjectsIgnoreMissing"}
    setattr(standin.faults, fault, 1000)

    run = matrikkel_sync(source=source)

    assert run.status == SyncRun.Status.FAILED
    assert run.errors[-1]["code"] == code and "getObjectsIgnoreMissing" in run.errors[-1]["message"]
    assert (run.checkpoint_before, run.checkpoint_after) == (checkpoint, checkpoint)
    assert snapshot() == before  # not one property half-updated

    standin.faults.reset()
    again = matrikkel_sync(source=source)
    assert again.status == SyncRun.Status.SUCCEEDED and again.checkpoint_after == imported[1]


def test_wrong_credentials_fail_at_once_with_a_clear_error(standin, db):
    standin.credentials = ("epty", "right")
    wrong = SoapSource(base_url=standin.soap_base_url, username="epty", password="wrong")

    run = matrikkel_sync(kind=SyncRun.Kind.FULL, source=wrong)

    assert run.status == SyncRun.Status.FAILED
    assert run.errors[-1]["code"] == "bad_credentials"
    assert "MATRIKKEL_USERNAME" in run.errors[-1]["message"]
    assert Property.objects.count() == 0
    with pytest.raises(BadCredentials):
        wrong.latest_change_id()
    right = SoapSource(base_url=standin.soap_base_url, username="epty", password="right")
    assert right.latest_change_id() == standin.dataset.last_change_id


def test_the_circuit_opens_after_repeated_failures_and_stops_calling_kartverket(source, standin, settings):
    settings.MATRIKKEL_BREAKER_THRESHOLD = 3
    source.latest_change_id()
    standin.faults.fail_next = 1000

    with pytest.raises(UpstreamUnavailable):
        source.latest_change_id()  # three attempts, three failures: the circuit opens
    calls = standin.calls["findSisteEndringId"]
    started = time.monotonic()
    with pytest.raises(CircuitOpen):
        source.latest_change_id()

    assert standin.calls["findSisteEndringId"] == calls  # refused without a call
    assert time.monotonic() - started < 0.5


def test_a_killed_run_is_marked_interrupted_by_the_next_one(source, imported):
    SyncRun.objects.create(kind=SyncRun.Kind.INCREMENTAL, scope="all", started_at="2026-11-01T00:00:00Z")

    matrikkel_sync(source=source)

    assert SyncRun.objects.filter(status=SyncRun.Status.INTERRUPTED).count() == 1
