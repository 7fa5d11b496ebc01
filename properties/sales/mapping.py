"""The column mapping: our field names on the left, the file's columns on the right.

    price=Pris,sold_on=Salgsdato,usable_area=BRA,lat=lat,lon=lon,external_id=Matrikkel
    sold_on=Yr Sold+Mo Sold          a date from a year and a month column (or year, month and day)
    zip=zipcode:category             an extra field, read as a category even when its values are numbers
    lot=LotFrontage:number           an extra field, read as a number (values that are not become missing)

Entries are separated by commas (or semicolons) that are followed by the next ``name=``, so column names may hold
commas. A column name that exists verbatim in the header (even with ``+`` or ``:``) is that column. Known fields
are below; any other name is an extra feature for the valuation model: a number when at least 90 % of its present
values are numbers, otherwise a category (``:category`` and ``:number`` decide instead).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SalesFileError

REQUIRED = ("price", "sold_on")
NUMERIC_FIELDS = ("usable_area", "plot_area", "lat", "lon", "year_built", "rooms", "bedrooms", "floors",
                  "building_type", "true_value")
TEXT_FIELDS = ("category", "municipality", "county")
KEY_FIELDS = ("external_id", "matrikkelenhet_id", "property_id")
FIELDS = REQUIRED + NUMERIC_FIELDS + TEXT_FIELDS + KEY_FIELDS
TYPES = {"category": "category", "text": "category", "number": "number"}
_ENTRY_SPLIT = re.compile(r"[,;]\s*(?=[^=,;]+=)")
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class FieldMap:
    """One mapping entry as written: our field and the right-hand side, resolved against a header later."""

    field: str
    written: str

    @property
    def extra(self) -> bool:
        return self.field not in FIELDS


@dataclass(frozen=True)
class ResolvedField:
    field: str
    columns: tuple[int, ...]  # header indexes: one, or year/month[/day] for a composite date
    names: tuple[str, ...]  # the header's names of those columns
    kind: str | None = None  # "category" or "number" when the mapping says so (extra fields only)

    @property
    def extra(self) -> bool:
        return self.field not in FIELDS

    @property
    def source(self) -> str:
        return " + ".join(f'"{name}"' for name in self.names)


def mapping_parse(text: str, *, need_key: bool = False) -> list[FieldMap]:
    """'price=Pris,sold_on=Dato' → [FieldMap('price', 'Pris'), ...]. Our field names are case-insensitive."""
    entries: dict[str, FieldMap] = {}
    for part in [p for p in _ENTRY_SPLIT.split(text or "") if p.strip()]:
        ours, equals, theirs = part.partition("=")
        ours = ours.strip().lower()
        if not equals or not ours or not theirs.strip():
            raise SalesFileError("bad_mapping", f"Mapping entry {part.strip()!r} is not field=column.")
        if not _NAME.fullmatch(ours):
            raise SalesFileError("bad_mapping", f"Field name {ours!r} must be letters, digits and _ (mapping entry "
                                                f"{part.strip()!r}).")
        if ours in entries:
            raise SalesFileError("bad_mapping", f"Field {ours!r} is mapped twice.")
        entries[ours] = FieldMap(ours, theirs.strip())
    missing = [f for f in REQUIRED if f not in entries]
    if missing:
        raise SalesFileError("bad_mapping", f"The mapping must name the {' and '.join(missing)} column(s).")
    if need_key and not any(f in entries for f in KEY_FIELDS):
        raise SalesFileError("bad_mapping", "Importing needs a property key: map external_id (matrikkel number), "
                                            "matrikkelenhet_id or property_id.")
    return list(entries.values())


def _column(name: str, header: list[str]) -> int | None:
    exact = [i for i, h in enumerate(header) if h == name]
    if len(exact) > 1:
        raise SalesFileError("duplicate_column", f'Column "{name}" appears {len(exact)} times in the header.')
    if exact:
        return exact[0]
    folded = [i for i, h in enumerate(header) if h.casefold() == name.casefold()]
    if len(folded) > 1:
        raise SalesFileError("duplicate_column", f'Column "{name}" matches {len(folded)} header columns when case '
                                                 f"is ignored; write it exactly as in the header.")
    return folded[0] if folded else None


def mapping_resolve(fields: list[FieldMap], header: list[str]) -> list[ResolvedField]:
    """Find every mapped column in the header; refuse what is missing, listing the file's columns."""
    resolved, missing = [], []
    for entry in fields:
        written, kind = entry.written, None
        index = _column(written, header)
        if index is not None:
            resolved.append(ResolvedField(entry.field, (index,), (header[index],)))
            continue
        base, colon, suffix = written.rpartition(":")
        if colon and suffix.strip().lower() in TYPES:
            if not entry.extra:
                raise SalesFileError("bad_mapping", f"{entry.field} has a fixed type; ':{suffix.strip()}' is for extra "
                                                    f"fields (names other than {', '.join(FIELDS)}).")
            written, kind = base.strip(), TYPES[suffix.strip().lower()]
            index = _column(written, header)
            if index is not None:
                resolved.append(ResolvedField(entry.field, (index,), (header[index],), kind))
                continue
        parts = [p.strip() for p in written.split("+")]
        if len(parts) > 1:
            if entry.field != "sold_on":
                raise SalesFileError("bad_mapping", f"Only sold_on may combine columns (year+month[+day]); "
                                                    f"{entry.field}={entry.written} does.")
            if len(parts) > 3:
                raise SalesFileError("bad_mapping", f"sold_on combines at most year+month+day; it has {len(parts)} "
                                                    f"columns.")
            indexes = [_column(p, header) for p in parts]
            missing += [p for p, i in zip(parts, indexes, strict=True) if i is None]
            if all(i is not None for i in indexes):
                found = tuple(i for i in indexes if i is not None)
                resolved.append(ResolvedField(entry.field, found, tuple(header[i] for i in found)))
            continue
        missing.append(written)
    if missing:
        shown = ", ".join(f'"{h}"' for h in header[:60]) + (" …" if len(header) > 60 else "")
        hint = ""
        if len(header) == 1 and re.search(r"[;,\t|]", header[0]):
            hint = " The header was read as one column: pass --delimiter."
        raise SalesFileError("unknown_column", f"Column(s) not in the file: {', '.join(missing)}. The file has: "
                                               f"{shown}.{hint}")
    return resolved
