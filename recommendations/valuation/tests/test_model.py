"""The valuation model itself (no database): leakage, index lag, interval calibration, explanations."""
import numpy as np
import pytest

from recommendations.valuation.model import Levels, Valuer, out_of_fold_levels
from recommendations.valuation.services import holdout_split, valuation_evaluate
from recommendations.valuation.tests.conftest import small


def test_location_level_of_a_training_sale_never_uses_its_own_price():
    rng = np.random.default_rng(0)
    n = 400
    county, muni = rng.integers(0, 3, n), rng.integers(0, 12, n)
    cell = rng.integers(0, 30, n)
    cat = rng.integers(1, 3, n)
    r = rng.normal(0, 0.2, n)
    folds = rng.integers(0, 5, n)
    before = out_of_fold_levels(county, muni, cell, cat, r, folds)
    r2 = r.copy()
    r2[7] += 50.0  # a wild price for sale 7
    after = out_of_fold_levels(county, muni, cell, cat, r2, folds)
    np.testing.assert_allclose(after[7], before[7])
    assert not np.allclose(after[folds != folds[7]], before[folds != folds[7]])


def places(*, munis: int, per_muni: int, spread: float, seed: int = 0):
    """Sales in `munis` municipalities of one county whose true levels differ by `spread` (sd, log), noise 0.1."""
    rng = np.random.default_rng(seed)
    muni = np.repeat(np.arange(munis), per_muni)
    truth = rng.normal(0, spread, munis)
    r = truth[muni] + rng.normal(0, 0.1, len(muni))
    return np.zeros(len(muni), np.int64), muni, np.full(len(muni), -1), truth, r


def test_places_that_differ_keep_their_own_level_and_places_that_do_not_are_pooled():
    county, muni, cell, truth, r = places(munis=40, per_muni=8, spread=0.3)
    lv = Levels.fit(county, muni, cell, np.ones(len(r), np.int64), r)
    _, m, _ = lv.transform(county, muni, cell, np.ones(len(r), np.int64))
    assert lv.shrink["municipality"] < 2  # the places really differ: a few sales say a lot
    assert np.corrcoef(m[::8], truth)[0, 1] > 0.95

    county, muni, cell, truth, r = places(munis=40, per_muni=8, spread=0.0)
    lv = Levels.fit(county, muni, cell, np.ones(len(r), np.int64), r)
    _, m, _ = lv.transform(county, muni, cell, np.ones(len(r), np.int64))
    assert lv.shrink["municipality"] > 50  # no real differences: the means are noise and are pooled
    assert np.std(m[::8]) < 0.01


def test_a_category_keeps_its_own_level_in_a_place():
    rng = np.random.default_rng(3)
    n = 2000
    muni, cat = rng.integers(0, 20, n), rng.integers(1, 3, n)  # 1: cabins, 2: homes
    home_level, cabin_level = rng.normal(0, 0.3, 20), rng.normal(0, 0.3, 20)
    r = np.where(cat == 2, home_level[muni], cabin_level[muni]) + rng.normal(0, 0.1, n)
    county, cell = np.zeros(n, np.int64), np.full(n, -1)
    lv = Levels.fit(county, muni, cell, cat, r)
    places = np.arange(20)
    for code, truth in ((1, cabin_level), (2, home_level)):
        _, m, g = lv.transform(np.zeros(20, np.int64), places, np.full(20, -1), np.full(20, code))
        np.testing.assert_allclose(m, truth, atol=0.06)  # 50 sales each; one level for both would miss by ~0.2
        np.testing.assert_array_equal(g, m)  # no grid cell: the municipality's level


def test_one_wild_sale_moves_a_places_level_little():
    county, muni, cell, _, r = places(munis=30, per_muni=10, spread=0.2, seed=4)
    cat = np.ones(len(r), np.int64)
    before = Levels.fit(county, muni, cell, cat, r).transform(county, muni, cell, cat)[1][0]
    wild = r.copy()
    wild[0] += 3.0  # twenty times the price, in a place with ten sales
    after = Levels.fit(county, muni, cell, cat, wild).transform(county, muni, cell, cat)[1][0]
    assert 0 < after - before < 0.05  # a plain mean would move by about 0.3


def test_location_level_for_a_test_sale_uses_only_training_sales(demo_sales):
    train, test = holdout_split(demo_sales)
    model = Valuer(max_iter=60).fit(train)
    e = model.encode(test)
    levels_before = np.stack(model.levels.transform(e.county, e.muni, e.cell, e.cat))
    wild = test.copy()
    wild.price = wild.price * np.random.default_rng(1).uniform(0.2, 5.0, wild.n)
    model.sales_extend(wild)  # scoring the hold-out adds its sales to the index and comparables, nothing else
    np.testing.assert_array_equal(np.stack(model.levels.transform(e.county, e.muni, e.cell, e.cat)), levels_before)


def test_a_hold_out_sale_is_valued_with_only_the_sales_before_its_date(demo_sales):
    train, test = holdout_split(demo_sales)
    model = Valuer(max_iter=60, tune=False).fit(train)
    day = np.sort(test.sold_day)[test.n // 2]  # a day in the middle of the hold-out
    on_day = test.sold_day == day
    scored = model.scoring_copy()
    scored.sales_extend(test)
    before = scored.predict_log(test, lag=True)[on_day]

    shocked = test.copy()  # every sale on or after that day three times as dear: nothing known then
    shocked.price = np.where(test.sold_day >= day, shocked.price * 3.0, shocked.price)
    again = model.scoring_copy()
    again.sales_extend(shocked)
    np.testing.assert_allclose(again.predict_log(test, lag=True)[on_day], before, rtol=0, atol=1e-9)

    earlier = test.copy()  # the month's earlier sales dearer: the nowcast and the comparables see them
    earlier.price = np.where(test.sold_day < day, earlier.price * 1.5, earlier.price)
    third = model.scoring_copy()
    third.sales_extend(earlier)
    assert np.median(third.predict_log(test, lag=True)[on_day] - before) > 0.02


def test_scoring_a_copy_leaves_the_model_untouched(demo_sales):
    train, test = holdout_split(demo_sales)
    model = Valuer(max_iter=60, tune=False).fit(train)
    today = model.predict_log(test, at_today=True)
    copy = model.scoring_copy()
    copy.sales_extend(test)
    np.testing.assert_array_equal(model.predict_log(test, at_today=True), today)
    assert copy.today_day() > model.today_day()


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


def test_a_model_file_of_the_earlier_layout_is_refused_with_what_to_do(demo_sales):
    from recommendations.valuation.model import ModelFormatError

    model = Valuer(max_iter=30, tune=False).fit(small(demo_sales, 2000))
    del model.format  # as unpickled from a file written before the monthly index existed
    with pytest.raises(ModelFormatError, match="train_valuation"):
        model.predict_log(small(demo_sales, 5), at_today=True)
