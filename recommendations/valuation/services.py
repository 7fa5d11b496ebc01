"""Valuation writes: train and evaluate, register versions, activate / roll back, write estimates.

Every interface (management commands, Celery tasks, the admin) calls these functions.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from properties.models import Property
from properties.services import property_estimates_set

from . import selectors
from .artifacts import valuation_artifact_write, valuation_model_for
from .errors import ArtifactRejected, NoPreviousVersion, NotEnoughSales
from .frame import TAGS, Frame
from .metrics import accuracy, grouped
from .model import ModelFormatError, Valuer
from .models import PropertyEstimateHistory, ValuationModelVersion

logger = logging.getLogger(__name__)
Progress = Callable[[str], None] | None
PLOT_SAMPLE = 1500
MIN_SALES = 200
# Registered name of tasks.valuation_estimates_write_task, enqueued by name so this module does not
# import the tasks that import it. The name predates the valuation room and stays, so queued
# messages and schedules keep resolving.
ESTIMATES_WRITE_TASK = "recommendations.tasks.valuation_estimates_write_task"

# --- training and evaluation -----------------------------------------------------------------

def holdout_split(frame: Frame, *, share: float | None = None) -> tuple[Frame, Frame]:
    """Time-based split: the newest `share` of sales (by sale date) is the hold-out."""
    share = settings.VALUATION_HOLDOUT_SHARE if share is None else share
    order = np.argsort(frame.sold_day, kind="stable")
    cut = int(round(frame.n * (1 - share)))
    return frame.take(order[:cut]), frame.take(order[cut:])


def valuation_score(*, model: Valuer, test: Frame) -> dict:
    """Value the hold-out sales as new sales (only the sales before each one's date) and measure."""
    model.sales_extend(test)
    est, low, high = model.predict(test, lag=True)
    county = test.text["county"]
    category = test.text["category"]
    out: dict[str, Any] = {
        "overall": accuracy(test.price, est, low, high),
        "by_category": grouped(category, test.price, est, low, high),
        "by_county": grouped(county, test.price, est, low, high),
        # what the property page says about estimates of this kind here (selectors.valuation_accuracy_for)
        "by_category_county": grouped(np.array([f"{c}|{k}" for c, k in zip(category, county, strict=True)]),
                                      test.price, est, low, high),
    }
    if test.true_value is not None and np.isfinite(test.true_value).any():
        out["noise_floor"] = accuracy(test.price, test.true_value)
        out["noise_floor_by_category"] = grouped(category, test.price, test.true_value)
        out["noise_floor_by_county"] = grouped(county, test.price, test.true_value)
        floor = out["noise_floor"]["mdape"]
        out["mdape_vs_floor"] = round(out["overall"]["mdape"] / floor, 3) if floor else None
    rng = np.random.default_rng(0)
    pick = rng.choice(test.n, min(PLOT_SAMPLE, test.n), replace=False)
    out["sample"] = {"actual": test.price[pick].round().tolist(), "predicted": est[pick].round().tolist(),
                     "category": category[pick].tolist()}
    return out


def valuation_evaluate(*, frame: Frame, seed: int = 0, progress: Progress = None) -> tuple[Valuer, dict]:
    """Train on the older sales, test on the newest 20 %: the honest figures of this training recipe."""
    if frame.n < MIN_SALES:
        raise NotEnoughSales(f"At least {MIN_SALES} sales are needed; there are {frame.n}.")
    train, test = holdout_split(frame)
    started = time.monotonic()
    model = Valuer(seed=seed, progress=progress).fit(train)
    fit_seconds = time.monotonic() - started
    metrics = valuation_score(model=_fresh_copy(model), test=test)
    metrics["holdout"] = {"train_rows": train.n, "test_rows": test.n,
                          "test_from_day": float(test.sold_day.min()), "fit_seconds": round(fit_seconds, 1)}
    return model, metrics


def feature_names(model: Valuer) -> list[str]:
    base = ["category", "building_type", "usable_area", "plot_area", "age (year built)", "rooms", "bedrooms", "floors",
            "latitude", "longitude", "location level: county", "location level: municipality",
            "location level: grid cell", "hedonic baseline", "comparable sales: log price per m²",
            "comparable sales: spread", "comparable sales: residual", "comparable sales: distance",
            "nearest earlier sale: distance", "nearest earlier sale: residual",
            "nearest earlier sale: log price per m²", "nearest earlier sale: age (days)",
            "nearest earlier sale: residual against the grid-cell level",
            "nearest earlier sale: log price per m² against the neighbours'"]
    tags = [f"feature: {t}" for t in (TAGS if model.has_tags else ())]
    return base + tags + [f"extra: {n}" for n in model.extra_num_names + model.extra_text_names]


def valuation_train(*, frame: Frame | None = None, seed: int = 0, progress: Progress = None,
                    notes: str = "") -> ValuationModelVersion:
    """Evaluate on a time-based hold-out, train the production model on every sale, register a version."""
    say = progress or (lambda message: logger.info(message))
    started = time.monotonic()
    if frame is None:
        say("loading sales")
        frame = selectors.sales_frame()
    say(f"{frame.n:,} sales; evaluating on the newest {settings.VALUATION_HOLDOUT_SHARE:.0%}")
    eval_model, metrics = valuation_evaluate(frame=frame, seed=seed, progress=say)
    overall = metrics["overall"]
    say(f"hold-out: MdAPE {overall['mdape']}%, PE10 {overall['pe10']}%, PE20 {overall['pe20']}%, "
        f"coverage {overall.get('coverage')}%, R² {overall['r2_log']}")
    say("training the production model on every sale")
    t0 = time.monotonic()
    model = Valuer(seed=seed, progress=say).fit(frame)
    production_seconds = time.monotonic() - t0
    name, sha = valuation_artifact_write(model=model)
    eval_name, eval_sha = valuation_artifact_write(model=eval_model)
    with transaction.atomic():
        number = (ValuationModelVersion.objects.select_for_update().aggregate(m=Max("version"))["m"] or 0) + 1
        version = ValuationModelVersion.objects.create(
            version=number, artifact_name=name, artifact_sha256=sha, evaluation_artifact_name=eval_name,
            evaluation_artifact_sha256=eval_sha, metrics=metrics, training_summary=frame.summary(),
            features=feature_names(model),
            params={"seed": seed, "max_iter": model.max_iter, "learning_rate": model.learning_rate,
                    "calibration_share": model.calibration_share, "boosting_iterations": int(model.gbm.n_iter_),
                    "interval": {str(k): v for k, v in model.interval.items()},
                    "boosting_settings": model.boosting_params, **model.chosen_settings(),
                    "production_fit_seconds": round(production_seconds, 1)},
            training_seconds=round(time.monotonic() - started, 1), notes=notes,
        )
    say(f"registered {version.label}")
    return version


def valuation_compare(*, candidate: ValuationModelVersion, baseline: ValuationModelVersion,
                      frame: Frame | None = None) -> dict:
    """Both versions' hold-out models scored on the candidate's hold-out (the newest sales now)."""
    frame = selectors.sales_frame() if frame is None else frame
    _, test = holdout_split(frame)
    out = {}
    for key, version in (("candidate", candidate), ("baseline", baseline)):
        if not version.evaluation_artifact_name:
            out[key] = version.metrics.get("overall", {})
            continue
        model = valuation_model_for(version=version, evaluation=True)
        out[key] = valuation_score(model=_fresh_copy(model), test=test)["overall"]
    return out


def _fresh_copy(model: Valuer) -> Valuer:
    """Scoring extends the market index and the comparable sales; keep the cached model untouched."""
    return model.scoring_copy()


def is_not_worse(*, candidate: dict, baseline: dict, mdape_tolerance: float = 0.1) -> bool:
    """Not worse: MdAPE at most 0.1 point higher, and coverage no further from 80 % (1 point slack)."""
    if not baseline or baseline.get("mdape") is None:
        return True
    if candidate.get("mdape") is None or candidate["mdape"] > baseline["mdape"] + mdape_tolerance:
        return False
    off = abs((candidate.get("coverage") or 0) - 80)
    return off <= max(abs((baseline.get("coverage") or 0) - 80) + 1.0, 5.0)


# --- activation and estimates --------------------------------------------------------------------

@transaction.atomic
def valuation_version_activate(*, version: ValuationModelVersion, enqueue: bool = True) -> ValuationModelVersion:
    """Make `version` the active one and (by default) enqueue writing its estimates for every property."""
    ValuationModelVersion.objects.select_for_update().filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    version.is_active = True
    version.activated_at = timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    if enqueue:
        task = current_app.signature(ESTIMATES_WRITE_TASK, kwargs={"version_id": version.pk})
        transaction.on_commit(task.delay)
    return version


def valuation_version_rollback(*, enqueue: bool = True) -> ValuationModelVersion:
    """Re-activate the version that was active before the current one."""
    current = selectors.valuation_version_active()
    earlier = ValuationModelVersion.objects.filter(activated_at__isnull=False, is_active=False)
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
    previous = earlier.order_by("-activated_at").first()
    if previous is None:
        raise NoPreviousVersion("There is no earlier active version to roll back to.")
    return valuation_version_activate(version=previous, enqueue=enqueue)


def valuation_estimates_write(*, version_id: int, batch_size: int | None = None, workers: int | None = None,
                              progress: Progress = None) -> int:
    """Value every active property with the version (if it is still the active one) and store the estimates.

    The id range is cut into slices of about `batch_size` properties; each slice is read, valued and
    written in its own statement. The time goes to PostgreSQL maintaining every index for every row,
    one core per connection, so `workers` slices run at once on their own connections (threads; the
    model's prediction releases the GIL). Inside a transaction, or on SQLite, it runs in the caller's
    connection, one slice at a time. Safe to run twice: rows already holding their values are left
    alone (property_estimates_set). Stops when another version becomes active.
    """
    version = ValuationModelVersion.objects.get(pk=version_id)
    if not version.is_active:
        return 0
    model = valuation_model_for(version=version)
    batch_size = batch_size or settings.VALUATION_ESTIMATE_BATCH
    workers = max(1, workers or settings.VALUATION_ESTIMATE_WORKERS)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1
    started = time.monotonic()
    written = 0
    counter = threading.Lock()

    def write_slice(bounds: tuple[int, int]) -> None:
        nonlocal written
        try:
            if not ValuationModelVersion.objects.filter(pk=version_id, is_active=True).exists():
                return
            ids, frame = selectors.property_frame_between(low=bounds[0], high=bounds[1])
            if not ids:
                return
            est, low, high = model.predict(frame, at_today=True)
            rows = [(pid, int(round(e, -3)), int(round(lo, -3)), int(round(hi, -3)))
                    for pid, e, lo, hi in zip(ids, est.tolist(), low.tolist(), high.tolist(), strict=True)]
            n = property_estimates_set(estimates=[(pid, e, min(lo, e), max(hi, e)) for pid, e, lo, hi in rows],
                                       source=version.label, batch_size=len(rows))
            with counter:
                written += n
                if progress:
                    progress(f"{written:>10,} estimates written ({written / (time.monotonic() - started):,.0f}/s)")
        finally:
            if workers > 1:
                connection.close()  # this thread's own connection

    slices = selectors.property_id_slices(size=batch_size)
    if workers == 1:
        for bounds in slices:
            write_slice(bounds)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="estimates") as pool:
            list(pool.map(write_slice, slices))
    if ValuationModelVersion.objects.filter(pk=version_id, is_active=True).exists():
        valuation_estimate_history_record(version=version)
    ValuationModelVersion.objects.filter(pk=version_id).update(estimates_written_at=timezone.now(),
                                                               estimates_written=written)
    return written


def valuation_property_estimate(*, property_id: int) -> bool:
    """Value one property again with the active version (its facts changed, e.g. an owner corrected them).

    Reads the facts in force (an owner's where they supplied one); which sources they came from is in the
    property's fact_sources, which the valuation's explanation shows. Returns whether an estimate was written
    (not without an active version, a loadable model, or for a retired property). Safe to run twice."""
    version = selectors.valuation_version_active()
    prop = Property.objects.active().filter(pk=property_id).first()
    if version is None or prop is None:
        return False
    try:
        model = valuation_model_for(version=version)
    except (ArtifactRejected, ModelFormatError) as exc:
        logger.warning("valuation model %s unavailable for a single estimate: %s", version.label, type(exc).__name__)
        return False
    est, low, high = model.predict(selectors.property_frame(prop=prop), at_today=True)
    e, lo, hi = (int(round(float(x[0]), -3)) for x in (est, low, high))
    property_estimates_set(estimates=[(prop.pk, e, min(lo, e), max(hi, e))], source=version.label)
    return True


def valuation_estimate_history_record(*, version: ValuationModelVersion) -> int:
    """Keep this version's estimate of every property it valued (one row per property and version; a re-run or a
    rollback to the version updates its rows). One statement inside the database. Returns rows written."""
    table, properties = PropertyEstimateHistory._meta.db_table, Property._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (property_id, version_id, estimate, low, high, estimated_at) "
            f"SELECT id, %s, estimate, estimate_low, estimate_high, %s FROM {properties} "
            "WHERE estimate_source = %s AND estimate IS NOT NULL AND estimate_low IS NOT NULL "
            "AND estimate_high IS NOT NULL "
            "ON CONFLICT (property_id, version_id) DO UPDATE SET estimate = excluded.estimate, low = excluded.low, "
            f"high = excluded.high, estimated_at = excluded.estimated_at WHERE {table}.estimate <> excluded.estimate "
            f"OR {table}.low <> excluded.low OR {table}.high <> excluded.high",
            [version.pk, timezone.now(), version.label])
        return max(cursor.rowcount, 0)


def valuation_train_and_maybe_activate(*, activate_if_not_worse: bool = True, progress: Progress = None,
                                       enqueue: bool = True) -> tuple[ValuationModelVersion, bool, dict]:
    """The weekly job: train, evaluate, and activate the new version only if it is not worse than the active one
    on the same hold-out. Returns (version, activated, comparison)."""
    frame = selectors.sales_frame()
    version = valuation_train(frame=frame, progress=progress)
    active = selectors.valuation_version_active()
    comparison = {}
    activated = False
    if activate_if_not_worse:
        if active is None:
            activated = True
        else:
            comparison = valuation_compare(candidate=version, baseline=active, frame=frame)
            activated = is_not_worse(candidate=comparison["candidate"], baseline=comparison["baseline"])
        if activated:
            valuation_version_activate(version=version, enqueue=enqueue)
        version.notes = (version.notes + f"\nCompared with {active.label if active else 'nothing'}: {comparison}; "
                         f"{'activated' if activated else 'not activated (worse)'}").strip()
        version.save(update_fields=["notes"])
    return version, activated, comparison
