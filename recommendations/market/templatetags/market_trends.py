"""{% trend_chart region %} / {% property_trend_chart property %}: an inline SVG of the price index."""
from __future__ import annotations

from django import template
from django.utils.translation import pgettext

from properties import regions

from ..selectors import trends_for_region

register = template.Library()
WIDTH, HEIGHT, PAD = 480, 160, 28
COLOURS = {"ssb": "#1f5fa8", "platform": "#c0541b"}  # the legend's colours in static/css/epty.css match


def quarter_label(period: str) -> str:
    """'2020Q1' as the reader writes a quarter: 2020Q1 in English, 2020K1 in Bokmål."""
    year, _q, quarter = period.partition("Q")
    return pgettext("a quarter of a year", "%(year)sQ%(quarter)s") % {"year": year, "quarter": quarter}


def chart_data(trends: dict) -> dict:
    """Index series (all dwellings), each rebased to 100 at its first point, as SVG polylines."""
    series = [
        s for s in trends["series"] if s["metric"] == "index" and s["dwelling_type"] == "all" and len(s["points"]) > 1
    ]
    series = [s for s in series if all("Q" in p["period"] for p in s["points"])]
    periods = sorted({p["period"] for s in series for p in s["points"]})
    change = trends.get("change_1y")
    change_pct = round(change["value"] * 100, 1) if change else None
    if not periods:
        return {"lines": [], "trends": trends, "change_pct": change_pct}
    rebased = [[(p["period"], 100.0 * p["value"] / s["points"][0]["value"]) for p in s["points"]] for s in series]
    values = [v for line in rebased for _p, v in line]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    x_of = {p: PAD + (WIDTH - 2 * PAD) * (i / max(len(periods) - 1, 1)) for i, p in enumerate(periods)}
    lines = []
    for s, line in zip(series, rebased, strict=True):
        pts = " ".join(f"{x_of[p]:.1f},{HEIGHT - PAD - (HEIGHT - 2 * PAD) * (v - lo) / span:.1f}" for p, v in line)
        lines.append({"points": pts, "colour": COLOURS.get(s["source"], "#555"), "source": s["source"],
                      "region_name": s["region_name"], "last": round(line[-1][1] - 100, 1),
                      "since": quarter_label(line[0][0])})
    return {"lines": lines, "first": quarter_label(periods[0]), "last": quarter_label(periods[-1]),
            "lo": round(lo), "hi": round(hi), "width": WIDTH, "height": HEIGHT, "pad": PAD, "trends": trends,
            "change_pct": change_pct}


@register.inclusion_tag("market/_trend_chart.html")
def trend_chart(region) -> dict:
    return chart_data(trends_for_region(region=region))


@register.inclusion_tag("market/_trend_chart.html")
def property_trend_chart(prop) -> dict:
    return chart_data(trends_for_region(region=regions.municipality_region(prop.municipality_number)))
