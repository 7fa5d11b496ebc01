"""Read a sales file through a column mapping: typed rows, how each column was read, and every skipped row.

Nothing is guessed silently. Each mapped column's format is decided from all its values (``number_format``,
``date_format``); a column that reads two ways stops the reading with a message naming the column, showing
examples and the option that settles it. A row is skipped only when its price or sale date cannot be used (or it
has more cells than the header); every skipped row keeps its line number and reason. An optional value that
cannot be read (text in an area column) becomes missing and is counted in its column's line, and the row stays.

    data = sales_file_read(path="sales.csv", mapping="price=Pris,sold_on=Dato,usable_area=BRA")
    data.reading_lines()     # one line per mapped column: type, format, share of values usable
    data.skipped_lines()     # the first 20 skipped rows and the count per reason
    data.rows, data.lines    # {field: value} per used row, and its line in the file
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .date_format import CompositeDate, DateFormat, date_format_decide
from .errors import SalesFileError
from .files import Cell, cell_as_text, delimiter_from_option, table_open
from .mapping import KEY_FIELDS, TEXT_FIELDS, ResolvedField, mapping_parse, mapping_resolve
from .number_format import MISSING, UNREADABLE, NumberFormat, Unreadable, is_number, number_format_decide

LISTED = 20  # skipped rows listed by line; the rest are counted by reason
NUMBER_SHARE = 0.9  # an extra column is numeric when at least this share of its present values are numbers
WRONG_COLUMN_SHARE = 0.5  # a known number or date field with fewer readable values than this is mapped wrongly
AREA_FIELDS = ("usable_area", "plot_area")
AGE_BELOW = 300  # a year-built column whose median is below this holds ages


@dataclass(frozen=True)
class SkippedRow:
    line: int
    code: str
    reason: str


@dataclass
class ColumnReport:
    """How one mapped column was read, and how many of its values are usable."""

    field: str
    source: str
    format: str
    rows: int
    usable: int = 0
    missing: int = 0
    unreadable: int = 0
    examples: list[str] = dataclasses.field(default_factory=list)  # unreadable values, first few
    rejected: dict[str, int] = dataclasses.field(default_factory=dict)  # readable but unusable, by why

    def line(self) -> str:
        share = self.usable / self.rows if self.rows else 0.0
        details = []
        if self.missing:
            details.append(f"{self.missing:,} missing")
        if self.unreadable:
            shown = ", ".join(f'"{e}"' for e in self.examples[:3])
            details.append(f"{self.unreadable:,} unreadable: {shown}")
        details += [f"{count:,} {why}" for why, count in self.rejected.items() if count]
        tail = f" ({'; '.join(details)})" if details else ""
        return f"{self.field:<14} ← {self.source:<26} {self.format}; {share:.1%} usable{tail}"

    def as_dict(self) -> dict:
        out = asdict(self)
        out["usable_share"] = round(self.usable / self.rows, 4) if self.rows else 0.0
        return out


@dataclass
class SalesFile:
    """What was read: used rows ({field: value}; extras under "x:name") with their lines, and everything else."""

    name: str
    described: list[str] = dataclasses.field(default_factory=list)
    total: int = 0
    rows: list[dict] = dataclasses.field(default_factory=list)
    lines: list[int] = dataclasses.field(default_factory=list)
    skipped: list[SkippedRow] = dataclasses.field(default_factory=list)
    columns: list[ColumnReport] = dataclasses.field(default_factory=list)
    extra_numeric: list[str] = dataclasses.field(default_factory=list)
    extra_text: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    def reasons(self, more: Iterable[SkippedRow] = ()) -> dict[str, int]:
        counts = Counter(s.code for s in [*self.skipped, *more])
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def reading_lines(self) -> list[str]:
        head = f"Read {self.name}: {', '.join(self.described)}; {self.total:,} rows"
        return [head, *(f"  {c.line()}" for c in self.columns), *(f"Warning: {w}" for w in self.warnings)]

    def skipped_lines(self, more: Sequence[SkippedRow] = (), limit: int = LISTED) -> list[str]:
        skipped = sorted([*self.skipped, *more], key=lambda s: s.line)
        if not skipped:
            return ["Skipped rows: none"]
        out = [f"Skipped rows: {len(skipped):,}"]
        out += [f"  {code:<24} {count:,}" for code, count in self.reasons(more).items()]
        out.append(f"First {min(limit, len(skipped))} by line:" if len(skipped) > limit else "By line:")
        out += [f"  line {s.line}: {s.code}: {s.reason}" for s in skipped[:limit]]
        return out

    def summary(self, more: Sequence[SkippedRow] = (), limit: int = LISTED) -> dict:
        """For --json: the reading report, counts per reason and the first skipped rows with their lines."""
        skipped = sorted([*self.skipped, *more], key=lambda s: s.line)
        return {
            "file": self.name, "read_as": self.described, "rows": self.total, "used": len(self.rows),
            "skipped": self.reasons(more), "skipped_rows": [asdict(s) for s in skipped[:limit]],
            "columns": [c.as_dict() for c in self.columns],
            "extra_numeric": self.extra_numeric, "extra_categorical": self.extra_text, "warnings": self.warnings,
        }


def _per_column(values: Sequence[str], option: str) -> dict[str | None, str]:
    """--decimal '.' / --decimal 'Pris=,' (repeatable) → {None: '.', 'Pris': ','}."""
    out: dict[str | None, str] = {}
    for value in values:
        column, equals, setting = value.rpartition("=")
        key = column.strip() if equals else None
        if key in out:
            raise SalesFileError("bad_option", f"{option} is given twice for {key or 'every column'}.")
        out[key] = setting.strip()
    return out


def _option_for(options: dict[str | None, str], column: str) -> str | None:
    return options.get(column, options.get(None))


def sales_file_read(*, path: str | Path, mapping: str, decimal: Sequence[str] = (), date_format: Sequence[str] = (),
                    delimiter: str | None = None, encoding: str | None = None, sheet: str | None = None,
                    need_key: bool = False, today: dt.date | None = None) -> SalesFile:
    """Read `path` through `mapping`, or raise SalesFileError with everything that must be settled first."""
    today = today or dt.date.today()
    fields = mapping_parse(mapping, need_key=need_key)
    decimals = _per_column(decimal, "--decimal")
    for mark in decimals.values():
        if mark not in (".", ","):
            raise SalesFileError("bad_option", f"--decimal takes '.' or ',' (optionally COLUMN=MARK), not {mark!r}.")
    date_formats = _per_column(date_format, "--date-format")
    table = table_open(path, encoding=encoding, delimiter=delimiter_from_option(delimiter), sheet=sheet)
    resolved = mapping_resolve(fields, table.header)
    mapped_names = {name for r in resolved for name in r.names}
    for option, given in (("--decimal", decimals), ("--date-format", date_formats)):
        unknown = [c for c in given if c is not None and c not in mapped_names]
        if unknown:
            raise SalesFileError("bad_option", f"{option} names {', '.join(unknown)}, which the mapping does not use.")

    out = SalesFile(name=Path(path).name, described=table.described)
    width = len(table.header)
    needed = sorted({i for r in resolved for i in r.columns})
    cells: dict[int, list[Cell]] = {i: [] for i in needed}
    kept_lines: list[int] = []
    for line, row in table.rows:
        out.total += 1
        if len(row) > width and any(not isinstance(c, str) or c.strip() for c in row[width:]):
            out.skipped.append(SkippedRow(line, "extra_cells", f"{len(row)} cells; the header has {width} columns"))
            continue
        kept_lines.append(line)
        for i in needed:
            cells[i].append(row[i] if i < len(row) else "")

    out.warnings.extend(table.warnings)
    readers, problems = {}, []
    for r in resolved:
        try:
            readers[r.field] = _decide(r, cells, decimals, date_formats)
        except SalesFileError as exc:
            problems.append(exc)
    if problems:
        code = problems[0].code if len(problems) == 1 else "columns_to_settle"
        raise SalesFileError(code, "\n".join(p.message for p in problems))
    _assemble(out, resolved, readers, cells, kept_lines, today)
    _sanity(out)
    return out


@dataclass
class _Reader:
    kind: str  # number, date, composite, text
    describe: str
    number: NumberFormat | None = None
    date: DateFormat | CompositeDate | None = None


def _decide(r: ResolvedField, cells: dict[int, list[Cell]], decimals: dict[str | None, str],
            date_formats: dict[str | None, str]) -> _Reader:
    column = r.names[0]
    values = cells[r.columns[0]]
    if r.field == "sold_on":
        if len(r.columns) > 1:
            composite = CompositeDate(r.names)
            return _Reader("composite", composite.describe(), date=composite)
        dates = date_format_decide(values, column=column, field=r.field, given=_option_for(date_formats, column))
        return _Reader("date", dates.describe(), date=dates)
    texts = [v for v in values if isinstance(v, str) and v.strip().lower() not in MISSING]
    typed_numbers = sum(isinstance(v, (int, float)) for v in values)
    present = len(texts) + sum(not isinstance(v, str) for v in values)
    numbers = typed_numbers + sum(is_number(t) for t in texts)
    if r.field in KEY_FIELDS or r.field in TEXT_FIELDS:
        return _Reader("text", "text" if r.field in TEXT_FIELDS else "key (text)")
    if r.extra:
        share = numbers / present if present else 0.0
        if r.kind == "category" or (r.kind is None and share < NUMBER_SHARE):
            why = "as mapped" if r.kind else f"{share:.0%} of values are numbers"
            shown = (cell_as_text(v).strip() for v in values)
            distinct = Counter(t for t in shown if t.lower() not in MISSING)
            examples = ", ".join(v for v, _ in distinct.most_common(4))
            return _Reader("text", f"category, {len(distinct):,} values such as {examples} ({why})")
    elif present and numbers / present < WRONG_COLUMN_SHARE:
        examples = ", ".join(f'"{t}"' for t in list(dict.fromkeys(t for t in texts if not is_number(t)))[:3])
        raise SalesFileError("not_a_number_column", (
            f'Column "{column}" ({r.field}) is mostly not numbers ({numbers:,} of {present:,} values are; e.g. '
            f"{examples}). Map {r.field} to a number column."))
    found = number_format_decide(texts, column=column, field=r.field, decimal=_option_for(decimals, column))
    describe = found.describe() if texts or not typed_numbers else "number (spreadsheet number cells)"
    if r.extra:
        describe += " (as mapped)" if r.kind == "number" else f", {numbers / present if present else 0:.0%} numbers"
    return _Reader("number", describe, number=found)


def _parse(reader: _Reader, values: list[Cell]) -> list[object]:
    if reader.kind == "number":
        assert reader.number is not None
        fmt = reader.number
        return [float(v) if isinstance(v, (int, float)) else fmt.parse(v) if isinstance(v, str) else UNREADABLE
                for v in values]
    if reader.kind == "date":
        assert isinstance(reader.date, DateFormat)
        return [reader.date.parse(v) for v in values]
    text = [cell_as_text(v).strip() for v in values]
    return [None if t.lower() in MISSING else t for t in text]


def _shown(cell: Cell) -> str:
    text = cell_as_text(cell).strip()
    return text if len(text) <= 40 else text[:37] + "…"


def _assemble(out: SalesFile, resolved: list[ResolvedField], readers: dict[str, _Reader],
              cells: dict[int, list[Cell]], lines: list[int], today: dt.date) -> None:
    """Check every value of every column (the reports count all rows read), then build the used rows."""
    n = len(lines)
    raw: dict[str, list[str]] = {}
    parsed: dict[str, list[object]] = {}
    for r in resolved:
        reader = readers[r.field]
        if reader.kind == "composite":
            assert isinstance(reader.date, CompositeDate)
            columns = [cells[i] for i in r.columns]
            parsed[r.field] = [reader.date.parse(parts) for parts in zip(*columns, strict=True)]
            raw[r.field] = ["/".join(_shown(p) for p in parts) for parts in zip(*columns, strict=True)]
        else:
            parsed[r.field] = _parse(reader, cells[r.columns[0]])
            raw[r.field] = [_shown(c) for c in cells[r.columns[0]]]
    reports = {r.field: ColumnReport(r.field, r.source, readers[r.field].describe, n) for r in resolved}
    ages = _year_built_ages(parsed.get("year_built"))
    if ages is not None:
        reports["year_built"].format += (f"; read as age in years (median {ages:g} < {AGE_BELOW}): year built = "
                                         f"sale year − age")
    sold_on = parsed["sold_on"]
    clean: dict[str, list[object]] = {}
    for name, values in parsed.items():
        report, kept = reports[name], []
        for i, value in enumerate(values):
            why = _unusable_why(name, value, ages=ages, today=today)
            if why is None and name == "year_built" and isinstance(value, float):
                value = _year(value, ages, sold_on[i])
            if value is None:
                report.missing += 1
            elif isinstance(value, Unreadable):
                report.unreadable += 1
                if len(report.examples) < 3 and raw[name][i] not in report.examples:
                    report.examples.append(raw[name][i])
            elif why:
                report.rejected[why] = report.rejected.get(why, 0) + 1
            else:
                report.usable += 1
            kept.append(value if why is None and not isinstance(value, Unreadable) else None)
        clean[name] = kept
    if "lat" in clean and "lon" in clean:
        for i, (lat, lon) in enumerate(zip(clean["lat"], clean["lon"], strict=True)):
            if (lat is None) != (lon is None):
                half = "lat" if lat is not None else "lon"
                reports[half].usable -= 1
                why = "without the other coordinate: missing"
                reports[half].rejected[why] = reports[half].rejected.get(why, 0) + 1
                clean["lat"][i] = clean["lon"][i] = None
    keys = {r.field: f"x:{r.field}" if r.extra else r.field for r in resolved}
    textual = {r.field for r in resolved if readers[r.field].kind == "text"}
    for i, line in enumerate(lines):
        skip = _skip_reason(parsed["price"][i], parsed["sold_on"][i], raw["price"][i], raw["sold_on"][i], today)
        if skip:
            out.skipped.append(SkippedRow(line, *skip))
            continue
        row = {keys[name]: (values[i] or "") if name in textual else values[i] for name, values in clean.items()}
        out.rows.append(row)
        out.lines.append(line)
    out.skipped.sort(key=lambda s: s.line)
    out.columns = [reports[r.field] for r in resolved]
    out.extra_numeric = [r.field for r in resolved if r.extra and readers[r.field].kind == "number"]
    out.extra_text = [r.field for r in resolved if r.extra and readers[r.field].kind == "text"]


def _unusable_why(name: str, value: object, *, ages: float | None, today: dt.date) -> str | None:
    """Why a readable value cannot be used (None: it can)."""
    if isinstance(value, float):
        if name == "price" and value <= 0:
            return "not positive"
        if name in AREA_FIELDS and value <= 0:
            return "not positive: missing"
        if name == "year_built":
            if ages is not None and not 0 <= value < AGE_BELOW:
                return "not an age: missing"
            if ages is None and not 1000 <= value <= today.year + 5:
                return "not a year: missing"
    if isinstance(value, dt.date):
        if value > today:
            return "in the future"
        if value.year < 1900:
            return "before 1900"
    return None


def _year(value: float, ages: float | None, sold_on: object) -> float | None:
    if ages is None:
        return value
    return float(sold_on.year - value) if isinstance(sold_on, dt.date) else None


def _skip_reason(price: object, sold_on: object, price_raw: str, date_raw: str,
                 today: dt.date) -> tuple[str, str] | None:
    if price is None:
        return "missing_price", "price is missing"
    if isinstance(price, Unreadable):
        return "invalid_price", f"price is not a number ({price_raw!r})"
    if isinstance(price, float) and price <= 0:
        return "non_positive_price", f"price must be positive ({price_raw!r})"
    if sold_on is None:
        return "missing_date", "sale date is missing"
    if isinstance(sold_on, Unreadable):
        return "invalid_date", f"sale date is not a date in the column's format ({date_raw!r})"
    if isinstance(sold_on, dt.date) and sold_on > today:
        return "future_date", f"sale date is in the future ({sold_on})"
    if isinstance(sold_on, dt.date) and sold_on.year < 1900:
        return "invalid_date", f"sale date is implausibly old ({sold_on})"
    return None


def _year_built_ages(values: list[object] | None) -> float | None:
    """The median when the column holds ages (median below AGE_BELOW), else None (it holds years)."""
    numbers = [v for v in values or () if isinstance(v, float)]
    if not numbers:
        return None
    median = statistics.median(numbers)
    return median if median < AGE_BELOW else None


def _sanity(out: SalesFile) -> None:
    """Warn about columns that look like the wrong unit (kept: the model works on logs and ranks)."""
    prices = [r["price"] for r in out.rows]
    if prices and statistics.median(prices) < 20_000:
        out.warnings.append("Prices look like thousands (median below 20 000); relative figures are unaffected.")
    lats = [abs(r["lat"]) for r in out.rows if r.get("lat") is not None]
    if lats and max(lats) > 90:
        out.warnings.append("Coordinates are not degrees (projected?); they are used as plain numbers.")
