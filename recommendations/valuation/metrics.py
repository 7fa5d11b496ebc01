"""Accuracy figures of a valuation: MdAPE, PE10, PE20, interval coverage and R² of log price."""
from __future__ import annotations

import numpy as np


def accuracy(actual: np.ndarray, predicted: np.ndarray, low: np.ndarray | None = None,
             high: np.ndarray | None = None) -> dict:
    """Figures over rows where both values are known. Percentages are 0–100."""
    ok = np.isfinite(actual) & np.isfinite(predicted) & (actual > 0) & (predicted > 0)
    a, p = actual[ok], predicted[ok]
    n = int(ok.sum())
    if not n:
        return {"n": 0}
    ape = np.abs(p - a) / a
    la, lp = np.log(a), np.log(p)
    ss_tot = float(np.sum((la - la.mean()) ** 2))
    out = {
        "n": n,
        "mdape": round(float(np.median(ape)) * 100, 2),
        "pe10": round(float(np.mean(ape <= 0.10)) * 100, 1),
        "pe20": round(float(np.mean(ape <= 0.20)) * 100, 1),
        "r2_log": round(1 - float(np.sum((la - lp) ** 2)) / ss_tot, 4) if ss_tot > 0 else None,
        "median_error": round(float(np.median(p / a - 1)) * 100, 2),
    }
    if low is not None and high is not None:
        out["coverage"] = round(float(np.mean((a >= low[ok]) & (a <= high[ok]))) * 100, 1)
        out["interval_width"] = round(float(np.median((high[ok] - low[ok]) / p)) * 100, 1)
    return out


def grouped(groups: np.ndarray, actual, predicted, low=None, high=None, *, min_rows: int = 1) -> dict:
    out = {}
    for g in sorted(set(groups.tolist())):
        sel = groups == g
        if sel.sum() < min_rows:
            continue
        out[str(g) or "(none)"] = accuracy(actual[sel], predicted[sel], None if low is None else low[sel],
                                           None if high is None else high[sel])
    return out
