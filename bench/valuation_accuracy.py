"""Valuation accuracy on the demo generator: hold-out MdAPE against the noise floor, per catalogue size and seed.

    .venv/bin/python bench/valuation_accuracy.py [--sizes 20000,200000] [--seeds 1,2,3] [--json FILE]

For each size N and seed: N demo properties (``standins.demo.generate_arrays(count=N, seed=seed)``, as many sales as
properties), the valuation recipe's own evaluation (``valuation_evaluate``: train on the older 80 % of sales, value the
newest 20 % as new sales), and the generator's noise-free values on the same hold-out (the noise floor: the MdAPE a
perfect model would still have). Prints one line per run and a table at the end. No database.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epty.settings.local")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--json", default="")
    args = parser.parse_args()

    import django

    django.setup()
    from recommendations.valuation.services import valuation_evaluate
    from standins import demo
    from standins.valuation import from_demo_arrays

    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for seed in [int(s) for s in args.seeds.split(",")]:
            frame = from_demo_arrays(demo.generate_arrays(count=size, seed=seed))
            started = time.monotonic()
            _, metrics = valuation_evaluate(frame=frame, seed=seed)
            took = time.monotonic() - started
            o, floor = metrics["overall"], metrics["noise_floor"]
            row = {"size": size, "seed": seed, "sales": frame.n, "mdape": o["mdape"], "floor": floor["mdape"],
                   "ratio": metrics["mdape_vs_floor"], "pe10": o["pe10"], "pe20": o["pe20"],
                   "coverage": o.get("coverage"), "median_error": o["median_error"], "seconds": round(took, 1)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"{'size':>8} {'seed':>4} {'MdAPE':>6} {'floor':>6} {'ratio':>6} {'PE10':>5} {'PE20':>5} {'cover':>5} "
          f"{'bias':>6} {'sec':>6}")
    for r in rows:
        print(f"{r['size']:>8} {r['seed']:>4} {r['mdape']:>6} {r['floor']:>6} {r['ratio']:>6} {r['pe10']:>5} "
              f"{r['pe20']:>5} {r['coverage']:>5} {r['median_error']:>6} {r['seconds']:>6}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
