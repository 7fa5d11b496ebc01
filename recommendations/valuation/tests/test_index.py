"""The market index: monthly where sales allow, quarterly where sparse, local shrunk toward national, nowcast."""
from datetime import date

import numpy as np
import pytest

from recommendations.valuation.frame import day_number
from recommendations.valuation.index import NOWCAST_SHRINK, MarketIndex, month_of


def days_in(year: int, month: int, n: int, rng) -> np.ndarray:
    first = day_number(date(year, month, 1))
    return (first + rng.integers(0, 28, n)).astype(float)


def index_with(levels: dict[tuple[int, int], tuple[int, float]], *, areas: int = 0, area: int = 0,
               seed: int = 0) -> MarketIndex:
    """An index fed `n` sales at `level` (log) in each (year, month), all in `area`."""
    rng = np.random.default_rng(seed)
    index = MarketIndex(areas)
    for (year, month), (n, level) in levels.items():
        day = days_in(year, month, n, rng)
        index.add(np.full(n, area), day, np.full(n, level))
    return index


def test_a_month_with_many_sales_stands_on_its_own():
    index = index_with({(2024, 1): (400, 0.0), (2024, 2): (400, 0.10), (2024, 3): (400, 0.0)})
    first, values = index.series()
    assert first == 2024 * 12
    assert values[0, 1] == pytest.approx(0.10 * 400 / 420 + 0.10 / 3 * 20 / 420, abs=1e-9)
    assert values[0, 1] > 0.09  # monthly, not smeared over the quarter


def test_a_sparse_month_is_read_quarterly():
    index = index_with({(2024, 1): (400, 0.0), (2024, 2): (4, 0.30), (2024, 3): (400, 0.0)})
    _, values = index.series()
    assert values[0, 1] < 0.06  # four sales at +30 % barely move it: the quarter decides


def test_a_month_without_sales_carries_the_level_before_it():
    index = index_with({(2024, 1): (400, 0.05), (2024, 5): (400, 0.05)})
    _, values = index.series()
    assert len(values[0]) == 5
    assert values[0, 2] == pytest.approx(0.05)


def test_a_local_index_is_the_national_one_plus_its_shrunk_deviation():
    rng = np.random.default_rng(1)
    index = MarketIndex(1)
    index.area_smoothing = (1.0, 30.0)  # half-life one month: the months either side weigh 1/2
    for month in (1, 2, 3):
        index.add(np.zeros(600, np.int64), days_in(2024, month, 600, rng), np.zeros(600))
        index.add(np.ones(30, np.int64), days_in(2024, month, 30, rng), np.full(30, 0.20))
    _, values = index.series()
    local, national = values[1, 1], values[0, 1]
    assert national == pytest.approx(0.20 * 30 / 630, abs=1e-9)
    deviation = (0.5 + 1 + 0.5) * 30 * (0.20 - national) / ((0.5 + 1 + 0.5) * 30 + 30)
    assert local == pytest.approx(national + deviation, abs=1e-9)


def local_market(*, per_month: int, drift: float, noise: float, seed: int = 0):
    """Four years of sales: a flat national market and one area whose deviation moves `drift` (log) a month."""
    rng = np.random.default_rng(seed)
    index = MarketIndex(1)
    area, day, u = [], [], []
    for k in range(48):
        year, month = 2021 + k // 12, k % 12 + 1
        for a, n, level in ((0, 400, 0.0), (1, per_month, drift * k)):
            area.append(np.full(n, a))
            day.append(days_in(year, month, n, rng))
            u.append(level + rng.normal(0, noise, n))
    area, day, u = np.concatenate(area), np.concatenate(day), np.concatenate(u)
    index.add(area, day, u)
    return index, area, day, u


def test_the_local_smoothing_follows_a_drifting_area_closely_and_a_steady_sparse_one_loosely():
    drifting = local_market(per_month=60, drift=0.02, noise=0.05)
    table = drifting[0].choose_area_smoothing(*drifting[1:])
    assert len(table) > 1
    half_life, shrink = drifting[0].area_smoothing
    assert half_life <= 3.0 and shrink == min(t["shrink"] for t in table)
    chosen = min(t["median_abs_error"] for t in table)
    assert chosen < 0.6 * max(t["median_abs_error"] for t in table)  # a long half-life lags the drift badly

    steady = local_market(per_month=2, drift=0.0, noise=0.4)
    steady[0].choose_area_smoothing(*steady[1:])
    half_life, shrink = steady[0].area_smoothing
    assert half_life >= 6.0 and shrink == max(t["shrink"] for t in table)


def test_the_nowcast_uses_the_months_before_and_this_months_sales_before_the_day():
    index = index_with({(2024, m): (300, 0.0) for m in range(1, 7)})
    rng = np.random.default_rng(2)
    july = days_in(2024, 7, 80, rng)
    index.add(np.zeros(80, np.int64), july, np.full(80, 0.10))
    ask = np.array([day_number(date(2024, 7, 1)), day_number(date(2024, 7, 15)), day_number(date(2024, 7, 31))],
                   float)
    now = index.value(np.zeros(3, np.int64), ask, nowcast=True)
    assert now[0] == pytest.approx(0.0, abs=1e-9)  # on the 1st nothing of July is known: a flat market stays flat
    seen = (july < ask[1]).sum()
    assert now[1] == pytest.approx(0.10 * seen / (seen + NOWCAST_SHRINK), abs=1e-9)
    assert now[2] > now[1] > 0.0

    later = index.copy()  # a sale on or after the day asked about changes nothing
    later.add(np.zeros(5, np.int64), np.full(5, ask[1]), np.full(5, 0.5))
    np.testing.assert_allclose(later.value(np.zeros(2, np.int64), ask[:2], nowcast=True), now[:2], atol=1e-12)


def test_the_nowcast_follows_a_rising_market_into_a_month_without_sales_yet():
    index = index_with({(2024, m): (500, 0.01 * m) for m in range(1, 13)})
    january = np.array([day_number(date(2025, 1, 2))], float)
    now = index.value(np.zeros(1, np.int64), january, nowcast=True)[0]
    _, values = index.series()
    assert now > values[0, -1]  # carried forward by the trend, not left a month behind
    assert now < values[0, -1] + 0.01 + 1e-9


def test_in_sample_values_use_the_months_on_both_sides_and_today_is_the_day_after_the_last_sale():
    index = index_with({(2024, 1): (300, 0.0), (2024, 2): (300, 0.02), (2024, 3): (300, 0.04)})
    feb = np.array([day_number(date(2024, 2, 10))], float)
    expected = 0.02 * 300 / 320 + 0.02 * 20 / 320  # the month shrunk toward its rolling quarter (Jan–Mar)
    assert index.value(np.zeros(1, np.int64), feb, nowcast=False)[0] == pytest.approx(expected)
    assert index.last_day + 1 > day_number(date(2024, 3, 1))
    assert month_of(np.array([index.last_day], float))[0] == 2024 * 12 + 2
