"""The valuation model itself (no database): leakage, index lag, interval calibration, explanations."""
import numpy as np
import pytest

from recommendations.valuation.model import Valuer, _quarter, out_of_fold_levels
from recommendations.valuation.services import holdout_split, valuation_evaluate


def test_location_level_of_a_training_sale_never_uses_its_own_price():
    rng = np.random.default_rng(0)
    n = 400
    county, muni = rng.integers(0, 3, n), rng.integers(0, 12, n)
    cell = rng.integers(0, 30, n)
    r = rng.normal(0, 0.2, n)
    folds = rng.integers(0, 5, n)
    before = out_of_fold_levels(county, muni, cell, r, folds)
    r2 = r.copy()
    r2[7] += 50.0  # a wild price for sale 7
    after = out_of_fold_levels(county, muni, cell, r2, folds)
    np.testing.assert_allclose(after[7], before[7])
    assert not np.allclose(after[folds != folds[7]], before[folds != folds[7]])


def test_location_level_for_a_test_sale_uses_only_training_sales(demo_sales):
    train, test = holdout_split(demo_sales)
    model = Valuer(max_iter=60).fit(train)
    e = model.encode(test)
    levels_before = np.stack(model.levels.transform(e.county, e.muni, e.cell))
    wild = test.copy()
    wild.price = wild.price * np.random.default_rng(1).uniform(0.2, 5.0, wild.n)
    model.index_extend(wild)  # scoring the hold-out adds its quarters to the market index, nothing else
    np.testing.assert_array_equal(np.stack(model.levels.transform(e.county, e.muni, e.cell)), levels_before)


def test_a_hold_out_sale_is_valued_with_the_index_of_the_quarter_before_it(demo_sales):
    train, test = holdout_split(demo_sales)
    model = Valuer(max_iter=60).fit(train)
    model.index_extend(test)
    q = _quarter(test.sold_day)
    last = q.max()
    before = model.predict_log(test, lag=True)[q == last]
    shocked = test.copy()
    shocked.price = np.where(q == last, shocked.price * 3.0, shocked.price)
    model2 = Valuer(max_iter=60).fit(train)
    model2.index_extend(shocked)
    np.testing.assert_allclose(model2.predict_log(test, lag=True)[q == last], before, rtol=0, atol=1e-9)


def test_interval_covers_about_80_percent_of_held_out_sales(demo_sales):
    _, metrics = valuation_evaluate(frame=demo_sales)
    overall = metrics["overall"]
    assert 74 <= overall["coverage"] <= 86
    assert overall["mdape"] < 2 * metrics["noise_floor"]["mdape"]
    assert set(metrics["by_category"]) == {"residential", "cabin", "commercial"}
    assert metrics["by_county"] and metrics["noise_floor_by_county"]


def test_explanation_adds_up_to_the_difference_from_a_typical_property(demo_sales):
    model = Valuer(max_iter=60).fit(demo_sales)
    row = demo_sales.take(np.array([3]))
    phi = model.explain(row)
    reference = phi.pop("_reference")
    assert sum(phi.values()) + reference == pytest.approx(model.predict_log(row, at_today=True)[0], abs=1e-6)
    assert set(phi) >= {"location", "size", "type", "age", "features"}
