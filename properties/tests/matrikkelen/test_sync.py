"""Full import and incremental sync against the Matrikkelen stand-in (real HTTP on loopback, the real contract)."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command

from properties.matrikkelen.soap import SoapSource
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


class _SourceWithBadRecords(SoapSource):
    """The stand-in over SOAP, but the bulk download's `spoil` units come back spoiled by their function."""

    def __init__(self, *args, spoil: dict[int, Callable[[dict], dict]], **kwargs):
        super().__init__(*args, **kwargs)
        self.spoil = spoil

    def units_after(self, *, after, limit, municipality=None):
        return [self.spoil[r["id"]](r) if r["id"] in self.spoil else r
                for r in super().units_after(after=after, limit=limit, municipality=municipality)]


def test_bad_records_among_good_ones_are_rejected_with_their_reason_and_the_rest_of_their_batch_is_stored(standin):
    expected = expected_properties(standin.dataset)
    by_mid = {want["matrikkelenhet_id"]: ext for ext, want in expected.items()}
    ids = sorted(standin.dataset.ids_after(0, COUNT))
    invalid, unmappable = (next(mid for mid in ids[start:] if mid in by_mid) for start in (40, 45))  # one batch
    source = _SourceWithBadRecords(base_url=standin.soap_base_url, username="", password="", spoil={
        invalid: lambda r: {**r, "kommunenummer": "9999"},  # no such municipality
        unmappable: lambda r: {**r, "lat": None, "lon": None,  # no point anywhere
                               "buildings": [{**b, "lat": None, "lon": None} for b in r["buildings"]]},
    })

    run = matrikkel_sync_full(source, batch_size=100)

    assert run.status == SyncRun.Status.SUCCEEDED and run.failed == 2
    reasons = {e["matrikkelenhet_id"]: e["message"] for e in run.errors}
    assert "Unknown municipality" in reasons[invalid] and "no position" in reasons[unmappable]
    stored = set(Property.objects.values_list("external_id", flat=True))
    assert stored == set(expected) - {by_mid[invalid], by_mid[unmappable]}  # the other 98 of their batch too
    assert run.created == len(stored)
    assert SyncState.objects.get(scope="all").checkpoint == standin.dataset.last_change_id


def test_a_full_import_that_dies_inside_a_batch_resumes_there_and_ends_as_an_uninterrupted_one(
        source, standin, monkeypatch):
    from properties.matrikkelen import sync

    written: list[int] = []

    def insert_then_die(*, clean_rows):
        result = real_insert(clean_rows=clean_rows)
        written.append(len(clean_rows))
        if len(written) == 3:
            raise RuntimeError("killed after the COPY, before the commit")
        return result

    real_insert = sync.property_insert_clean
    monkeypatch.setattr(sync, "property_insert_clean", insert_then_die)
    with pytest.raises(RuntimeError, match="killed"):
        matrikkel_sync_full(source, batch_size=100)
    monkeypatch.setattr(sync, "property_insert_clean", real_insert)

    state = SyncState.objects.get(scope="all")
    two_batches = sorted(standin.dataset.ids_after(0, COUNT))[199]
    assert state.full_cursor == two_batches and state.checkpoint is None  # the third batch left no trace
    assert Property.objects.count() == sum(written[:2])
    assert not Property.objects.filter(matrikkelenhet_id__gt=two_batches).exists()

    resumed = matrikkel_sync(source=source, batch_size=100)  # the next run (here the scheduled incremental one)

    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert resumed.created == len(expected_properties(standin.dataset)) - sum(written[:2])
    after_resume = snapshot()
    Property.objects.all()._raw_delete(Property.objects.db)  # no cascade: the sync wrote no related rows
    SyncState.objects.all().delete()
    matrikkel_sync_full(source, batch_size=100)
    assert snapshot() == after_resume


def test_a_full_re_run_of_unchanged_data_counts_every_property_unchanged_and_writes_none(source, standin):
    matrikkel_sync_full(source, batch_size=150)
    before = snapshot()
    written_at = dict(Property.objects.values_list("external_id", "updated_at"))

    again = matrikkel_sync_full(source, batch_size=150)

    assert again.status == SyncRun.Status.SUCCEEDED
    assert (again.created, again.updated, again.retired, again.failed) == (0, 0, 0, 0)
    assert again.unchanged == len(before)
    assert snapshot() == before and dict(Property.objects.values_list("external_id", "updated_at")) == written_at


def test_a_row_taken_for_new_that_another_writer_stored_meanwhile_is_upserted_not_duplicated(
        source, standin, monkeypatch):
    from properties.matrikkelen import sync

    matrikkel_sync_full(source, batch_size=150)
    before = snapshot()
    monkeypatch.setattr(sync, "stored_properties", lambda properties: {})  # every row looks new: COPY conflicts

    again = matrikkel_sync_full(source, batch_size=150)

    assert again.status == SyncRun.Status.SUCCEEDED
    assert (again.created, again.updated) == (0, 0) and again.unchanged == len(before)
    assert snapshot() == before
