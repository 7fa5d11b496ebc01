"""`{{ value|dot }}`: a number as a machine reads it, with a decimal point and no grouping, in any language.

Django localizes every number a template prints: in Bokmål 148.5 becomes "148,5", which an SVG coordinate or a
data attribute read by JavaScript takes for two numbers (or none). Every number written into markup for a
machine, rather than for a person, goes through this filter. It is a template builtin: no `{% load %}` needed.
"""
from __future__ import annotations

import math
from decimal import Decimal

from django import template

register = template.Library()


@register.filter(is_safe=True)
def dot(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "0"
        return str(int(value)) if value.is_integer() else repr(round(value, 6))
    return str(value)
