"""Handing the models to the valuation and market apps moves no row.

A database at the old layout (recommendations 0002, before the rooms existed) is filled through
the historical models, then migrated to the new layout: every row is still there with the same
id and values, the tables keep their constraints and sequences, and permissions granted on the
models still hold (their content types are relabelled, not recreated).
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.tests.factories import UserFactory
from recommendations.market.models import ComparableLevel, MarketTrend
from recommendations.valuation.models import ValuationModelVersion

OLD_LAYOUT = [("recommendations", "0002_market_trends"), ("valuation", None), ("market", None)]
MOVED = {"valuationmodelversion": ValuationModelVersion, "markettrend": MarketTrend, "comparablelevel": ComparableLevel}


def _fill(apps) -> None:
    version = apps.get_model("recommendations", "ValuationModelVersion")
    trend = apps.get_model("recommendations", "MarketTrend")
    level = apps.get_model("recommendations", "ComparableLevel")
    now = dt.datetime(2025, 3, 1, 4, 15, tzinfo=dt.UTC)
    for n in (1, 2, 3):
        version.objects.create(
            version=n, is_active=n == 2, activated_at=now if n >= 2 else None, artifact_name=f"valuation-{n}.joblib",
            artifact_sha256=str(n) * 64, evaluation_artifact_name=f"valuation-{n}e.joblib",
            evaluation_artifact_sha256=f"e{n}" * 32, metrics={"overall": {"mdape": 8.0 + n, "coverage": 79.5}},
            training_summary={"rows": 1000 * n}, features=["category", "usable_area"], params={"seed": n},
            training_seconds=12.5 * n, notes=f"version {n}", estimates_written_at=now, estimates_written=500 * n)
    for i, (kind, code, name, munis) in enumerate([("country", "NO", "Norge", []),
                                                   ("ssb_region", "ssb-1", "Oslo med Bærum", ["0301", "3201"]),
                                                   ("municipality", "4601", "Bergen", [])]):
        for quarter in range(1, 5):
            trend.objects.create(source="ssb" if i < 2 else "platform", metric="index", region_kind=kind,
                                 region_code=code, region_name=name, municipality_numbers=munis, dwelling_type="all",
                                 period=f"2024Q{quarter}", period_start=dt.date(2024, 3 * quarter - 2, 1),
                                 value=100.0 + quarter * 1.5 + i, sales=None if i < 2 else 20 + quarter, fetched_at=now)
    for bucket in (18, 19, 20):
        level.objects.create(municipality_number="4601", category="cabin", area_bucket=bucket,
                             median_estimate=3_000_000 + bucket * 1000, count=bucket, updated_at=now)


def _rows(models: dict) -> dict[str, list[dict]]:
    return {name: list(model.objects.order_by("id").values()) for name, model in models.items()}


@pytest.mark.django_db(transaction=True)
def test_moving_the_models_to_their_rooms_keeps_every_row_id_value_and_permission():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        # Given a database at the old layout, filled through the historical models, with a permission granted.
        executor.migrate(OLD_LAYOUT)
        old_apps = MigrationExecutor(connection).loader.project_state(OLD_LAYOUT[:1]).apps
        _fill(old_apps)
        before = _rows({name: old_apps.get_model("recommendations", model.__name__) for name, model in MOVED.items()})
        ContentType.objects.clear_cache()
        old_types = {ct.model: ct.pk for ct in ContentType.objects.filter(app_label="recommendations")}
        assert set(MOVED) <= set(old_types)
        permission = Permission.objects.get(content_type_id=old_types["valuationmodelversion"],
                                            codename="change_valuationmodelversion")
        staff = UserFactory(is_staff=True)
        group = Group.objects.create(name="valuation staff")
        group.permissions.add(permission)
        staff.groups.add(group)

        # When it is migrated to the new layout,
        MigrationExecutor(connection).migrate(leaves)
    finally:
        MigrationExecutor(connection).migrate(leaves)  # never leave the test database behind

    # then every row is still there with the same id and values, now read through the new apps' models,
    after = _rows(MOVED)
    assert after == before
    assert sum(len(rows) for rows in after.values()) == 3 + 12 + 3
    assert ValuationModelVersion.objects.get(is_active=True).version == 2
    # the tables keep their sequences and constraints,
    assert ValuationModelVersion.objects.create(version=4, artifact_name="v4.joblib").pk > before[
        "valuationmodelversion"][-1]["id"]
    with pytest.raises(IntegrityError), transaction.atomic():
        ValuationModelVersion.objects.filter(version=4).update(is_active=True)  # one active version only
    # and the content types are relabelled, so the permission granted before still holds.
    ContentType.objects.clear_cache()
    for name, model in MOVED.items():
        content_type = ContentType.objects.get_for_model(model)
        assert content_type.pk == old_types[name] and content_type.app_label == model._meta.app_label
    assert not ContentType.objects.filter(app_label="recommendations").exists()
    staff = type(staff).objects.get(pk=staff.pk)
    assert staff.has_perm("valuation.change_valuationmodelversion")


@pytest.mark.django_db
def test_the_models_match_their_migrations():
    call_command("makemigrations", "recommendations", "valuation", "market", "--check", "--dry-run", verbosity=0)
