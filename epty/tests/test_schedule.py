"""The one schedule table: every app's SCHEDULE entries, each on exactly when its settings switch says so."""
from __future__ import annotations

import pytest
from celery.schedules import crontab

from epty.celery import app, beat_schedule, schedule_declarations

# entry name → (task, the setting that switches it on)
EXPECTED = {
    "matrikkel-sync-incremental": ("properties.tasks.matrikkel_sync_incremental", "MATRIKKEL_SYNC_SCHEDULED"),
    "matrikkel-open-data-refresh": ("properties.tasks.matrikkel_open_data_refresh", "MATRIKKEL_OPEN_DATA_SCHEDULED"),
    "map-cells-rebuild": ("properties.tasks.map_cells_rebuild", "MAP_CELLS_SCHEDULED"),
    "saved.saved_search_alerts_run": ("accounts.saved.tasks.saved_search_alerts_run", "ALERTS_SCHEDULED"),
    "saved.search_history_purge": ("accounts.saved.tasks.search_history_purge", "SEARCH_HISTORY_PURGE_SCHEDULED"),
    "mail.outbox_send": ("epty.mail.tasks.outbox_send", "MAIL_OUTBOX_SEND_SCHEDULED"),
    "offers-expire": ("offers.tasks.offers_expire", "OFFERS_EXPIRE_SCHEDULED"),
    "valuation-weekly-retrain": ("recommendations.tasks.valuation_train_task", "VALUATION_RETRAIN_SCHEDULED"),
    "recommendations.market_trends_refresh": ("recommendations.trends.tasks.market_trends_refresh_task",
                                              "MARKET_TRENDS_REFRESH_SCHEDULED"),
}


def test_every_app_declares_its_jobs_beside_its_tasks_and_each_names_a_registered_task():
    declared = schedule_declarations()
    assert {name: (entry["task"], entry["switch"]) for name, entry in declared.items()} == EXPECTED
    app.loader.import_default_modules()
    assert {task for task, _ in EXPECTED.values()} <= set(app.tasks)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_job_is_in_the_table_exactly_when_its_setting_is_on(settings, name):
    switch = EXPECTED[name][1]
    setattr(settings, switch, True)
    assert name in beat_schedule()
    setattr(settings, switch, False)
    assert name not in beat_schedule()


def test_intervals_and_hours_come_from_the_settings(settings):
    settings.MATRIKKEL_SYNC_INTERVAL_MINUTES, settings.ALERTS_INTERVAL_MINUTES = 7, 3
    settings.MARKET_TRENDS_REFRESH_HOUR = 5
    table = beat_schedule()
    assert table["matrikkel-sync-incremental"]["schedule"] == 7 * 60.0
    assert table["matrikkel-sync-incremental"]["options"] == {"expires": 7 * 60.0}
    assert table["saved.saved_search_alerts_run"]["schedule"] == 3 * 60.0
    assert table["recommendations.market_trends_refresh"]["schedule"] == crontab(minute=15, hour=5)
    assert table["valuation-weekly-retrain"]["kwargs"] == {"activate_if_not_worse": True}
    assert "switch" not in table["offers-expire"]


def test_celery_beat_reads_the_same_table():
    assert dict(app.conf.beat_schedule).keys() == beat_schedule().keys()


def test_no_settings_module_imports_base_values_to_change_them():
    from pathlib import Path

    for path in (Path(__file__).resolve().parents[1] / "settings").glob("*.py"):
        text = path.read_text()
        assert "CELERY_BEAT_SCHEDULE" not in text, path
        if path.name not in {"base.py", "production.py"}:
            assert "MIDDLEWARE" not in text and "REST_FRAMEWORK" not in text, path


@pytest.mark.parametrize(("source", "minutes", "days", "expected"), [
    ("soap", 10, 7, (True, False)),      # the Matrikkel API has a change log to poll
    ("standin", 10, 7, (True, False)),
    ("rest", 10, 7, (False, True)),      # the open APIs have none: the open register is re-imported instead
    ("soap", 0, 7, (False, False)),      # zero turns a job off
    ("rest", 10, 0, (False, False)),
])
def test_which_matrikkelen_job_runs_follows_the_source(source, minutes, days, expected):
    from epty.settings.matrikkelen import schedule_switches

    assert schedule_switches(source, minutes, days) == expected


@pytest.mark.parametrize(("source", "expected"), [("rest", "False True"), ("soap", "True False")])
def test_production_switches_follow_productions_own_source(source, expected):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "epty.settings.production", "DJANGO_SECRET_KEY": "k" * 64,
           "DJANGO_ALLOWED_HOSTS": "epty.no", "MATRIKKEL_SOURCE": source, "MATRIKKEL_USERNAME": "u",
           "MATRIKKEL_PASSWORD": "p"}
    code = ("import django; from django.conf import settings; django.setup(); "
            "print(settings.MATRIKKEL_SYNC_SCHEDULED, settings.MATRIKKEL_OPEN_DATA_SCHEDULED)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == expected, result.stderr
