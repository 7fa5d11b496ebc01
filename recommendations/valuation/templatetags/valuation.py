"""{% property_valuation property as valuation %}: the valuation section's data for the property page."""
from __future__ import annotations

from datetime import date

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
    return {"valuation": valuation, "chart": chart, "bars": bars, "bars_height": len(bars) * 14,
            "history_chart": history_chart(valuation.history, valuation.sales)}


def _num(value: float) -> str:
    """A coordinate for SVG: always a dot, never the locale's decimal comma."""
    return f"{value:.1f}"


def history_chart(history, sales, *, width: int = 420, height: int = 130, pad: int = 10, left: int = 96,
                  bottom: int = 22) -> dict | None:
    """Every version's estimate (a line over its 80 % band) and the recorded sales (dots) on one time axis, with
    the value axis's ends (kr) at the left and the time axis's (dates) below. Path and point coordinates are strings
    written with a dot; the axes' are numbers for the template's `|dot`. None when there is nothing to draw."""
    if not history:
        return None
    days = [h.estimated_at.date().toordinal() for h in history] + [s.sold_on.toordinal() for s in sales]
    values = [v for h in history for v in (h.low, h.high, h.estimate)] + [s.price for s in sales]
    d0, d1 = min(days), max(days)
    lo, hi = min(values), max(values)
    d_span, v_span = max(d1 - d0, 1), max(hi - lo, 1)

    def x(day: int) -> float:
        return left + (day - d0) / d_span * (width - left - pad) if d1 > d0 else (left + width - pad) / 2

    def y(value: float) -> float:
        return height - bottom - (value - lo) / v_span * (height - bottom - pad)

    xs = [x(h.estimated_at.date().toordinal()) for h in history]
    line = "M" + " L".join(f"{_num(px)} {_num(y(h.estimate))}" for px, h in zip(xs, history, strict=True))
    band = ("M" + " L".join(f"{_num(px)} {_num(y(h.high))}" for px, h in zip(xs, history, strict=True)) + " L"
            + " L".join(f"{_num(px)} {_num(y(h.low))}" for px, h in reversed(list(zip(xs, history, strict=True))))
            + " Z")
    points = [{"cx": _num(px), "cy": _num(y(h.estimate)), "point": h} for px, h in zip(xs, history, strict=True)]
    dots = [{"cx": _num(x(s.sold_on.toordinal())), "cy": _num(y(s.price)), "sale": s} for s in sales]
    axes = {"x0": left, "x1": width - pad, "y_top": pad, "y_base": height - bottom,
            "label_y": height - 6, "label_x": left - 6, "value_lo": lo, "value_hi": hi,
            "date_first": date.fromordinal(d0), "date_last": date.fromordinal(d1)}
    return {"width": width, "height": height, "line": line, "band": band, "points": points, "sales": dots,
            "axes": axes}


@register.simple_tag
def property_estimate_history(prop):
    """{% property_estimate_history property as history %}: every version's estimate of the property and its
    chart (the owners' dashboard; the property page has it in property_valuation)."""
    points = selectors.property_estimate_history(prop=prop)
    return {"points": points, "chart": history_chart(points, [])}
