"""Sales from any CSV file, with a column mapping: tolerant parsing and a report of every bad row.

The mapping names our fields on the left and the file's columns on the right:
``price=Pris,sold_on=Salgsdato,usable_area=BRA,lat=lat,lon=lon,external_id=Matrikkel,district=Bydel``.
Known fields: see FIELDS. Any other name becomes an extra feature (numeric when nearly all its
values are numbers, otherwise categorical). Numbers may use spaces, dots or commas as thousands
separators and a comma as decimal mark, and may carry units ("2 150 000 kr", "85 m²"). Dates may be
ISO (2024-03-01, with or without a time), Norwegian (01.03.2024), 01/03/2024, 20240301, or 2024-03.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from .frame import Frame, day_number, empty_num, empty_text

REQUIRED = ("price", "sold_on")
NUMERIC_FIELDS = ("usable_area", "plot_area", "lat", "lon", "year_built", "rooms", "bedrooms", "floors", "building_type")
TEXT_FIELDS = ("category", "municipality", "county")
KEY_FIELDS = ("external_id", "matrikkelenhet_id", "property_id")
FIELDS = REQUIRED + NUMERIC_FIELDS + TEXT_FIELDS + KEY_FIELDS + ("true_value",)
MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "–", "?", "ukjent", "unknown"}
_NUM_CLEAN = re.compile(r"[^\d,.\-eE+]")


class MappingError(ValueError):
    pass


def parse_mapping(text: str) -> dict[str, str]:
    """'price=Pris,sold_on=Dato' → {"price": "Pris", "sold_on": "Dato"}. Our field names are case-insensitive."""
    mapping = {}
    for part in [p for p in re.split(r"[,;]\s*(?=[^=,;]+=)", text or "") if p.strip()]:
        if "=" not in part:
            raise MappingError(f"Mapping entry {part!r} is not field=column.")
        ours, theirs = part.split("=", 1)
        ours = ours.strip().lower()
        if not ours or not theirs.strip():
            raise MappingError(f"Mapping entry {part!r} is not field=column.")
        mapping[ours] = theirs.strip()
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise MappingError(f"The mapping must name the {' and '.join(missing)} column(s).")
    return mapping


def parse_number(value: str | None) -> float | None:
    """'2 150 000 kr' → 2150000; '1.234.567,5' → 1234567.5; '85,5 m²' → 85.5; missing → None; junk → ValueError."""
    if value is None:
        return None
    text = str(value).strip().replace("\u00a0", " ").replace("\u202f", " ")
    if text.lower() in MISSING:
        return None
    text = text.replace("m²", "").replace("m2", "").replace(" ", "").replace("'", "")
    text = _NUM_CLEAN.sub("", text) if re.search(r"\d", text) else text
    if not text or not re.search(r"\d", text):
        raise ValueError(f"not a number: {value!r}")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")  # 1.234.567,5
        else:
            text = text.replace(",", "")  # 1,234,567.5
    else:
        for sep in (",", "."):
            if text.count(sep) > 1:
                text = text.replace(sep, "")  # 1.234.567 / 1,234,567
            elif text.count(sep) == 1:
                head, tail = text.split(sep)
                digits = head.lstrip("-+")
                if len(tail) == 3 and 1 <= len(digits) <= 3 and digits[0] != "0":
                    text = head + tail  # 1.500 / 1,500: a thousands separator
                else:
                    text = head + "." + tail  # 85,5 / 85.5
    number = float(text)
    if not np.isfinite(number):
        raise ValueError(f"not a number: {value!r}")
    return number


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%Y%m%d", "%d-%m-%Y", "%d.%m.%y", "%Y-%m")


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in MISSING:
        return None
    candidate = text.replace("T", " ").split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r}")


@dataclass
class BadRow:
    line: int
    reason: str
    code: str
    values: dict


@dataclass
class CsvSales:
    """Parsed rows (ours → value) plus every row that could not be used, with its reason."""

    rows: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    total: int = 0
    extra_numeric: list[str] = field(default_factory=list)
    extra_text: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for b in self.bad:
            out[b.code] = out.get(b.code, 0) + 1
        return out


def _open_text(path: str) -> str:
    raw = open(path, "rb").read()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def read_sales_csv(path: str, mapping: dict[str, str], *, today: date | None = None) -> CsvSales:
    """Read and validate; nothing is dropped silently (every skipped row is in `bad`)."""
    today = today or date.today()
    text = _open_text(path)
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = {(h or "").strip(): h for h in (reader.fieldnames or [])}
    header_ci = {k.lower(): v for k, v in header.items()}
    missing = [theirs for theirs in mapping.values() if theirs not in header and theirs.lower() not in header_ci]
    if missing:
        raise MappingError(f"Column(s) not in the file: {', '.join(missing)}. The file has: {', '.join(header)}")
    columns = {ours: header.get(theirs) or header_ci[theirs.lower()] for ours, theirs in mapping.items()}
    extras = [k for k in mapping if k not in FIELDS]
    out = CsvSales()
    raw_extra: dict[str, list] = {k: [] for k in extras}
    for line, record in enumerate(reader, start=2):
        out.total += 1
        values = {ours: (record.get(col) or "").strip() for ours, col in columns.items()}
        if None in record:  # more cells than header columns
            out.bad.append(BadRow(line, "more cells than the header has columns", "extra_cells", values))
            continue
        row: dict = {}
        try:
            price = parse_number(values["price"])
        except ValueError:
            out.bad.append(BadRow(line, f"price is not a number ({values['price']!r})", "invalid_price", values))
            continue
        if price is None:
            out.bad.append(BadRow(line, "price is missing", "missing_price", values))
            continue
        if price <= 0:
            out.bad.append(BadRow(line, f"price must be positive ({values['price']!r})", "non_positive_price", values))
            continue
        try:
            sold_on = parse_date(values["sold_on"])
        except ValueError:
            out.bad.append(BadRow(line, f"sale date is not a date ({values['sold_on']!r})", "invalid_date", values))
            continue
        if sold_on is None:
            out.bad.append(BadRow(line, "sale date is missing", "missing_date", values))
            continue
        if sold_on > today:
            out.bad.append(BadRow(line, f"sale date is in the future ({sold_on})", "future_date", values))
            continue
        if sold_on.year < 1900:
            out.bad.append(BadRow(line, f"sale date is implausibly old ({sold_on})", "invalid_date", values))
            continue
        row["price"], row["sold_on"] = price, sold_on
        problem = None
        for name in NUMERIC_FIELDS + ("true_value",):
            if name in values:
                try:
                    row[name] = parse_number(values[name])
                except ValueError:
                    problem = (f"{name} is not a number ({values[name]!r})", f"invalid_{name}")
                    break
        if problem:
            out.bad.append(BadRow(line, problem[0], problem[1], values))
            continue
        lat, lon = row.get("lat"), row.get("lon")
        if (lat is None) != (lon is None):
            row["lat"] = row["lon"] = None  # half a coordinate is no coordinate
        for name in TEXT_FIELDS + KEY_FIELDS:
            if name in values:
                row[name] = "" if values[name].lower() in MISSING else values[name]
        for name in extras:
            raw_extra[name].append(values[name])
        out.rows.append(row)
        out.lines.append(line)
    # Extra columns: numeric when ≥ 90 % of the present values are numbers.
    for name in extras:
        parsed, present, ok = [], 0, 0
        for v in raw_extra[name]:
            try:
                number = parse_number(v)
            except ValueError:
                number = "bad"
            if number is not None:
                present += 1
                ok += number != "bad"
            parsed.append(number)
        if present and ok / present >= 0.9:
            out.extra_numeric.append(name)
            for row, number in zip(out.rows, parsed):
                row[f"x:{name}"] = np.nan if number in (None, "bad") else number
        else:
            out.extra_text.append(name)
            for row, v in zip(out.rows, raw_extra[name]):
                row[f"x:{name}"] = "" if v.lower() in MISSING else v
    _sanity(out)
    return out


def _sanity(out: CsvSales) -> None:
    """Warn about columns that look like the wrong unit (kept: the model works on logs and ranks)."""
    prices = np.array([r["price"] for r in out.rows])
    if len(prices) and np.median(prices) < 20_000:
        out.warnings.append("Prices look like thousands (median below 20 000); relative figures are unaffected.")
    lat = np.array([r.get("lat") if r.get("lat") is not None else np.nan for r in out.rows], float)
    if np.isfinite(lat).any() and np.nanmax(np.abs(lat)) > 90:
        out.warnings.append("Coordinates are not degrees (projected?); they are used as plain numbers.")


def frame_from_csv(data: CsvSales) -> Frame:
    n = len(data.rows)
    num, text = empty_num(n), empty_text(n)
    for i, row in enumerate(data.rows):
        for name in num:
            v = row.get(name)
            if v is not None:
                num[name][i] = v
        for name in text:
            v = row.get(name)
            if v:
                text[name][i] = v
    # Year built given as age (small numbers) is turned into a year.
    yb = num["year_built"]
    if np.isfinite(yb).any() and np.nanmedian(yb) < 300:
        years = np.array([r["sold_on"].year for r in data.rows], float)
        num["year_built"] = years - yb
    for name in ("usable_area", "plot_area"):
        v = num[name]
        v[v <= 0] = np.nan
    true_value = (np.array([r.get("true_value") if r.get("true_value") is not None else np.nan for r in data.rows],
                           float) if any(r.get("true_value") is not None for r in data.rows) else None)
    return Frame(
        n=n, price=np.array([r["price"] for r in data.rows], float),
        sold_day=np.array([day_number(r["sold_on"]) for r in data.rows], float),
        num=num, text=text, tags=None,
        extra_num={k: np.array([r[f"x:{k}"] for r in data.rows], float) for k in data.extra_numeric},
        extra_text={k: np.array([r[f"x:{k}"] for r in data.rows], dtype=object) for k in data.extra_text},
        true_value=true_value,
    )
