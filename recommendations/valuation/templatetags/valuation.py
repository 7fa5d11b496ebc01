"""{% property_valuation property as valuation %}: the valuation section's data for the property page."""
from __future__ import annotations

from django import template

from recommendations.valuation import selectors

register = template.Library()


@register.simple_tag
def property_valuation(prop):
    valuation = selectors.property_valuation(prop=prop)
    # A small chart: the interval as a bar, and each factor as a bar either side of zero.
    chart = None
    if valuation.estimate and valuation.low and valuation.high:
        span = max(valuation.high - valuation.low, 1)
        chart = {"estimate_x": round(10 + (valuation.estimate - valuation.low) / span * 300, 1)}
    biggest = max([abs(f.effect_percent) for f in valuation.factors] + [1.0])
    bars = []
    for i, f in enumerate(valuation.factors):
        width = round(abs(f.effect_percent) / biggest * 150, 1)
        bars.append({"factor": f, "width": width, "y": i * 14, "x": 160 if f.effect_percent >= 0 else 160 - width,
                     "positive": f.effect_percent >= 0})
    return {"valuation": valuation, "chart": chart, "bars": bars, "bars_height": len(bars) * 14}
