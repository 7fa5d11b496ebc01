"""Metrics as text tables (commands) and as small inline SVG plots (admin report). No plotting library."""
from __future__ import annotations

import math

from properties import reference

COLUMNS = (("n", "n"), ("mdape", "MdAPE %"), ("pe10", "PE10 %"), ("pe20", "PE20 %"), ("coverage", "Coverage %"),
           ("r2_log", "R² log"))


def _row(label: str, m: dict) -> str:
    cells = [f"{label:<26}"]
    for key, _ in COLUMNS:
        value = m.get(key)
        cells.append(f"{'–' if value is None else value:>11}")
    return "".join(cells)


def county_name(number: str) -> str:
    county = reference.counties().get(number)
    return f"{county.name} ({number})" if county else number


def metrics_text(metrics: dict) -> str:
    """The hold-out metrics as aligned tables: overall, noise floor, per category, per county."""
    lines = ["", "".join([f"{'':<26}"] + [f"{title:>11}" for _, title in COLUMNS])]
    lines.append(_row("model (hold-out)", metrics.get("overall", {})))
    if "noise_floor" in metrics:
        lines.append(_row("noise floor (true value)", metrics["noise_floor"]))
        lines.append(f"MdAPE / noise-floor MdAPE = {metrics.get('mdape_vs_floor')}")
    for title, key, floor_key in (("per category", "by_category", "noise_floor_by_category"),
                                  ("per county", "by_county", "noise_floor_by_county")):
        lines.append(f"\n{title}:")
        floors = metrics.get(floor_key, {})
        for name, m in metrics.get(key, {}).items():
            label = county_name(name) if key == "by_county" else name
            suffix = f"   floor MdAPE {floors[name]['mdape']}" if name in floors else ""
            lines.append(_row(label[:25], m) + suffix)
    return "\n".join(lines) + "\n"


# --- SVG --------------------------------------------------------------------------------------

def scatter_svg(actual: list[float], predicted: list[float], *, size: int = 360) -> str:
    """Predicted vs actual on log axes, with the diagonal."""
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a and p and a > 0 and p > 0]
    if not pairs:
        return ""
    logs = [math.log10(v) for pair in pairs for v in pair]
    lo, hi = min(logs), max(logs)
    span = (hi - lo) or 1.0
    pad = 30

    def xy(v):
        return pad + (math.log10(v) - lo) / span * (size - 2 * pad)

    dots = "".join(f'<circle cx="{xy(a):.1f}" cy="{size - xy(p):.1f}" r="1.6"/>' for a, p in pairs)
    ticks = ""
    for exp in range(math.floor(lo), math.ceil(hi) + 1):
        v = 10 ** exp
        if lo <= exp <= hi:
            label = f"{v / 1e6:g} M" if v >= 1e6 else f"{v:,.0f}"
            ticks += (f'<text x="{xy(v):.0f}" y="{size - 8}" font-size="10" text-anchor="middle">{label}</text>'
                      f'<text x="4" y="{size - xy(v):.0f}" font-size="10">{label}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" role="img" '
            f'aria-label="Predicted against actual price"><rect width="100%" height="100%" fill="#fff" stroke="#ccc"/>'
            f'<line x1="{pad}" y1="{size - pad}" x2="{size - pad}" y2="{pad}" stroke="#c33" stroke-width="1"/>'
            f'<g fill="#246" fill-opacity="0.35">{dots}</g>{ticks}</svg>')


def bars_svg(items: list[tuple[str, float]], *, unit: str = "%", reference_value: float | None = None,
             band: tuple[float, float] | None = None, width: int = 460) -> str:
    """Horizontal bars (label, value); optional reference line and target band."""
    if not items:
        return ""
    row, left = 18, 170
    height = row * len(items) + 24
    top = max([v for _, v in items] + [reference_value or 0, band[1] if band else 0]) or 1.0
    scale = (width - left - 50) / top
    parts = []
    if band:
        parts.append(f'<rect x="{left + band[0] * scale:.1f}" y="0" width="{(band[1] - band[0]) * scale:.1f}" '
                     f'height="{height - 20}" fill="#dfd"/>')
    for i, (label, value) in enumerate(items):
        y = i * row + 4
        parts.append(f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">{label}</text>'
                     f'<rect x="{left}" y="{y}" width="{max(value, 0) * scale:.1f}" height="{row - 5}" fill="#468"/>'
                     f'<text x="{left + max(value, 0) * scale + 4:.1f}" y="{y + 12}" font-size="11">'
                     f'{value:g}{unit}</text>')
    if reference_value is not None:
        x = left + reference_value * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 20}" stroke="#c33" stroke-dasharray="4 3"/>'
        )
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">'
            f'{"".join(parts)}</svg>')


def report_context(metrics: dict) -> dict:
    """Tables and plots for the admin report page."""
    sample = metrics.get("sample") or {}
    counties = metrics.get("by_county", {})
    floors = metrics.get("noise_floor_by_county", {})
    county_rows = [
        {"name": county_name(k), **v, "floor_mdape": floors.get(k, {}).get("mdape")} for k, v in counties.items()
    ]
    categories = metrics.get("by_category", {})
    cat_floors = metrics.get("noise_floor_by_category", {})
    category_rows = [{"name": k, **v, "floor_mdape": cat_floors.get(k, {}).get("mdape")} for k, v in categories.items()]
    coverage_items = [(f"category: {k}", v.get("coverage") or 0) for k, v in categories.items()]
    coverage_items += [(county_name(k)[:24], v.get("coverage") or 0) for k, v in counties.items()]
    return {
        "overall": metrics.get("overall", {}),
        "noise_floor": metrics.get("noise_floor"),
        "mdape_vs_floor": metrics.get("mdape_vs_floor"),
        "category_rows": category_rows,
        "county_rows": county_rows,
        "holdout": metrics.get("holdout", {}),
        "scatter_svg": scatter_svg(sample.get("actual", []), sample.get("predicted", [])),
        "county_error_svg": bars_svg([(r["name"][:24], r.get("mdape") or 0) for r in county_rows],
                                     reference_value=(metrics.get("noise_floor") or {}).get("mdape")),
        "coverage_svg": bars_svg(coverage_items, band=(75, 85), reference_value=80),
    }
