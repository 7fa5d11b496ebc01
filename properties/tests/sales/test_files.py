"""Compressed, archived, spreadsheet and differently encoded sales files are read, or refused in one clear line."""
import codecs
import datetime as dt
import gzip
import re
import zipfile

import openpyxl
import pytest

from properties.sales.errors import SalesFileError
from properties.sales.reader import sales_file_read

TODAY = dt.date(2025, 6, 1)
CSV = "Pris;Dato;Byggeår;lat;lon\n4 250 000;01.03.2024;1978;59.913;10.752\n3 100 000;15.04.2023;2001;60.881;11.563\n"
MAPPING = "price=Pris,sold_on=Dato,year_built=Byggeår,lat=lat,lon=lon"
EXPECTED = [(4_250_000, dt.date(2024, 3, 1), 1978, 59.913, 10.752), (3_100_000, dt.date(2023, 4, 15), 2001, 60.881,
                                                                      11.563)]


def read(path, mapping=MAPPING, **options):
    return sales_file_read(path=path, mapping=mapping, today=TODAY, **options)


def values(data):
    return [(r["price"], r["sold_on"], r["year_built"], r["lat"], r["lon"]) for r in data.rows]


def test_a_gzipped_csv_is_read(tmp_path):
    path = tmp_path / "sales.csv.gz"
    path.write_bytes(gzip.compress(CSV.encode("utf-8")))
    data = read(path)
    assert values(data) == EXPECTED and data.described[:2] == ["gzip", "CSV"]


def test_a_zip_with_one_csv_is_read_whatever_else_it_holds(tmp_path):
    path = tmp_path / "sales.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export/salg.csv", CSV.encode("utf-8"))
        archive.writestr("export/LESMEG.pdf", b"%PDF-1.4")
        archive.writestr("__MACOSX/export/._salg.csv", b"junk")
    data = read(path)
    assert values(data) == EXPECTED and "zip member export/salg.csv" in data.described


@pytest.mark.parametrize("members, holds", [(["a.csv", "b.csv"], "2 (a.csv, b.csv)"), (["notes.pdf"], "0 (notes.pdf)")])
def test_a_zip_without_exactly_one_csv_is_refused(tmp_path, members, holds):
    path = tmp_path / "sales.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in members:
            archive.writestr(name, CSV)
    with pytest.raises(SalesFileError, match=rf"must hold exactly one CSV file; it holds {re.escape(holds)}") as no:
        read(path)
    assert no.value.code == "bad_archive" and "\n" not in no.value.message


def test_an_xlsx_is_read_with_typed_cells_and_sheet_row_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Salg"
    sheet.append(["Pris", "Dato", "Byggeår", "lat", "lon", "BRA", "Stil", "Postnr"])
    sheet.append([4_250_000, dt.datetime(2024, 3, 1), 1978, 59.913, 10.752, 85.5, "1Story", 150])
    sheet.append([None, dt.datetime(2024, 3, 2), 1980, 59.9, 10.7, 90, "SLvl", 2406])
    sheet.append(["3 100 000", "15.04.2023", "2001", 60.881, 11.563, "stor", "1.5Fin", 2406])
    book.create_sheet("Tom")
    path = tmp_path / "salg.xlsx"
    book.save(path)

    data = read(path, MAPPING + ",usable_area=BRA,style=Stil,zip=Postnr:category")

    assert values(data) == EXPECTED and data.lines == [2, 4]
    assert [(s.line, s.code) for s in data.skipped] == [(3, "missing_price")]
    assert [r["usable_area"] for r in data.rows] == [85.5, None]
    assert [r["x:zip"] for r in data.rows] == ["150", "2406"] and [r["x:style"] for r in data.rows] == ["1Story",
                                                                                                         "1.5Fin"]
    assert data.described == ["xlsx", "sheet 'Salg' (the only one with data)"]


def test_an_xlsx_with_several_sheets_of_data_is_refused_until_one_is_named(tmp_path):
    book = openpyxl.Workbook()
    for index, name in enumerate(["2023", "2024"]):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = name
        sheet.append(["Pris", "Dato"])
        sheet.append([1_000_000 + index, dt.datetime(2023 + index, 1, 1)])
    path = tmp_path / "salg.xlsx"
    book.save(path)
    with pytest.raises(SalesFileError, match="2 sheets with data .*--sheet NAME"):
        read(path, "price=Pris,sold_on=Dato")
    assert read(path, "price=Pris,sold_on=Dato", sheet="2024").rows[0]["price"] == 1_000_001


@pytest.mark.parametrize("encoding, described", [
    ("utf-16", "UTF-16 (byte order mark)"), ("utf-16-be", None), ("utf-8-sig", "UTF-8 (byte order mark)"),
    ("cp1252", "Windows-1252 (the file is not valid UTF-8)"),
    ("utf-16-le", "UTF-16 (little-endian, no byte order mark)"),
])
def test_utf16_utf8_with_bom_and_cp1252_text_is_read(tmp_path, encoding, described):
    raw = CSV.encode(encoding)
    if encoding == "utf-16-be":
        raw, described = codecs.BOM_UTF16_BE + raw, "UTF-16 (byte order mark)"
    path = tmp_path / "sales.csv"
    path.write_bytes(raw)
    data = read(path)
    assert values(data) == EXPECTED and described in data.described
    assert data.columns[2].source == '"Byggeår"'


def test_text_that_is_neither_utf8_nor_cp1252_is_refused_in_one_line(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_bytes("Kjøpesum;Dato\n4 250 000;01.03.2024\n".encode("cp865"))  # DOS Nordic: ø is 0x9B
    with pytest.raises(SalesFileError) as refused:
        read(path, "price=Kjøpesum,sold_on=Dato")
    assert refused.value.code == "undecidable_encoding" and "--encoding" in refused.value.message
    assert "\n" not in refused.value.message
    assert read(path, "price=Kjøpesum,sold_on=Dato", encoding="cp865").rows[0]["price"] == 4_250_000
    path.write_bytes(b"Pris;Dato\n4250000;01.03.2024 \x81\n")
    with pytest.raises(SalesFileError, match="neither UTF-8 nor Windows-1252"):
        read(path, "price=Pris,sold_on=Dato")


def test_an_old_binary_excel_file_is_refused(tmp_path):
    path = tmp_path / "sales.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(SalesFileError, match=r"old binary Excel \(.xls\)"):
        read(path)


def test_a_tab_separated_file_is_read(tmp_path):
    path = tmp_path / "sales.tsv"
    path.write_text(CSV.replace(";", "\t"), encoding="utf-8")
    data = read(path)
    assert values(data) == EXPECTED and "delimiter tab" in data.described


def test_a_header_with_two_delimiters_is_settled_by_the_rows(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("Pris;Dato;Areal (m2, bruk)\n4250000;01.03.2024;85\n3100000;15.04.2023;90\n", encoding="utf-8")
    data = read(path, "price=Pris,sold_on=Dato,usable_area=Areal (m2, bruk)")
    assert [r["usable_area"] for r in data.rows] == [85, 90]
    assert data.described[-1].startswith("delimiter ';' (the header also holds ','")


def test_an_undecidable_delimiter_is_refused_until_given(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("Pris;Dato,Areal\n4250000;01.03.2024,85\n", encoding="utf-8")
    with pytest.raises(SalesFileError, match="Cannot tell the delimiter.*--delimiter \";\" or --delimiter \",\""):
        read(path, "price=Pris,sold_on=Dato")
    with pytest.raises(SalesFileError, match="Dato,Areal"):  # with ';' the columns are "Pris" and "Dato,Areal"
        read(path, "price=Pris,sold_on=Dato", delimiter=";")


def test_a_broken_csv_line_is_refused_with_its_line_number(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("Pris,Dato,Note\n4250000,01.03.2024,\n3100000,15.04.2023," + "x" * 140_000 + "\n")
    with pytest.raises(SalesFileError, match="Line 3 cannot be read as CSV: field larger than field limit"):
        read(path, "price=Pris,sold_on=Dato")


def test_an_unclosed_quote_that_joins_lines_is_warned_about(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text('Pris,Dato,Note\n4250000,01.03.2024,"fin\n3100000,15.04.2023,ok\n2900000,16.04.2023,ok\n')
    data = read(path, "price=Pris,sold_on=Dato")
    assert data.total == 1 and "1 row(s) run over several lines inside quotes (lines 2–4)" in data.warnings[0]
