"""Comparable-sales features: exact nearest earlier sales, never a sale on or after the row's date."""
import numpy as np

from recommendations.valuation.neighbours import Comparables, K, knn_before


def brute_force(ref_xy, ref_day, q_xy, q_day, k):
    out = []
    for xy, day in zip(q_xy, q_day, strict=True):
        d = np.sqrt(((ref_xy - xy) ** 2).sum(axis=1))
        d[ref_day >= day] = np.inf
        out.append(np.sort(d)[:k])
    return np.array(out)


def test_the_nearest_earlier_sales_are_exact_across_every_block_size():
    rng = np.random.default_rng(0)
    n = 3000
    ref_day = np.sort(rng.integers(0, 400, n)).astype(float)
    ref_xy = rng.uniform(0, 50, (n, 2))
    q_xy = rng.uniform(0, 50, (500, 2))
    q_day = rng.integers(0, 420, 500).astype(float)
    d, i = knn_before(ref_xy, ref_day, q_xy, q_day, 7)
    np.testing.assert_allclose(np.sort(d, axis=1), brute_force(ref_xy, ref_day, q_xy, q_day, 7))
    found = i >= 0
    assert (ref_day[i[found]] < np.repeat(q_day[:, None], 7, axis=1)[found]).all()


def test_a_row_on_the_first_day_has_no_comparables():
    ref_day = np.array([5.0, 5.0, 6.0])
    d, i = knn_before(np.zeros((3, 2)), ref_day, np.zeros((1, 2)), np.array([5.0]), 3)
    assert (i == -1).all() and np.isinf(d).all()


def comparables(rng, n=2000):
    comps = Comparables((1.0, 1.0))
    comps.add(lat=rng.uniform(0, 20, n), lon=rng.uniform(0, 20, n), day=rng.integers(0, 1000, n).astype(float),
              cat=rng.integers(1, 3, n), ppm=rng.normal(10, 0.3, n), resid=rng.normal(0, 0.2, n))
    return comps


def test_a_sales_comparable_features_never_use_sales_on_or_after_its_date():
    rng = np.random.default_rng(1)
    comps = comparables(rng)
    lat, lon = rng.uniform(0, 20, 300), rng.uniform(0, 20, 300)
    cat, day = rng.integers(1, 3, 300), rng.integers(100, 1000, 300).astype(float)
    before, used = comps.features(lat=lat, lon=lon, cat=cat, day=day, today=1000.0)
    assert (used == K).all() and np.isfinite(before).all()
    for row in range(0, 300, 37):  # every sale on or after this row's day priced wildly: its features stay
        wild = comps.copy()
        later = wild.day >= day[row]
        wild.ppm[later] += 5.0
        wild.resid[later] -= 5.0
        after, _ = wild.features(lat=lat[row:row + 1], lon=lon[row:row + 1], cat=cat[row:row + 1],
                                 day=day[row:row + 1], today=1000.0)
        np.testing.assert_allclose(after[0], before[row])
    wild = comps.copy()  # while changing the earlier sales does change them
    wild.ppm[wild.day < day.min()] += 5.0
    changed, _ = wild.features(lat=lat, lon=lon, cat=cat, day=day, today=1000.0)
    assert not np.allclose(changed[:, 0], before[:, 0])


def test_valuing_today_uses_every_known_sale_of_the_same_category():
    rng = np.random.default_rng(2)
    comps = comparables(rng)
    point = {"lat": np.array([10.0]), "lon": np.array([10.0])}
    ones, _ = comps.features(**point, cat=np.array([1]), day=None, today=1000.0)
    twos, _ = comps.features(**point, cat=np.array([2]), day=None, today=1000.0)
    d = np.sqrt((comps.xy[:, 0] - 10) ** 2 + (comps.xy[:, 1] - 10) ** 2)
    nearest_one = np.sort(d[comps.cat == 1])[:K]
    assert ones[0, 3] == np.median(nearest_one)
    assert ones[0, 3] != twos[0, 3]


def test_a_property_without_coordinates_or_a_file_without_them_gets_missing_features():
    rng = np.random.default_rng(3)
    comps = comparables(rng)
    feats, used = comps.features(lat=np.array([np.nan]), lon=np.array([1.0]), cat=np.array([1]), day=None,
                                 today=1000.0)
    assert np.isnan(feats).all() and used[0] == 0
    none = Comparables(None)
    none.add(lat=np.ones(3), lon=np.ones(3), day=np.ones(3), cat=np.ones(3, np.int64), ppm=np.ones(3),
             resid=np.ones(3))
    feats, used = none.features(lat=np.ones(1), lon=np.ones(1), cat=np.ones(1, np.int64), day=None, today=2.0)
    assert np.isnan(feats).all() and used[0] == 0
