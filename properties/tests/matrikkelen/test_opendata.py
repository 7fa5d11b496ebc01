"""The open address register (Elverum, real data) as a source: file or download feed, idempotent, resumable."""
from __future__ import annotations

import csv
import math
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from pyproj import Transformer

from properties import reference
from properties.matrikkelen import opendata
from properties.matrikkelen.opendata import OpenDataError, matrikkel_open_data_sync
from properties.models import FACTS, FactSource, Property, Source, SyncRun, SyncState
from standins.matrikkel.rest import ELVERUM_CSV, RECORDED_DIR

pytestmark = pytest.mark.django_db
_from_utm = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True)


def _rows(path: Path = ELVERUM_CSV) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _metres(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def test_elverum_on_an_empty_database_gives_one_property_per_unit_on_its_real_point_and_a_rerun_changes_nothing(capsys):
    rows = _rows()
    units = {(r["gardsnummer"], r["bruksnummer"], r["festenummer"], r["undernummer"]) for r in rows}

    call_command("sync_matrikkel", "--source", "open-data", "--file", str(ELVERUM_CSV), "--no-progress")

    first = capsys.readouterr().out
    props = Property.objects.filter(municipality_number="3420")
    assert props.count() == len(units) == len({(r["gardsnummer"], r["bruksnummer"], r["festenummer"]) for r in rows})
    assert f"{len(units):,} created, 0 updated" in first
    # Every property lies within 1 m of its address's coordinate in the file.
    by_text = {(f"3420-{r['gardsnummer']}/{r['bruksnummer']}/{r['festenummer'] or 0}/0", r["adresseTekst"]): r
               for r in rows}
    for prop in props:
        row = by_text[(prop.external_id, prop.address)]
        lon, lat = _from_utm.transform(float(row["Øst"]), float(row["Nord"]))
        assert _metres(prop.lat, prop.lon, lat, lon) < 1.0, prop.external_id

    call_command("sync_matrikkel", "--source", "open-data", "--file", str(ELVERUM_CSV), "--no-progress")

    second = capsys.readouterr().out
    assert "0 created, 0 updated" in second and f"{len(units):,} unchanged" in second  # the same file: not read again

    call_command("sync_matrikkel", "--source", "open-data", "--file", str(ELVERUM_CSV), "--force", "--no-progress")

    third = capsys.readouterr().out
    assert "0 created, 0 updated" in third and f"{len(units):,} unchanged" in third  # read, compared, nothing written


def test_an_open_register_property_knows_its_addresses_and_nothing_the_register_does_not_have():
    matrikkel_open_data_sync(path=ELVERUM_CSV)

    farm = Property.objects.get(external_id="3420-19/1/0/0")
    assert farm.source == Source.OPEN_REGISTER and farm.matrikkelenhet_id is None
    assert farm.address == "Strandbygdvegen 1300"  # the oldest address (lowest id) is the main one
    assert {a["text"] for a in farm.addresses} == {"Strandbygdvegen 1300", "Gobakkvegen 438"}
    gobakk = next(a for a in farm.addresses if a["text"] == "Gobakkvegen 438")
    assert (gobakk["postcode"], gobakk["town"]) == ("2410", "Hernes")
    assert "gobakkvegen 438" in farm.search_text
    for fact in ("category", "building_type_code", "usable_area", "plot_area", "rooms", "bedrooms", "floors",
                 "year_built"):
        assert getattr(farm, fact) is None  # unknown, never invented
    assert farm.features == [] and not farm.features_known and farm.feature_status("sauna") == "unknown"
    assert {f: farm.fact_source(f) for f in FACTS if f != "features"} == {
        f: FactSource.OPEN_REGISTER for f in FACTS if f != "features"}
    assert farm.upstream_changed_at is not None and len(farm.upstream_payload["adresser"]) == 2


def test_lines_are_read_as_csv_reads_them_quoted_or_not():
    import io

    text = ('a;b;c\r\n\r\n"q;1";"two\r\nlines";x\r\nd;"e ""quoted""";f\r\ng;h;\r\nlast;row;"x"')

    rows = list(opendata._csv_rows(io.StringIO(text, newline="")))

    assert rows == list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[2] == ["q;1", "two\r\nlines", "x"] and rows[4] == ["g", "h", ""]


def test_the_written_times_are_the_register_s_and_the_import_s(tmp_path):
    rows = [r for r in _rows() if (r["gardsnummer"], r["bruksnummer"]) == ("19", "1")]
    latest = max(opendata.parse_timestamp(r["oppdateringsdato"]) for r in rows)

    run = matrikkel_open_data_sync(path=ELVERUM_CSV)

    farm = Property.objects.get(external_id="3420-19/1/0/0")
    assert farm.upstream_changed_at == latest  # the latest of its addresses' update times, as an instant
    assert run.started_at <= farm.created_at == farm.updated_at <= run.finished_at and farm.estimated_at is None


@pytest.mark.django_db(transaction=True)
def test_batches_commit_without_waiting_for_the_disk_and_the_session_keeps_its_setting():
    from django.db import connection

    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run = matrikkel_open_data_sync(path=ELVERUM_CSV, batch_size=3000)

    assert run.status == SyncRun.Status.SUCCEEDED and run.created == 8327
    assert statements.count("SET LOCAL synchronous_commit TO OFF") == 3  # one per batch transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # for the transaction only: the run's closing write waits


def test_the_import_leaves_cycle_collection_as_it_found_it(tmp_path):
    import gc

    rows = _rows()[:20]
    for row in rows[10:]:
        row["EPSG-kode"] = "99999"  # no such coordinate system: the import fails in the middle
    bad = tmp_path / "Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv"
    with open(bad, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    assert gc.isenabled()

    failed = matrikkel_open_data_sync(path=bad)

    assert failed.status == SyncRun.Status.FAILED and "EPSG:99999" in failed.errors[-1]["message"]
    assert gc.isenabled()
    gc.disable()
    try:
        assert matrikkel_open_data_sync(path=ELVERUM_CSV).status == SyncRun.Status.SUCCEEDED
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()


def test_the_file_comes_through_the_download_feed_for_a_municipality(standin, settings):
    settings.MATRIKKEL_OPEN_DATA_FEED_URL = (
        f"{standin.rest_base_url}geonorge/ATOM-feeds/MatrikkelenAdresse_AtomFeedCSV.xml"
    )

    run = matrikkel_open_data_sync(municipality="3420")

    assert run.status == SyncRun.Status.SUCCEEDED and run.source == "open-data"
    assert run.created == Property.objects.count() == 8327
    assert (
        standin.calls[
            "/geonorge/Basisdata/MatrikkelenAdresse/CSV/Basisdata_3420_Elverum_25833_MatrikkelenAdresse_CSV.zip"
        ]
        == 1
    )


def test_the_national_file_in_epsg_4258_with_a_matrikkeladresse_and_three_municipalities(standin, settings):
    settings.MATRIKKEL_OPEN_DATA_FEED_URL = (
        f"{standin.rest_base_url}geonorge/ATOM-feeds/MatrikkelenAdresse_AtomFeedCSV.xml"
    )

    run = matrikkel_open_data_sync()

    assert run.status == SyncRun.Status.SUCCEEDED and run.failed == 0
    assert set(Property.objects.values_list("municipality_number", flat=True)) == {"3420", "5610", "0301"}
    oslo = Property.objects.get(municipality_number="0301")
    assert (oslo.external_id, oslo.address) == ("0301-33/1144/0/0", "33/1144-2")  # undernummer is not the unit
    assert abs(oslo.lat - 59.982362) < 1e-6 and abs(oslo.lon - 10.65366) < 1e-6
    karasjok = Property.objects.get(external_id="5610-9/42/0/0")
    assert len(karasjok.addresses) == 2
    farm = Property.objects.get(external_id="3420-19/1/0/0")  # the same point through EPSG:4258
    assert farm.address == "Strandbygdvegen 1300"


def test_the_feed_is_read_by_file_names_and_prefers_utm33():
    entries = opendata.feed_entries((RECORDED_DIR / "kartverket_bulk_atom_feed.xml").read_bytes())

    assert {(e.municipality, e.epsg) for e in entries} == {("0000", "25833"), ("0000", "4258"), ("5610", "25833"),
                                                           ("5610", "25835"), ("5610", "4258")}
    assert opendata.choose_entry(entries, "5610").url.endswith(
        "Basisdata_5610_Karasjok_25833_MatrikkelenAdresse_CSV.zip"
    )
    assert opendata.choose_entry(entries, None).url.endswith("Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip")
    with pytest.raises(OpenDataError, match="no CSV file for municipality 3420"):
        opendata.choose_entry(entries, "3420")


def test_units_gone_from_the_file_are_retired_and_come_back_when_they_return(tmp_path):
    matrikkel_open_data_sync(path=ELVERUM_CSV)
    rows = _rows()
    gone = {"19", "18"}  # two farms' worth of units vanish upstream
    smaller = tmp_path / "Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv"
    with open(smaller, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(r for r in rows if r["gardsnummer"] not in gone)
    expected_gone = {(r["gardsnummer"], r["bruksnummer"], r["festenummer"]) for r in rows if r["gardsnummer"] in gone}

    run = matrikkel_open_data_sync(path=smaller)

    assert run.retired == len(expected_gone) and run.created == run.updated == 0
    retired = Property.objects.filter(retired_at__isnull=False)
    assert {p.external_id.split("-")[1].split("/")[0] for p in retired} == gone
    again = matrikkel_open_data_sync(path=ELVERUM_CSV)
    assert again.updated == len(expected_gone) and not Property.objects.filter(retired_at__isnull=False).exists()


def test_an_interrupted_import_continues_with_the_next_municipality_and_ends_as_an_uninterrupted_one(standin, settings):
    settings.MATRIKKEL_OPEN_DATA_FEED_URL = (
        f"{standin.rest_base_url}geonorge/ATOM-feeds/MatrikkelenAdresse_AtomFeedCSV.xml"
    )
    seen = []

    def crash_in_the_second_municipality(kommune, n):
        seen.append(kommune)
        if len(set(seen)) == 2:
            raise KeyboardInterrupt  # the process dies in the middle of the run

    with pytest.raises(KeyboardInterrupt):
        matrikkel_open_data_sync(progress=crash_in_the_second_municipality, batch_size=3)
    first_municipality = seen[0]
    assert SyncState.objects.get(scope="open:all").full_cursor == int(first_municipality)
    done_first = Property.objects.filter(municipality_number=first_municipality).count()

    resumed = matrikkel_open_data_sync(batch_size=500)

    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert not Property.objects.filter(municipality_number=first_municipality).exclude(
        updated_at__lt=resumed.started_at).exists()  # the finished municipality was not read again
    assert SyncRun.objects.filter(status=SyncRun.Status.INTERRUPTED).count() == 1
    state = list(Property.objects.order_by("external_id").values_list("external_id", "address", "lat", "lon"))
    Property.objects.all()._raw_delete(Property.objects.db)
    SyncState.objects.all().delete()
    matrikkel_open_data_sync()
    assert list(Property.objects.order_by("external_id").values_list("external_id", "address", "lat", "lon")) == state
    assert done_first > 0


def test_a_file_that_is_not_the_register_fails_with_a_clear_error_and_writes_nothing(tmp_path):
    other = tmp_path / "sales.csv"
    other.write_text("external_id;price\n1;2\n", encoding="utf-8")

    run = matrikkel_open_data_sync(path=other)

    assert run.status == SyncRun.Status.FAILED
    assert run.errors[-1]["code"] == "open_data_error" and "no column lokalid" in run.errors[-1]["message"]
    assert not Property.objects.exists()


def test_bad_rows_fail_alone_and_the_zip_is_read_like_the_file(tmp_path):
    rows = _rows()[:40]
    rows[3]["gardsnummer"] = "x"  # not a number
    rows[4]["kommunenummer"] = "9999"  # no such municipality
    path = tmp_path / "Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    archive = tmp_path / "Basisdata_3420_Elverum_25833_MatrikkelenAdresse_CSV.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(path, path.name)

    run = matrikkel_open_data_sync(path=archive)

    assert run.status == SyncRun.Status.SUCCEEDED and run.failed == 2
    messages = " ".join(e["message"] for e in run.errors)
    assert "gardsnummer 'x' is not a number" in messages and "unknown municipality 9999" in messages
    good = {(r["gardsnummer"], r["bruksnummer"], r["festenummer"]) for i, r in enumerate(rows) if i not in (3, 4)}
    assert Property.objects.count() == len(good)


def test_facts_set_by_the_demo_survive_the_weekly_refresh():
    from properties.services import property_facts_set_many

    matrikkel_open_data_sync(path=ELVERUM_CSV)
    property_facts_set_many(facts={"3420-19/1/0/0": {"category": "residential", "usable_area": 140}},
                            source=FactSource.DEMO)

    run = matrikkel_open_data_sync(path=ELVERUM_CSV, force=True)

    farm = Property.objects.get(external_id="3420-19/1/0/0")
    assert run.updated == 0 and run.unchanged == 8327 and (farm.category, farm.usable_area) == ("residential", 140)
    assert (
        farm.fact_source("usable_area") == FactSource.DEMO and farm.fact_source("location") == FactSource.OPEN_REGISTER
    )
    assert farm.synthetic_facts == ["category", "usable_area"]


def _settings_with(monkeypatch, settings, **environment):
    """The running settings with epty/settings/matrikkelen.py read afresh under `environment`."""
    import importlib.util

    from epty.settings import matrikkelen

    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("epty.settings._matrikkelen_probe", matrikkelen.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = {name: value for name, value in vars(module).items() if name.isupper()}

    class Probe:
        def __getattr__(self, name):
            return fresh[name] if name in fresh else getattr(settings, name)

    return Probe()


def test_the_refresh_is_scheduled_weekly_only_with_the_open_rest_source(monkeypatch, settings):
    from epty.celery import beat_schedule

    table = beat_schedule(_settings_with(monkeypatch, settings, MATRIKKEL_SOURCE="rest"))
    entry = table["matrikkel-open-data-refresh"]
    assert entry["task"] == "properties.tasks.matrikkel_open_data_refresh" and entry["schedule"] == 7 * 86400

    fortnightly = _settings_with(monkeypatch, settings, MATRIKKEL_SOURCE="rest", MATRIKKEL_OPEN_DATA_INTERVAL_DAYS="14")
    assert beat_schedule(fortnightly)["matrikkel-open-data-refresh"]["schedule"] == 14 * 86400
    for source in ("soap", "standin"):
        assert "matrikkel-open-data-refresh" not in beat_schedule(
            _settings_with(monkeypatch, settings, MATRIKKEL_SOURCE=source))
    off = _settings_with(monkeypatch, settings, MATRIKKEL_SOURCE="rest", MATRIKKEL_OPEN_DATA_INTERVAL_DAYS="0")
    assert "matrikkel-open-data-refresh" not in beat_schedule(off)


def test_the_refresh_task_imports_each_configured_municipality(standin, settings):
    from properties.tasks import matrikkel_open_data_refresh

    settings.MATRIKKEL_OPEN_DATA_FEED_URL = (
        f"{standin.rest_base_url}geonorge/ATOM-feeds/MatrikkelenAdresse_AtomFeedCSV.xml"
    )
    settings.MATRIKKEL_OPEN_DATA_MUNICIPALITIES = ["3420"]

    matrikkel_open_data_refresh.apply().get()

    run = SyncRun.objects.get(kind=SyncRun.Kind.OPEN_DATA)
    assert run.scope == "open:3420" and run.created == 8327
    assert reference.municipalities()["3420"].name == Property.objects.first().municipality_name
