"""One column's date format, decided from all its values, never from one value alone.

Read without doubt, and a column may mix them: ISO 8601 (``2024-03-01``, with a time or zone; ``2024/03/01``;
basic ``20240301`` and ``20240301T142500``), year and month (``2024-03``: the 1st of the month), day.month.year
with dots (``01.03.2024``), month names (``1 Mar 2024``, ``1. mars 2024``, ``Mar 1, 2024``), Excel serial day
numbers (``45352``: the 1900 system, 1970–2099) and spreadsheet date cells.

Day and month with slashes or dashes (``03/01/2024``) are US (month first) or European (day first). The column
decides from all its values: a first number above 12 means day first, a second number above 12 month first. A
column with both is refused, and so is one where every value has both numbers ≤ 12, where either reading fits:
``--date-format`` settles them (``mdy``, ``dmy`` or a strptime format). Dotted dates are day first; a dotted value
whose second number is above 12 makes the column refused rather than swapped. Two-digit years are refused
(``--date-format "%d.%m.%y"`` reads them, with Python's century rule).

A date field mapped to year and month columns (``sold_on=Yr Sold+Mo Sold``) is the 1st of that month.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import SalesFileError
from .number_format import MISSING, UNREADABLE, Unreadable

EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (25569, 73050)  # 1970-01-01 .. 2099-12-31 in Excel's 1900 system
MONTHS = {
    "jan": 1, "january": 1, "januar": 1, "feb": 2, "february": 2, "februar": 2, "mar": 3, "march": 3, "mars": 3,
    "apr": 4, "april": 4, "may": 5, "mai": 5, "jun": 6, "june": 6, "juni": 6, "jul": 7, "july": 7, "juli": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "okt": 10, "october": 10, "oktober": 10,
    "nov": 11, "november": 11, "dec": 12, "des": 12, "december": 12, "desember": 12,
}
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
SHAPES = {  # name → (pattern, how it is written, for the report)
    "iso": (rf"(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_TIME}", "ISO yyyy-mm-dd"),
    "ymd_slash": (rf"(?P<y>\d{{4}})/(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}}){_TIME}", "yyyy/mm/dd"),
    "iso_basic": (r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T\d{2}(?:\d{2}(?:\d{2})?)?Z?)?", "yyyymmdd[Thhmmss]"),
    "year_month": (r"(?P<y>\d{4})-(?P<m>\d{1,2})", "yyyy-mm (the 1st of the month)"),
    "dotted": (rf"(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){_TIME}", "dd.mm.yyyy"),
    "named_dmy": (rf"(?P<d>\d{{1,2}})\.?[ -](?P<mon>[^\W\d_]{{3,9}})\.?[ ,-]+(?P<y>\d{{4}}){_TIME}",
                  "day month-name year"),
    "named_mdy": (rf"(?P<mon>[^\W\d_]{{3,9}})\.? (?P<d>\d{{1,2}}),? (?P<y>\d{{4}}){_TIME}", "month-name day, year"),
    "serial": (r"(?P<n>\d{5}(?:\.\d+)?)", "Excel serial day numbers (1900 system)"),
    "pair": (rf"(?P<a>\d{{1,2}})(?P<sep>[/-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}){_TIME}", ""),
    "short_year": (r"\d{1,2}[./-]\d{1,2}[./-]\d{2}", "two-digit years"),
}
_COMPILED = {name: re.compile(f"^{pattern}$") for name, (pattern, _) in SHAPES.items()}


@lru_cache(maxsize=65536)
def classify(text: str) -> tuple[str, dict[str, str]] | None:
    """(shape name, its parts) of one text value; ("unknown", {}) when no shape fits; None when missing."""
    value = text.strip()
    if value.lower() in MISSING:
        return None
    for name, pattern in _COMPILED.items():
        match = pattern.match(value)
        if match:
            return name, match.groupdict()
    return "unknown", {}


def _serial(number: float) -> dt.date | Unreadable:
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return UNREADABLE
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def _date(year: int | str, month: int | str, day: int | str) -> dt.date | Unreadable:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return UNREADABLE


def _month(text: str) -> int | None:
    return MONTHS.get(text.lower().rstrip("."))


@dataclass(frozen=True)
class DateFormat:
    """How a column's dates are written: the shapes seen (with their counts), the day/month order of
    slash and dash dates, or one strptime format given by the user."""

    shapes: tuple[tuple[str, int], ...] = ()
    order: str | None = None  # "dmy" or "mdy" for day/month pairs
    pair_separator: str = "/"
    explicit: str | None = None
    settled_by: str = ""

    def parse(self, cell: object) -> dt.date | None | Unreadable:
        if isinstance(cell, dt.datetime):
            return cell.date()
        if isinstance(cell, dt.date):
            return cell
        if isinstance(cell, (int, float)):
            return _serial(float(cell))
        text = str(cell).strip()
        if text.lower() in MISSING:
            return None
        if self.explicit:
            return self._strptime(text)
        kind, parts = classify(text) or ("unknown", {})
        if kind in ("iso", "ymd_slash", "iso_basic", "dotted"):
            return _date(parts["y"], parts["m"], parts["d"])
        if kind == "year_month":
            return _date(parts["y"], parts["m"], 1)
        if kind in ("named_dmy", "named_mdy"):
            month = _month(parts["mon"])
            return UNREADABLE if month is None else _date(parts["y"], month, parts["d"])
        if kind == "serial":
            return _serial(float(parts["n"]))
        if kind == "pair" and self.order:
            first, second = parts["a"], parts["b"]
            return _date(parts["y"], second, first) if self.order == "dmy" else _date(parts["y"], first, second)
        return UNREADABLE

    def _strptime(self, text: str) -> dt.date | Unreadable:
        assert self.explicit is not None
        for candidate in (text, re.split(r"[T ]", text, maxsplit=1)[0]):
            try:
                return dt.datetime.strptime(candidate, self.explicit).date()
            except ValueError:
                continue
        return UNREADABLE

    def describe(self) -> str:
        if self.explicit:
            return f"date {self.explicit} (as given by --date-format)"
        names = []
        for kind, count in self.shapes:
            if kind == "pair":
                sep = self.pair_separator
                name = f"dd{sep}mm{sep}yyyy" if self.order == "dmy" else f"mm{sep}dd{sep}yyyy"
            else:
                name = {"cell": "(spreadsheet date cells)"}.get(kind) or SHAPES[kind][1]
            names.append(name if len(self.shapes) == 1 else f"{name} ({count:,})")
        text = "date " + ", ".join(names) if names else "date"
        return f"{text} ({self.settled_by})" if self.settled_by else text


def _quote(values: Iterable[str], limit: int = 3) -> str:
    return ", ".join(f'"{v}"' for v in list(dict.fromkeys(values))[:limit])


def _settle_hint(column: str) -> str:
    return (f'--date-format "{column}=mdy" (month first, US), --date-format "{column}=dmy" (day first) or a '
            f'strptime format such as --date-format "{column}=%m/%d/%Y"')


def date_format_decide(cells: Sequence[object], *, column: str, field: str,
                       given: str | None = None) -> DateFormat:
    """Decide the date format of a column from all its cells, or raise SalesFileError saying how to settle it.
    `given` is the user's --date-format for this column: mdy, dmy, excel or a strptime format."""
    if given and "%" in given:
        return DateFormat(explicit=given)
    counts: Counter[str] = Counter()
    by_kind: dict[str, list[str]] = {}
    parts_of: dict[str, dict[str, str]] = {}
    texts = Counter(c for c in cells if isinstance(c, str))
    for cell in cells:
        if isinstance(cell, (dt.date, dt.datetime)):
            counts["cell"] += 1
        elif isinstance(cell, (int, float)):
            counts["serial"] += 1
    for text, count in texts.items():
        found = classify(text)
        if found is None:
            continue
        counts[found[0]] += count
        by_kind.setdefault(found[0], []).append(text.strip())
        parts_of[text.strip()] = found[1]
    present = sum(counts.values())
    if given == "excel":
        return DateFormat(shapes=(("serial", counts["serial"]),), settled_by="as given by --date-format")
    if given not in (None, "mdy", "dmy"):
        raise SalesFileError("bad_option", f'--date-format for "{column}" must be mdy, dmy, excel or a strptime '
                                           f'format such as %m/%d/%Y, not {given!r}.')
    if counts["short_year"]:
        raise SalesFileError("ambiguous_date_format", (
            f'Column "{column}" ({field}) has two-digit years ({_quote(by_kind["short_year"])}). Settle it with '
            f'--date-format "{column}=%d.%m.%y" (or the order your file uses).'))
    unknown = counts.pop("unknown", 0)
    if present and unknown / present > 0.5:
        hint = (f' If it holds years and the months are in another column, map {field}="{column}+MONTH COLUMN".'
                if all(re.fullmatch(r"\d{4}", t) for t in by_kind["unknown"][:50]) else "")
        raise SalesFileError("not_a_date_column", (
            f'Column "{column}" ({field}) is not a date column this reader knows: {unknown:,} of {present:,} values '
            f'such as {_quote(by_kind["unknown"])} fit no date format. Settle it with --date-format '
            f'"{column}=FORMAT" (a strptime format).{hint}'))
    dotted_month_first = [t for t in by_kind.get("dotted", [])
                          if int(parts_of[t]["m"]) > 12 >= int(parts_of[t]["d"])]
    if dotted_month_first and not given:
        raise SalesFileError("ambiguous_date_format", (
            f'Column "{column}" ({field}) has dotted dates with a month above 12 ({_quote(dotted_month_first)}), so '
            f'they are not dd.mm.yyyy. Settle it with --date-format "{column}=%m.%d.%Y" or correct the file.'))
    order, settled_by, separator = None, "", "/"
    pairs = by_kind.get("pair", [])
    if pairs:
        parts = [parts_of[t] for t in pairs]
        separator = parts[0]["sep"]
        day_first = [t for t, p in zip(pairs, parts, strict=True) if int(p["a"]) > 12 >= int(p["b"])]
        month_first = [t for t, p in zip(pairs, parts, strict=True) if int(p["b"]) > 12 >= int(p["a"])]
        if given:
            order, settled_by = given, "as given by --date-format"
        elif day_first and month_first:
            raise SalesFileError("mixed_date_format", (
                f'Column "{column}" ({field}) mixes day-first dates ({_quote(day_first)}) and month-first dates '
                f"({_quote(month_first)}). Settle it with {_settle_hint(column)}; values that do not fit become "
                f"unreadable."))
        elif day_first:
            order, settled_by = "dmy", f'values such as "{day_first[0]}" have the day first'
        elif month_first:
            order, settled_by = "mdy", f'values such as "{month_first[0]}" have the month first'
        else:
            raise SalesFileError("ambiguous_date_format", (
                f'Column "{column}" ({field}) reads as day-first and as month-first dates: every value has day and '
                f"month ≤ 12 ({_quote(pairs)}). Settle it with {_settle_hint(column)}."))
    shapes = tuple(sorted(((k, n) for k, n in counts.items() if n and k != "short_year"), key=lambda kn: -kn[1]))
    return DateFormat(shapes=shapes, order=order, pair_separator=separator, settled_by=settled_by)


@dataclass(frozen=True)
class CompositeDate:
    """A date made of a year column, a month column and optionally a day column."""

    columns: tuple[str, ...]
    names: tuple[str, ...] = field(default=("year", "month", "day"))

    def parse(self, parts: Sequence[object]) -> dt.date | None | Unreadable:
        texts = [_whole(p) for p in parts]
        if all(t is None for t in texts):
            return None
        if any(t is None for t in texts):
            return UNREADABLE
        year, month = texts[0], texts[1]
        assert year is not None and month is not None
        month_number = int(month) if month.isdigit() else _month(month)
        if not re.fullmatch(r"\d{4}", year) or month_number is None:
            return UNREADABLE
        day = texts[2] if len(texts) > 2 else "1"
        if not (day or "").isdigit():
            return UNREADABLE
        return _date(year, month_number, day or 1)

    def describe(self) -> str:
        # The names are year, month, day; a date from two columns uses the first two.
        named = " + ".join(f'{name} "{column}"' for name, column in zip(self.names, self.columns, strict=False))
        return f"date from {named}" + (" (the 1st of the month)" if len(self.columns) == 2 else "")


def _whole(cell: object) -> str | None:
    """A year, month or day cell as text: 2010.0 → '2010'; missing → None."""
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, int):
        return str(cell)
    text = str(cell).strip()
    if text.lower() in MISSING:
        return None
    return re.sub(r"\.0+$", "", text)
