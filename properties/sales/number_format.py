"""One column's number format, decided from all its values, never from one value alone.

A value is a number when, after at most one currency or unit before and after it (kr, NOK, $, €, m², m2, kvm,
sqft, %, ``,-``), it is digits with separators: ``.`` or ``,`` as the decimal mark, and ``.``, ``,``, a space or
an apostrophe between groups of three digits. Anything else (``1Story``, ``2.5Unf``, ``SLvl``) is not a number.

A column has one decimal mark. Values with two of the same separator (``1.234.567``), both marks (``1.234,5``),
or a separator not followed by exactly three digits (``47.7``, ``85,5``), with more than three digits or a lone 0
before it (``1234.567``, ``0.752``) settle which one it is. When every value fits both readings and some read
differently (``10.752``: ten and a bit, or ten thousand and some), the field settles it where it can: coordinates
take the reading that gives degrees; money has no thousandths, so ``850.000`` is thousands. Otherwise the column
is refused with the option that settles it (``--decimal``). So is a column that fits neither reading in full
(``1.5`` next to ``1.500.000``), and one that mixes units (``m²`` and ``sqft``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .errors import SalesFileError

MISSING = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "–", "—", "?", "ukjent", "unknown"})
MARKS = (".", ",")
DEGREE_LIMITS = {"lat": 90.0, "lon": 180.0}
MONEY_FIELDS = frozenset({"price", "true_value"})
_UNITS = {
    "kr": "NOK", "kr.": "NOK", "nok": "NOK", ",-": "NOK", ".-": "NOK", ",–": "NOK",
    "$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
    "m²": "m²", "m2": "m²", "kvm": "m²", "sqm": "m²",
    "sqft": "sq ft", "sq ft": "sq ft", "sq.ft.": "sq ft", "sq. ft.": "sq ft", "ft²": "sq ft", "ft2": "sq ft",
    "%": "%",
}
_PREFIX = re.compile(r"^(kr\.?|nok|usd|eur|gbp|\$|€|£)\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*(kr\.?|nok|usd|eur|gbp|\$|€|£|m²|m2|kvm|sqm|sq\.? ?ft\.?|ft²|ft2|%|,-|\.-|,–)$",
                     re.IGNORECASE)
_NUMBER = re.compile(r"^(?P<sign>[+-])?(?P<body>\d+(?:[.,' ]\d+)*|[.,]\d+)(?:[eE](?P<exp>[+-]?\d+))?$")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2212": "-", "\u2019": "'"})


class Unreadable:
    """A present value that is not a number (or date) in the column's format."""

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE = Unreadable()


def is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING


@dataclass(frozen=True)
class Shape:
    """One text value as a number under each decimal mark (None: not a number that way)."""

    point: float | None
    comma: float | None
    unit: str | None
    groups: str  # group separators used (in the reading that is valid; both when both are)

    def under(self, mark: str) -> float | None:
        return self.point if mark == "." else self.comma

    @property
    def number(self) -> bool:
        return self.point is not None or self.comma is not None


def _reading(body: str, exponent: str | None, mark: str) -> tuple[str, str] | None:
    """Digits of `body` as a float literal when `mark` is the decimal mark, and the group separator used."""
    parts = re.split(r"([.,' ])", body)
    runs, seps = parts[0::2], parts[1::2]
    if runs[0] == "":  # ".5"
        return ("0." + runs[1], "") if seps == [mark] else None
    fraction = None
    if seps and seps[-1] == mark:
        fraction, runs, seps = runs[-1], runs[:-1], seps[:-1]
    if mark in seps:
        return None
    group = ""
    if seps:
        if len(set(seps)) != 1 or exponent is not None:
            return None
        group = seps[0]
        if not 1 <= len(runs[0]) <= 3 or runs[0][0] == "0" or any(len(run) != 3 for run in runs[1:]):
            return None
    literal = "".join(runs) + ("" if fraction is None else "." + fraction)
    return literal + ("" if exponent is None else "e" + exponent), group


@lru_cache(maxsize=65536)
def shape(text: str) -> Shape | None:
    """The number readings of one text value; None when it is missing."""
    value = text.translate(_SPACES).strip()
    if value.lower() in MISSING:
        return None
    unit = None
    prefix = _PREFIX.match(value)
    if prefix and len(value) > prefix.end():
        unit, value = prefix.group(1), value[prefix.end():]
    suffix = _SUFFIX.search(value)
    if suffix and suffix.start() > 0:
        unit, value = suffix.group(1), value[:suffix.start()]
    match = _NUMBER.match(value.strip())
    if not match:
        return Shape(None, None, None, "")
    sign = -1.0 if match.group("sign") == "-" else 1.0
    numbers: dict[str, float | None] = {}
    groups = set()
    for mark in MARKS:
        reading = _reading(match.group("body"), match.group("exp"), mark)
        numbers[mark] = None if reading is None else sign * float(reading[0])
        if reading is not None and reading[1]:
            groups.add(reading[1])
    if numbers["."] is None and numbers[","] is None:
        unit = None
    return Shape(numbers["."], numbers[","], _UNITS.get(unit.lower(), unit) if unit else None, "".join(sorted(groups)))


def is_number(text: str) -> bool:
    found = shape(text)
    return found is not None and found.number


@dataclass(frozen=True)
class NumberFormat:
    """How a column's numbers are written: its decimal mark (None when no value needs one) and how that was
    settled."""

    decimal: str | None
    groups: str = ""
    units: tuple[str, ...] = ()
    settled_by: str = ""

    def parse(self, text: str) -> float | None | Unreadable:
        found = shape(text)
        if found is None:
            return None
        number = found.under(self.decimal) if self.decimal else (
            found.point if found.point is not None else found.comma)
        return UNREADABLE if number is None else number

    def describe(self) -> str:
        parts = ["number"]
        if self.decimal:
            parts.append(f"decimal {self.decimal!r}")
        groups = [g for g in self.groups if g != self.decimal]
        if groups:
            parts.append("thousands " + " and ".join("space" if g == " " else repr(g) for g in groups))
        if self.units:
            parts.append("unit " + "/".join(self.units))
        text = ", ".join(parts)
        return f"{text} ({self.settled_by})" if self.settled_by else text


def _quote(values: Iterable[str], limit: int = 3) -> str:
    return ", ".join(f'"{v}"' for v in list(dict.fromkeys(values))[:limit])


def number_format_decide(values: Iterable[str], *, column: str, field: str,
                         decimal: str | None = None) -> NumberFormat:
    """Decide the format of a column from all its text values, or raise SalesFileError saying how to settle it.
    `decimal` is the user's --decimal for this column ('.' or ','), which settles everything."""
    shapes = {text: found for text in set(values) if (found := shape(text)) is not None and found.number}
    units = tuple(sorted({s.unit for s in shapes.values() if s.unit}))
    if len(units) > 1:
        examples = [next(t for t, s in shapes.items() if s.unit == unit) for unit in units]
        raise SalesFileError("mixed_units", f'Column "{column}" ({field}) mixes units: {_quote(examples)}. '
                                            f"Convert them to one unit first.")
    groups = "".join(sorted({g for s in shapes.values() for g in s.groups}))
    if decimal is not None:
        used = "".join(sorted({g for s in shapes.values() if s.under(decimal) is not None
                               for g in s.groups if g != decimal}))
        return NumberFormat(decimal, used, units, "as given by --decimal")
    fits = {mark: all(s.under(mark) is not None for s in shapes.values()) for mark in MARKS}
    if fits["."] and not fits[","]:
        return NumberFormat(".", groups, units)
    if fits[","] and not fits["."]:
        return NumberFormat(",", groups, units)
    if not fits["."]:
        only = {mark: [t for t, s in shapes.items() if s.under(mark) is not None and s.under(_other(mark)) is None]
                for mark in MARKS}
        raise SalesFileError("mixed_number_format", (
            f'Column "{column}" ({field}) mixes number formats: {_quote(only["."])} read only with "." as the decimal '
            f'mark, {_quote(only[","])} only with ",". Settle it with --decimal "{column}=." or --decimal "{column}=," '
            f"(values that do not fit become unreadable)."))
    differ = sorted(t for t, s in shapes.items() if s.point != s.comma)
    if not differ:
        return NumberFormat(None, groups, units)
    settled = _settled_by_field(shapes, differ, field)
    if settled:
        mark, why = settled
        return NumberFormat(mark, "".join(sorted({g for s in shapes.values() for g in s.groups if g != mark})),
                            units, why)
    raise SalesFileError("ambiguous_number_format", (
        f'Column "{column}" ({field}) reads two ways: {_quote(differ)} are decimals with one mark or whole numbers '
        f'with thousands separators (e.g. "{differ[0]}" is {shapes[differ[0]].point:g} or '
        f'{shapes[differ[0]].comma:g}). Settle it with --decimal "{column}=." (decimal point) or '
        f'--decimal "{column}=," (decimal comma).'))


def _other(mark: str) -> str:
    return "," if mark == "." else "."


def _settled_by_field(shapes: dict[str, Shape], differ: list[str], field: str) -> tuple[str, str] | None:
    if field in DEGREE_LIMITS:
        limit = DEGREE_LIMITS[field]
        degrees = [mark for mark in MARKS if all(abs(s.under(mark) or 0.0) <= limit for s in shapes.values())]
        if len(degrees) == 1:
            return degrees[0], "three decimals: read as degrees, the only reading that is one"
        return None
    if field in MONEY_FIELDS:
        separators = {group for text in differ for group in shapes[text].groups}
        if len(separators) == 1:
            (separator,) = separators
            return _other(separator), f"{separator!r} before three digits in a price is a thousands separator"
    return None
