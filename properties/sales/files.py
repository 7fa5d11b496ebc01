"""Opening a sales file as a header and rows of cells, deciding how it is stored or refusing with one line.

What a file is comes from its bytes, not its name: gzip (``1f 8b``), zip (``PK``: a spreadsheet when it holds
``xl/workbook.xml``, otherwise exactly one CSV inside), the old binary Excel format (refused), or text.

Text encodings: a byte order mark decides (UTF-8, UTF-16, UTF-32); without one, UTF-16 is recognised by its
NUL bytes, valid UTF-8 is UTF-8, and anything else is read as Windows-1252 unless that reading contains bytes
cp1252 does not define or typical signs of a DOS/Mac code page (``Kj›pesum``), which are refused: ``--encoding``
settles them.

The delimiter is decided from the header: the one of ``;``, ``,``, tab and ``|`` that splits it. When the header
splits on several, the one that splits the first rows into as many cells as the header wins; when that does not
settle it either, the file is refused (``--delimiter``).

Spreadsheet cells keep their type (numbers, dates), so a number written ``10.752`` in Excel is never re-read
from text. Line numbers are the file's physical lines (text) or the sheet's row numbers (spreadsheets).
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .errors import SalesFileError

Cell = str | float | int | dt.date | dt.datetime
DELIMITERS = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
TEXT_MEMBERS = (".csv", ".tsv", ".txt")
_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 (byte order mark)"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 (byte order mark)"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (byte order mark)"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (byte order mark)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (byte order mark)"),
)
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
# In a cp1252 reading these between two letters are letters of another code page (cp850/cp865 ø å æ, Mac ø æ).
_FOREIGN_LETTER = re.compile(r"(?<=[^\W\d_])[†‡ˆ‰‹›ƒ‘¿¾Œ](?=[^\W\d_])")


@dataclass
class Table:
    """The header and an iterator over (line, cells) of the data rows; blank rows are not rows."""

    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    described: list[str] = field(default_factory=list)  # how the file was opened, for the reading report
    spreadsheet: bool = False
    warnings: list[str] = field(default_factory=list)  # filled while the rows are read


def table_open(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | None = None) -> Table:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SalesFileError("unreadable_file", f"Cannot read {path}: {exc.strerror or exc}.") from None
    return _table_from_bytes(raw, name=path.name, encoding=encoding, delimiter=delimiter, sheet=sheet, described=[])


def _table_from_bytes(raw: bytes, *, name: str, encoding: str | None, delimiter: str | None, sheet: str | None,
                      described: list[str]) -> Table:
    if raw.startswith(b"\x1f\x8b"):
        try:
            payload = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise SalesFileError("bad_archive", f"{name} starts like a gzip file but cannot be unpacked ({exc}).") \
                from None
        inner = name[:-3] if name.lower().endswith(".gz") else name
        return _table_from_bytes(payload, name=inner, encoding=encoding, delimiter=delimiter, sheet=sheet,
                                 described=[*described, "gzip"])
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(raw))
            names = archive.namelist()
        except zipfile.BadZipFile as exc:
            raise SalesFileError("bad_archive", f"{name} starts like a zip file but cannot be opened ({exc}).") \
                from None
        if "xl/workbook.xml" in names:
            return _spreadsheet(raw, name=name, sheet=sheet, described=described)
        return _zip_member(archive, name=name, encoding=encoding, delimiter=delimiter, described=described)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise SalesFileError("unsupported_format", f"{name} is an old binary Excel (.xls) file; save it as .xlsx "
                                                   f"or CSV.")
    text, how = _decode(raw, name=name, encoding=encoding)
    return _text_table(text, delimiter=delimiter, described=[*described, "CSV", how])


def _zip_member(archive: zipfile.ZipFile, *, name: str, encoding: str | None, delimiter: str | None,
                described: list[str]) -> Table:
    files = [info for info in archive.infolist() if not info.is_dir() and not info.filename.startswith("__MACOSX/")
             and not Path(info.filename).name.startswith(".")]
    tables = [info for info in files if info.filename.lower().endswith(TEXT_MEMBERS + tuple(
        f"{ext}.gz" for ext in TEXT_MEMBERS))]
    if len(tables) != 1:
        listed = ", ".join(info.filename for info in files[:10]) or "nothing"
        raise SalesFileError("bad_archive", f"{name} must hold exactly one CSV file; it holds {len(tables)} "
                                            f"({listed}).")
    member = tables[0]
    return _table_from_bytes(archive.read(member), name=member.filename, encoding=encoding, delimiter=delimiter,
                             sheet=None, described=[*described, f"zip member {member.filename}"])


def _decode(raw: bytes, *, name: str, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), f"encoding {encoding} (as given)"
        except LookupError:
            raise SalesFileError("unknown_encoding", f"Unknown encoding {encoding!r}.") from None
        except UnicodeDecodeError as exc:
            raise SalesFileError("bad_encoding", f"{name} is not valid {encoding} (byte {exc.start}).") from None
    for bom, codec, how in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), how
            except UnicodeDecodeError as exc:
                raise SalesFileError("bad_encoding", f"{name} starts with a {how.split(' ')[0]} byte order mark but "
                                                     f"is not valid {how.split(' ')[0]} (byte {exc.start}).") from None
    sample = raw[:65536]
    if b"\x00" in sample:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        utf16 = ("utf-16-le" if odd > 0.3 * half and even <= 0.02 * half
                 else "utf-16-be" if even > 0.3 * half and odd <= 0.02 * half else None)
        if utf16 is None:
            raise SalesFileError("undecidable_encoding", f"{name} holds NUL bytes but is not UTF-16 text; export it "
                                                         f"as CSV (UTF-8) or .xlsx.")
        try:
            return raw.decode(utf16), f"UTF-16 ({'little' if utf16.endswith('le') else 'big'}-endian, no byte " \
                                      f"order mark)"
        except UnicodeDecodeError:
            raise SalesFileError("undecidable_encoding", f"{name} looks like UTF-16 without a byte order mark but "
                                                         f"does not decode; pass --encoding.") from None
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    undefined = sorted(set(raw) & _CP1252_UNDEFINED)
    if undefined:
        raise SalesFileError("undecidable_encoding", f"{name} is neither UTF-8 nor Windows-1252 (it has bytes "
                                                     f"{', '.join(f'0x{b:02X}' for b in undefined)}); pass --encoding "
                                                     f"(e.g. cp865, mac_roman) or save it as UTF-8.")
    text = raw.decode("cp1252")
    foreign = _FOREIGN_LETTER.search(text)
    if foreign:
        edge = r"[\s;,\t|\"]"
        word = re.split(edge, text[:foreign.start()])[-1] + re.split(edge, text[foreign.start():], maxsplit=1)[0]
        raise SalesFileError("undecidable_encoding", f"{name} is not UTF-8, and read as Windows-1252 it has words "
                                                     f"like {word[:40]!r}; pass --encoding (e.g. cp865, mac_roman) or "
                                                     f"save it as UTF-8.")
    return text, "Windows-1252 (the file is not valid UTF-8)"


def delimiter_from_option(value: str | None) -> str | None:
    if value is None:
        return None
    value = DELIMITER_NAMES.get(value.lower(), value)
    if value not in DELIMITERS:
        raise SalesFileError("bad_option", f"--delimiter must be one of ';', ',', tab or '|', not {value!r}.")
    return value


def _fields(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _sniff(text: str) -> tuple[str, str]:
    first = text.split("\n", 1)[0].rstrip("\r")
    splitting = {d: len(_fields(first, d)) for d in DELIMITERS}
    splitting = {d: n for d, n in splitting.items() if n >= 2}
    if not splitting:
        return ",", "one column (the header has no ';', ',', tab or '|')"
    if len(splitting) == 1:
        (d, _), = splitting.items()
        return d, f"delimiter {DELIMITERS[d]}"
    consistent = []
    for d, width in splitting.items():
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=d)
        try:
            widths = {len(row) for row in islice(rows, 201) if any(cell.strip() for cell in row)}
        except csv.Error:
            continue
        if widths == {width}:
            consistent.append(d)
    if len(consistent) == 1:
        d = consistent[0]
        others = " and ".join(DELIMITERS[o] for o in splitting if o != d)
        return d, f"delimiter {DELIMITERS[d]} (the header also holds {others}, but only {DELIMITERS[d]} splits the " \
                  f"first rows like the header)"
    options = " or ".join(f"--delimiter \"{'tab' if d == chr(9) else d}\"" for d in splitting)
    found = ", ".join(f"{DELIMITERS[d]} ({n} columns)" for d, n in splitting.items())
    raise SalesFileError("ambiguous_delimiter", f"Cannot tell the delimiter: the header splits on {found}. "
                                                f"Settle it with {options}.")


def _text_table(text: str, *, delimiter: str | None, described: list[str]) -> Table:
    text = text.lstrip("\ufeff")
    if delimiter is None:
        delimiter, how = _sniff(text)
    else:
        how = f"delimiter {DELIMITERS[delimiter]} (as given)"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise SalesFileError("empty_file", "The file is empty.") from None
    except csv.Error as exc:
        raise SalesFileError("malformed_csv", f"Line 1 cannot be read as CSV: {exc}.") from None

    spanning: list[str] = []

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        previous = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise SalesFileError("malformed_csv", f"Line {previous + 1} cannot be read as CSV: {exc}.") from None
            line, previous = previous + 1, reader.line_num
            if previous > line:
                spanning.append(f"{line}–{previous}")
            if any(cell.strip() for cell in cells):
                yield line, list(cells)
        if spanning:
            table.warnings.append(
                f"{len(spanning):,} row(s) run over several lines inside quotes (lines {', '.join(spanning[:5])}"
                f"{' …' if len(spanning) > 5 else ''}): check for an unclosed quote, which joins the lines after it "
                f"into one cell.")

    table = Table(header=header, rows=rows(), described=[*described, how])
    return table


def _spreadsheet(raw: bytes, *, name: str, sheet: str | None, described: list[str]) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds (KeyError, InvalidFileException, XML errors)
        raise SalesFileError("bad_spreadsheet", f"{name} cannot be opened as an .xlsx workbook ({exc}).") from None
    names = book.sheetnames
    if sheet is not None:
        if sheet not in names:
            raise SalesFileError("unknown_sheet", f"{name} has no sheet {sheet!r}; it has {', '.join(names)}.")
        chosen, how = sheet, f"sheet {sheet!r} (as given)"
    else:
        with_data = [n for n in names if any(
            any(v not in (None, "") for v in row) for row in book[n].iter_rows(max_row=2, values_only=True))]
        if len(with_data) != 1:
            listed = ", ".join(repr(n) for n in with_data or names)
            raise SalesFileError("ambiguous_sheet", f"{name} has {len(with_data)} sheets with data ({listed}); "
                                                    f"settle it with --sheet NAME.")
        chosen = with_data[0]
        how = f"sheet {chosen!r}" + (" (the only one with data)" if len(names) > 1 else "")
    rows = book[chosen].iter_rows(values_only=True)
    first = next(rows, None)
    if first is None:
        book.close()
        raise SalesFileError("empty_file", f"Sheet {chosen!r} of {name} is empty.")
    header = [_cell_text(v).strip() for v in first]
    while header and not header[-1]:
        header.pop()

    def cells() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for number, row in enumerate(rows, start=2):
                values: list[Cell] = [_cell(v) for v in row]
                while len(values) > len(header) and values[-1] == "":
                    values.pop()
                if any(v != "" for v in values):
                    yield number, values
        finally:
            book.close()

    return Table(header=header, rows=cells(), described=[*described, "xlsx", how], spreadsheet=True)


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, dt.date, dt.datetime)):
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _cell_text(value: object) -> str:
    cell = _cell(value)
    return cell if isinstance(cell, str) else cell_as_text(cell)


def cell_as_text(cell: Cell) -> str:
    """A typed spreadsheet cell as text: 2406.0 → '2406', a midnight datetime → its date."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
        return cell.date().isoformat()
    if isinstance(cell, (dt.date, dt.datetime)):
        return cell.isoformat()
    return str(cell)
