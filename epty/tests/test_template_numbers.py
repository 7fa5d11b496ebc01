"""Numbers written for machines (SVG geometry, data attributes) keep a decimal point in every language."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Attributes whose value a machine parses as a number (SVG geometry, coordinates read by scripts).
NUMERIC_ATTRIBUTE = re.compile(
    r'\s(x|y|x1|x2|y1|y2|cx|cy|r|width|height|points|viewBox|data-(?:lat|lon|zoom|count|x|y|value|estimate))'
    r'="([^"]*\{\{[^"]*)"')


@pytest.mark.parametrize(("value", "expected"), [
    (148.5, "148.5"), (150.0, "150"), (12, "12"), (Decimal("1234.50"), "1234.50"), (-3.25, "-3.25"),
    (None, ""), (float("nan"), "0"), ("7", "7"),
])
def test_dot_writes_a_decimal_point_without_grouping(value, expected):
    assert Template("{{ v|dot }}").render(Context({"v": value})) == expected


def test_bokmal_would_write_a_decimal_comma_without_the_filter_and_a_point_with_it():
    with translation.override("nb"):
        html = Template('<line x1="{{ v }}" x2="{{ v|dot }}"/>').render(Context({"v": 148.5}))
    assert html == '<line x1="148,5" x2="148.5"/>'


def test_every_number_a_template_writes_into_svg_geometry_or_a_numeric_data_attribute_goes_through_dot():
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        for match in NUMERIC_ATTRIBUTE.finditer(path.read_text()):
            for expression in re.findall(r"\{\{(.*?)\}\}", match.group(2)):
                if "|dot" not in expression.replace(" ", ""):
                    missing.append(f"{path.relative_to(TEMPLATES)}: {match.group(1)}={{{{{expression}}}}}")
    assert not missing, missing
