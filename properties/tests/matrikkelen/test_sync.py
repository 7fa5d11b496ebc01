"""Full import and incremental sync against the Matrikkelen stand-in (real HTTP on loopback, the real contract)."""
from __future__ import annotations

import pytest
from django.core.management import call_command

from properties.matrikkelen.sync import matrikkel_sync
from properties.models import FactSource, Property, Source, SyncRun, SyncState
from standins import demo

from .conftest import COUNT, expected_properties, snapshot

pytestmark = pytest.mark.django_db


def test_full_import_stores_every_property_as_the_stand_in_holds_it(source, standin):
    run = matrikkel_sync_full(source, batch_size=120)

    expected = expected_properties(standin.dataset)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.created == Property.objects.count() == len(expected)
    assert COUNT * 0.9 < len(expected) < COUNT  # a few plots without a building, barns and sheds are not properties
    assert run.checkpoint_after == standin.dataset.last_change_id == SyncState.objects.get(scope="all").checkpoint
    for prop in Property.objects.all():
        want = expected[prop.external_id]
        # UTM 33 back to WGS84 lands within 1e-6 degrees (about 10 cm) of the building's point.
        assert abs(prop.lat - want["lat"]) < 2e-6 and abs(prop.lon - want["lon"]) < 2e-6
        assert prop.building_type_code == want["building_type_code"]  # not the internal code id
        for name in ("matrikkelenhet_id", "category", "usable_area", "rooms", "floors", "year_built", "plot_area",
                     "address", "postcode", "town"):
            assert getattr(prop, name) == want[name], (prop.external_id, name)
        assert len(prop.addresses) == want["addresses"]
        assert prop.bedrooms is None and prop.features == [] and not prop.features_known  # not in the Matrikkel API
        assert prop.fact_source("usable_area") == FactSource.MATRIKKEL_API and prop.source == Source.MATRIKKELEN
        assert prop.upstream_payload["matrikkelenhet"]["_type"] == want["kind"]


def matrikkel_sync_full(source, **kwargs):
    return matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, **kwargs)


def test_every_kind_of_matrikkelenhet_and_address_and_every_missing_optional_element_is_read(source, standin):
    matrikkel_sync_full(source)

    props = {p.external_id: p for p in Property.objects.all()}
    kinds = {p.upstream_payload["matrikkelenhet"]["_type"] for p in props.values()}
    assert kinds == {"Grunneiendom", "Festegrunn", "Seksjon", "Jordsameie", "Anleggseiendom", "AnnenMatrikkelenhet"}
    seksjon = next(p for p in props.values() if p.upstream_payload["matrikkelenhet"]["_type"] == "Seksjon")
    assert seksjon.external_id.split("/")[-1] != "0" and seksjon.plot_area is None  # no teig: its building's point
    festegrunn = next(p for p in props.values() if p.upstream_payload["matrikkelenhet"]["_type"] == "Festegrunn")
    assert festegrunn.external_id.split("/")[2] != "0"
    matrikkeladresse = [p for p in props.values() if "-" in p.address and "/" in p.address]
    assert matrikkeladresse and all(p.postcode for p in matrikkeladresse)  # "207/80-1", with its postal area
    assert any(len(p.addresses) == 2 for p in props.values())
    assert any(p.floors is None for p in props.values()) and any(p.year_built is None for p in props.values())
    assert any(p.rooms is None and p.category == "residential" for p in props.values())
    several = [p for p in props.values() if len(p.upstream_payload["bygninger"]) > 1]
    assert several and all(p.category in ("residential", "cabin", "commercial") for p in several)


def test_a_house_beside_a_larger_barn_is_still_the_main_building(source):
    matrikkel_sync_full(source)

    with_barn = [p for p in Property.objects.all()
                 if any(b["bygningstypeKodeId"]["value"] == "4241" for b in p.upstream_payload["bygninger"])]
    assert with_barn, "the stand-in data set has farms"
    for prop in with_barn:
        assert prop.category in ("residential", "cabin") and prop.building_type_code != 241


def test_a_plot_without_buildings_is_not_a_property(source, standin):
    matrikkel_sync_full(source)

    plots = [mid for mid in standin.dataset.ids_after(0, COUNT) if not standin.dataset.get(mid)["buildings"]]
    assert plots
    assert not Property.objects.filter(matrikkelenhet_id__in=plots).exists()


def test_full_import_then_incremental_sync_equals_a_full_import_of_the_final_data(source, standin):
    matrikkel_sync_full(source, batch_size=150)
    standin.dataset.apply_changes(400, seed=3)
    street = standin.dataset.get(demo.MATRIKKELENHET_ID_OFFSET + 2)["addresses"][0]
    assert standin.dataset.rename_street(street["kommunenummer"], street["name"], "Omdøpt gate") >= 1

    run = matrikkel_sync(kind=SyncRun.Kind.INCREMENTAL, source=source, batch_size=64)
    incremental = snapshot(active_only=True)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.created > 0 and run.updated > 0 and run.retired > 0
    assert run.checkpoint_after == standin.dataset.last_change_id
    assert Property.objects.filter(address__startswith="Omdøpt gate").exists()  # a Veg change reaches its addresses

    Property.objects.all()._raw_delete(Property.objects.db)  # no cascade: the sync wrote no related rows
    SyncState.objects.all().delete()
    matrikkel_sync_full(source, batch_size=500)
    assert snapshot(active_only=True) == incremental


def test_a_property_deleted_upstream_is_retired_not_deleted(source, standin):
    matrikkel_sync_full(source)
    standin.dataset.apply_changes(200, seed=4)
    deleted = {c.matrikkelenhet_id for c in standin.dataset.changes if c.kind == "Sletting"}

    matrikkel_sync(source=source)

    stored = Property.objects.filter(matrikkelenhet_id__in=deleted)
    assert deleted and stored.exists()
    assert all(p.retired_at is not None for p in stored)  # still there for offers and favourites
    assert Property.objects.active().filter(matrikkelenhet_id__in=deleted).count() == 0


def test_a_second_incremental_sync_changes_nothing(source, standin):
    matrikkel_sync_full(source)
    standin.dataset.apply_changes(100, seed=5)
    matrikkel_sync(source=source)
    before = snapshot()

    run = matrikkel_sync(source=source)

    assert (run.created, run.updated, run.retired) == (0, 0, 0)
    assert snapshot() == before


def test_a_change_log_that_grows_during_the_sync_is_caught_up_by_the_next_run(source, standin):
    matrikkel_sync_full(source)
    standin.dataset.apply_changes(100, seed=6)
    standin.faults.grow_changes = 15  # every findEndringer call first adds 15 changes upstream

    first = matrikkel_sync(source=source, batch_size=40)
    standin.faults.grow_changes = 0
    matrikkel_sync(source=source, batch_size=40)
    synced = snapshot(active_only=True)

    assert first.status == SyncRun.Status.SUCCEEDED
    Property.objects.all()._raw_delete(Property.objects.db)  # no cascade: the sync wrote no related rows
    SyncState.objects.all().delete()
    matrikkel_sync_full(source)
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


def test_facts_from_another_source_survive_the_next_sync(source, standin):
    from properties.services import property_facts_set_many

    matrikkel_sync_full(source)
    prop = Property.objects.filter(category="residential").order_by("id").first()
    property_facts_set_many(facts={prop.external_id: {"bedrooms": 3, "features": ["sauna"]}}, source=FactSource.DEMO)
    unit = standin.dataset.get(prop.matrikkelenhet_id)
    standin.dataset.overrides[prop.matrikkelenhet_id] = {**unit, "units": [{**unit["units"][0], "area": 999}]}
    standin.dataset._log("Oppdatering", "BruksenhetId", unit["units"][0]["id"], prop.matrikkelenhet_id)

    run = matrikkel_sync(source=source)

    prop.refresh_from_db()
    assert run.updated == 1 and prop.usable_area == 999
    assert (prop.bedrooms, prop.features, prop.fact_source("bedrooms"), prop.fact_source("usable_area")) == (
        3, ["sauna"], FactSource.DEMO, FactSource.MATRIKKEL_API)
    assert prop.feature_status("sauna") == "yes" and prop.feature_status("jetty") == "no"


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
    assert run.status == SyncRun.Status.SUCCEEDED and run.created == len(expected_properties(standin.dataset))
