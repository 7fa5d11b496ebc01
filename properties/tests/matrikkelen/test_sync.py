"""Full import and incremental sync against the Matrikkelen stand-in (real HTTP on loopback)."""
from __future__ import annotations

import pytest
from django.core.management import call_command

from properties.matrikkelen.sync import matrikkel_sync
from properties.models import Property, SyncRun, SyncState
from standins import demo

from .conftest import COUNT, snapshot

pytestmark = pytest.mark.django_db


def test_full_import_loads_every_property_with_wgs84_coordinates_and_resolved_building_types(source, standin):
    run = matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, batch_size=200)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.created == Property.objects.count() == COUNT
    assert run.checkpoint_after == standin.dataset.last_change_id == SyncState.objects.get(scope="all").checkpoint
    generated = {row["external_id"]: row for chunk in demo.generate(COUNT, 11) for row in chunk.properties}
    for prop in Property.objects.all():
        original = generated[prop.external_id]
        # UTM 33 back to WGS84 lands within 1e-6 degrees (about 10 cm) of the generated point.
        assert abs(prop.lat - original["lat"]) < 2e-6 and abs(prop.lon - original["lon"]) < 2e-6
        assert prop.building_type_code == original["building_type_code"]  # not the internal code id
        assert (prop.category, prop.usable_area, prop.address, prop.postcode) == (
            original["category"], original["usable_area"], original["address"], original["postcode"])
        assert (
            prop.upstream_payload["matrikkelenhet"]["matrikkelenhetident"]["kommunenummer"] == prop.municipality_number
        )
        assert prop.is_synthetic and prop.estimate is not None


def test_a_house_beside_a_larger_barn_is_still_the_main_building(source):
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)

    with_barn = [p for p in Property.objects.all()
                 if len(p.upstream_payload["bygninger"]) > 1
                 and any(b["bygningstypeKodeId"]["value"] == "4241" for b in p.upstream_payload["bygninger"])]
    assert with_barn, "the stand-in data set has farms"
    for prop in with_barn:
        assert prop.category in ("residential", "cabin") and prop.building_type_code != 241


def test_full_import_then_incremental_sync_equals_a_full_import_of_the_final_data(source, standin):
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, batch_size=150)
    standin.dataset.apply_changes(400, seed=3)

    run = matrikkel_sync(kind=SyncRun.Kind.INCREMENTAL, source=source, batch_size=64)
    incremental = snapshot(active_only=True)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.created > 0 and run.updated > 0 and run.retired > 0
    assert run.checkpoint_after == standin.dataset.last_change_id

    Property.objects.all()._raw_delete(Property.objects.db)  # no cascade: the sync wrote no related rows
    SyncState.objects.all().delete()
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, batch_size=500)
    assert snapshot(active_only=True) == incremental


def test_a_property_deleted_upstream_is_retired_not_deleted(source, standin):
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)
    standin.dataset.apply_changes(200, seed=4)
    deleted = {c.matrikkelenhet_id for c in standin.dataset.changes if c.kind == "Sletting"}

    matrikkel_sync(source=source)

    assert deleted
    retired = Property.objects.filter(matrikkelenhet_id__in=deleted)
    assert retired.count() == len(deleted)  # still there for offers and favourites
    assert all(p.retired_at is not None for p in retired)
    assert Property.objects.active().filter(matrikkelenhet_id__in=deleted).count() == 0


def test_a_second_incremental_sync_changes_nothing(source, standin):
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)
    standin.dataset.apply_changes(100, seed=5)
    matrikkel_sync(source=source)
    before = snapshot()

    run = matrikkel_sync(source=source)

    assert (run.created, run.updated, run.retired) == (0, 0, 0)
    assert snapshot() == before


def test_a_change_log_that_grows_during_the_sync_is_caught_up_by_the_next_run(source, standin):
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)
    standin.dataset.apply_changes(100, seed=6)
    standin.faults.grow_changes = 15  # every findEndringer call first adds 15 changes upstream

    first = matrikkel_sync(source=source, batch_size=40)
    standin.faults.grow_changes = 0
    matrikkel_sync(source=source, batch_size=40)
    synced = snapshot(active_only=True)

    assert first.status == SyncRun.Status.SUCCEEDED
    Property.objects.all()._raw_delete(Property.objects.db)  # no cascade: the sync wrote no related rows
    SyncState.objects.all().delete()
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)
    assert snapshot(active_only=True) == synced


def test_sync_of_one_municipality_imports_only_its_properties(source, standin, settings):
    settings.MATRIKKEL_SOURCE = "soap"
    settings.MATRIKKEL_BASE_URL = standin.soap_base_url
    settings.MATRIKKEL_USERNAME = ""
    municipality = standin.dataset.get(demo.MATRIKKELENHET_ID_OFFSET)["kommunenummer"]

    call_command("sync_matrikkel", "--full", "--municipality", municipality, "--no-progress")

    numbers = set(Property.objects.values_list("municipality_number", flat=True))
    assert numbers == {municipality}
    assert SyncState.objects.get(scope=municipality).checkpoint == standin.dataset.last_change_id


def test_the_incremental_sync_is_scheduled_every_ten_minutes_and_its_task_runs_the_sync(source, standin, settings):
    from epty.celery import beat_schedule
    from properties.tasks import matrikkel_sync_incremental

    entry = beat_schedule()["matrikkel-sync-incremental"]
    assert entry["task"] == "properties.tasks.matrikkel_sync_incremental" and entry["schedule"] == 600
    settings.MATRIKKEL_SOURCE = "soap"
    settings.MATRIKKEL_BASE_URL = standin.soap_base_url
    settings.MATRIKKEL_USERNAME = ""

    run_id = matrikkel_sync_incremental.apply().get()

    run = SyncRun.objects.get(pk=run_id)
    assert run.status == SyncRun.Status.SUCCEEDED and run.created == COUNT
