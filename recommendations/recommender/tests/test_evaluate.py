"""evaluate_recommender: bootstrap intervals per run, and the spread across seeds against sampling noise."""
import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from recommendations.recommender.management.commands.evaluate_recommender import bootstrap, spread_summary


def per_user(n, rec_mean, seed=0):
    rng = np.random.default_rng(seed)
    return {"random": rng.uniform(0, 0.1, n), "most popular": rng.uniform(0, 0.2, n),
            "filter-only": rng.uniform(0, 0.4, n), "recommender": np.clip(rng.normal(rec_mean, 0.2, n), 0, 1)}


def test_the_bootstrap_interval_holds_the_estimate_and_narrows_with_more_users():
    small, large = bootstrap(per_user(100, 0.4)), bootstrap(per_user(1000, 0.4))
    for result in (small, large):
        ratio = result["ratio"]
        assert ratio["low"] <= ratio["value"] <= ratio["high"]
        m = result["methods"]["recommender"]
        assert m["low"] <= m["ndcg"] <= m["high"]
    assert large["ratio"]["high"] - large["ratio"]["low"] < 0.6 * (small["ratio"]["high"] - small["ratio"]["low"])
    assert small["ratio"]["value"] == pytest.approx(
        per_user(100, 0.4)["recommender"].mean() / per_user(100, 0.4)["filter-only"].mean(), abs=1e-3)


def test_the_ratio_is_against_the_best_baseline_in_each_resample():
    data = per_user(300, 0.4)
    data["most popular"] = data["filter-only"].copy()[::-1]  # two baselines equally good: the max of both counts
    both = bootstrap(data)
    data["most popular"] = np.zeros(300)
    one = bootstrap(data)
    assert both["ratio"]["high"] <= one["ratio"]["high"] and both["ratio"]["low"] <= one["ratio"]["low"]


def test_the_spread_table_sets_the_seeds_sd_against_the_bootstrap_error():
    runs = []
    for users in (100, 1000):
        for seed in (1, 2, 3):
            run = bootstrap(per_user(users, 0.4, seed=seed), seed=seed)
            run["users_asked"] = users
            runs.append(run)
    rows = {row["users"]: row for row in spread_summary(runs)}
    assert rows[100]["runs"] == 3 and rows[100]["bootstrap_se"] > rows[1000]["bootstrap_se"]
    assert rows[1000]["lowest_low"] == min(r["ratio"]["low"] for r in runs if r["users_asked"] == 1000)
    assert rows[100]["between_seeds_sd"] > 0


@pytest.mark.django_db
def test_the_command_runs_every_user_count_and_seed_with_intervals():
    call_command("generate_demo", count=1200, seed=3, sales=600, stdout=io.StringIO())
    out = io.StringIO()
    call_command("evaluate_recommender", users="20,40", seeds="1,2", bootstrap=200, as_json=True, stdout=out)
    body = json.loads(out.getvalue())  # nothing but the JSON on stdout
    assert [(r["users_asked"], r["seed"]) for r in body["runs"]] == [(20, 1), (20, 2), (40, 1), (40, 2)]
    for run in body["runs"]:
        assert run["ratio"]["low"] <= run["ratio"]["value"] <= run["ratio"]["high"]
        assert set(run["methods"]) == {"random", "most popular", "filter-only", "recommender"}
    assert [row["users"] for row in body["spread"]] == [20, 40]


def test_the_command_refuses_user_counts_that_are_not_numbers(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="whole numbers"):
        call_command("evaluate_recommender", users="many", stdout=io.StringIO())
