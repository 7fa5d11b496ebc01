"""Registry, activation, roll-back and estimates, on the database."""
import numpy as np
import pytest
import sklearn

from properties.models import Property
from recommendations.valuation import artifacts, selectors, services
from recommendations.valuation.errors import ArtifactRejected, NoPreviousVersion
from recommendations.valuation.model import Valuer
from recommendations.valuation.models import ValuationArtifact, ValuationModelVersion


class OverpricingValuer(Valuer):
    """A deliberately worse model: every value 40 % too high."""

    def predict_log(self, f, **kwargs):
        return super().predict_log(f, **kwargs) + np.log(1.4)


@pytest.fixture
def trained(demo_catalogue):
    return services.valuation_train(frame=selectors.sales_frame())


def estimates():
    return dict((pk, (e, lo, hi, src)) for pk, e, lo, hi, src in Property.objects.values_list(
        "id", "estimate", "estimate_low", "estimate_high", "estimate_source"))


def test_training_registers_a_version_with_metrics_features_and_a_checksummed_artifact(trained):
    assert trained.version == 1 and not trained.is_active
    assert {"overall", "by_category", "by_county", "noise_floor", "holdout", "sample"} <= set(trained.metrics)
    assert trained.metrics["holdout"]["test_rows"] == pytest.approx(0.2 * trained.training_summary["rows"], abs=1)
    assert "location level: municipality" in trained.features
    chosen = trained.params  # what fitting chose from the data is on record
    assert set(chosen["boosting_settings"]) == {"max_leaf_nodes", "min_samples_leaf", "l2_regularization"}
    assert chosen["index_smoothing"]["half_life_months"] > 0
    assert {"county", "municipality", "cell"} <= set(chosen["location_shrinkage"])
    assert set(chosen["location_shrinkage"]["cat_municipality"]) <= {"residential", "cabin", "commercial"}
    stored = ValuationArtifact.objects.get(name=trained.artifact_name)
    assert artifacts._sha256_bytes(bytes(stored.data)) == trained.artifact_sha256 == stored.sha256
    assert stored.sklearn_version == sklearn.__version__ and stored.numpy_version == np.__version__


def test_a_model_stored_in_the_database_is_loaded_by_another_process_without_any_file(trained, settings, tmp_path):
    settings.VALUATION_MODEL_DIR = tmp_path / "nowhere"  # no shared disk: the web process has only the database
    artifacts._loaded.clear()
    model = artifacts.valuation_model_for(version=trained)
    assert isinstance(model, Valuer) and not (tmp_path / "nowhere").exists()


def test_a_model_artifact_that_does_not_match_its_checksum_is_never_loaded(trained):
    stored = ValuationArtifact.objects.get(name=trained.artifact_name)
    stored.data = bytes(stored.data) + b"tampered"
    stored.save()
    with pytest.raises(ArtifactRejected) as caught:
        artifacts.valuation_model_for(version=trained)
    assert caught.value.extra["reason"] == "checksum"


def test_a_model_trained_under_another_scikit_learn_version_is_refused_with_the_versions(trained):
    ValuationArtifact.objects.filter(name=trained.artifact_name).update(sklearn_version="0.24.2")
    with pytest.raises(ArtifactRejected) as caught:
        artifacts.valuation_model_for(version=trained)
    assert caught.value.extra["reason"] == "library_versions"
    assert "0.24.2" in caught.value.message and sklearn.__version__ in caught.value.message


def test_a_missing_model_artifact_is_refused_as_missing(trained):
    ValuationArtifact.objects.filter(name=trained.artifact_name).delete()
    with pytest.raises(ArtifactRejected) as caught:
        artifacts.valuation_model_for(version=trained)
    assert caught.value.extra["reason"] == "missing"


def test_a_model_file_from_before_the_database_store_is_imported_once_and_loaded(trained, settings):
    stored = ValuationArtifact.objects.get(name=trained.artifact_name)
    directory = settings.VALUATION_MODEL_DIR
    directory.mkdir(parents=True, exist_ok=True)
    (directory / trained.artifact_name).write_bytes(bytes(stored.data))
    stored.delete()
    artifacts._loaded.clear()
    assert isinstance(artifacts.valuation_model_for(version=trained), Valuer)
    assert ValuationArtifact.objects.get(name=trained.artifact_name).sha256 == trained.artifact_sha256


def test_a_model_artifact_without_a_registry_row_is_never_loaded(trained):
    name, sha = artifacts.valuation_artifact_write(model=Valuer())
    with pytest.raises(ArtifactRejected):
        artifacts.valuation_artifact_load(name=name, sha256=sha)
    with pytest.raises(ArtifactRejected):
        artifacts.valuation_artifact_load(name="../../etc/passwd", sha256=trained.artifact_sha256)


def test_a_model_is_loaded_once_per_process(trained):
    assert artifacts.valuation_model_for(version=trained) is artifacts.valuation_model_for(version=trained)


def test_activating_enqueues_the_registered_estimates_task_which_writes_them(trained, monkeypatch,
                                                                            django_capture_on_commit_callbacks):
    from celery import current_app

    monkeypatch.setitem(current_app.conf, "task_always_eager", True)  # run it here, whatever the broker
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.valuation_version_activate(version=trained)
    assert len(callbacks) == 1
    assert set(estimates()) == set(Property.objects.active().values_list("id", flat=True))
    assert {src for _e, _lo, _hi, src in estimates().values()} == {"valuation-v1"}


def test_activating_writes_an_estimate_with_its_interval_for_every_property(
    trained, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.valuation_version_activate(version=trained)
    assert len(callbacks) == 1  # the estimates task is enqueued after commit
    written = services.valuation_estimates_write(version_id=trained.pk)
    assert written == Property.objects.count()
    rows = estimates()
    assert all(src == "valuation-v1" and lo <= e <= hi and lo < hi for e, lo, hi, src in rows.values())
    trained.refresh_from_db()
    assert trained.estimates_written == written


def test_a_rollback_restores_the_previous_estimates(trained, monkeypatch):
    services.valuation_version_activate(version=trained, enqueue=False)
    services.valuation_estimates_write(version_id=trained.pk)
    first = estimates()
    monkeypatch.setattr(services, "Valuer", OverpricingValuer)
    second = services.valuation_train(frame=selectors.sales_frame())
    services.valuation_version_activate(version=second, enqueue=False)
    services.valuation_estimates_write(version_id=second.pk)
    assert estimates() != first

    restored = services.valuation_version_rollback(enqueue=False)
    services.valuation_estimates_write(version_id=restored.pk)

    assert restored.pk == trained.pk and selectors.valuation_version_active() == trained
    assert estimates() == first


def test_rollback_without_an_earlier_version_is_refused(trained):
    services.valuation_version_activate(version=trained, enqueue=False)
    with pytest.raises(NoPreviousVersion):
        services.valuation_version_rollback(enqueue=False)


def test_a_model_that_is_worse_on_the_same_hold_out_is_not_activated(trained, monkeypatch):
    services.valuation_version_activate(version=trained, enqueue=False)
    monkeypatch.setattr(services, "Valuer", OverpricingValuer)

    candidate, activated, comparison = services.valuation_train_and_maybe_activate(enqueue=False)

    assert not activated
    assert comparison["candidate"]["mdape"] > comparison["baseline"]["mdape"]
    assert selectors.valuation_version_active() == trained
    assert ValuationModelVersion.objects.filter(is_active=True).count() == 1
    assert "not activated" in candidate.notes


def test_a_model_that_is_not_worse_is_activated(trained):
    services.valuation_version_activate(version=trained, enqueue=False)
    candidate, activated, _ = services.valuation_train_and_maybe_activate(enqueue=False)
    assert activated and selectors.valuation_version_active() == candidate


def test_estimates_stop_when_another_version_became_active(trained):
    assert services.valuation_estimates_write(version_id=trained.pk) == 0  # never activated


@pytest.mark.django_db(transaction=True)
def test_estimates_written_by_several_connections_cover_every_property_once_with_the_same_values(demo_catalogue):
    version = services.valuation_train(frame=selectors.sales_frame())
    services.valuation_version_activate(version=version, enqueue=False)
    assert services.valuation_estimates_write(version_id=version.pk, workers=1, batch_size=500) == 1500
    sequential = estimates()
    Property.objects.update(estimate=None, estimate_low=None, estimate_high=None, estimate_source="")
    lines = []

    written = services.valuation_estimates_write(
        version_id=version.pk, workers=3, batch_size=170, progress=lines.append
    )

    assert written == 1500 and len(lines) == 9  # 1,500 / 170: nine slices, one progress line each
    assert lines[-1].split()[0] == "1,500"
    assert estimates() == sequential
    version.refresh_from_db()
    assert version.estimates_written == 1500


def test_every_versions_estimate_is_kept_per_property_through_a_rollback(trained, monkeypatch):
    from recommendations.valuation.models import PropertyEstimateHistory

    services.valuation_version_activate(version=trained, enqueue=False)
    services.valuation_estimates_write(version_id=trained.pk)
    first = estimates()
    monkeypatch.setattr(services, "Valuer", OverpricingValuer)
    second = services.valuation_train(frame=selectors.sales_frame())
    services.valuation_version_activate(version=second, enqueue=False)
    services.valuation_estimates_write(version_id=second.pk)
    services.valuation_version_rollback(enqueue=False)
    services.valuation_estimates_write(version_id=trained.pk)

    kept = {(h.property_id, h.version_id): (h.estimate, h.low, h.high) for h in PropertyEstimateHistory.objects.all()}
    assert len(kept) == 2 * Property.objects.count()
    assert all(kept[(pk, trained.pk)] == (e, lo, hi) for pk, (e, lo, hi, _src) in first.items())
    assert all(kept[(pk, second.pk)][0] > kept[(pk, trained.pk)][0] for pk in first)
    prop = Property.objects.order_by("id").first()
    assert [p.version for p in selectors.property_estimate_history(prop=prop)] == [1, 2]


def test_the_hold_out_figures_are_kept_per_category_and_county_for_the_property_page(trained):
    rows = trained.metrics["by_category_county"]
    assert rows and all("|" in key and row["n"] >= 1 for key, row in rows.items())
    key, row = max(rows.items(), key=lambda item: item[1]["n"])
    category, county = key.split("|")
    accuracy = selectors.valuation_accuracy_for(version=trained, category=category, county_number=county)
    assert accuracy.scope == "category_county" and accuracy.mdape == row["mdape"] and accuracy.sales == row["n"]
    nowhere = selectors.valuation_accuracy_for(version=trained, category=category, county_number="99")
    assert nowhere.scope == "category" and nowhere.sales == trained.metrics["by_category"][category]["n"]
