"""import_sales: every kind of bad row is reported with its line and reason; good rows are recorded."""
import gzip
import json
from datetime import date, datetime, timedelta
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from properties.models import Property, PropertySale
from properties.tests.factories import PropertyFactory

MAPPING = "external_id=Matrikkel,price=Pris,sold_on=Dato,usable_area=BRA"


def run(tmp_path, text, mapping=MAPPING, *args):
    path = tmp_path / "sales.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_sales", str(path), "--map", mapping, *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_import_sales_records_good_rows_and_reports_every_kind_of_bad_row(tmp_path):
    a = PropertyFactory(external_id="0301-1/1/0/0")
    b = PropertyFactory(external_id="0301-1/2/0/0")
    PropertySale.objects.create(property=b, sold_on=date(2020, 1, 1), price=3_000_000)
    future = (date.today() + timedelta(days=30)).strftime("%d.%m.%Y")
    text = "\n".join([
        "Matrikkel;Pris;Dato;BRA",
        "0301-1/1/0/0;4 250 000 kr;01.03.2024;85,5",     # 2 good (Norwegian formats)
        "0301-1/1/0/0;;2024-03-01;85",                   # 3 missing_price
        "0301-1/1/0/0;mange penger;2024-03-01;85",       # 4 invalid_price
        "0301-1/1/0/0;-5;2024-03-01;85",                 # 5 non_positive_price
        "0301-1/1/0/0;2500000;;85",                      # 6 missing_date
        "0301-1/1/0/0;2500000;31.02.2024;85",            # 7 invalid_date
        f"0301-1/1/0/0;2500000;{future};85",             # 8 future_date
        "9999-9/9/0/0;2500000;2024-03-01;85",            # 9 unknown_property
        ";2500000;2024-03-01;85",                        # 10 missing_property_key
        "0301-1/1/0/0;4250000;2024-03-01;85",            # 11 duplicate_in_file (same as line 2)
        "0301-1/2/0/0;3000000;2020-01-01;120",           # 12 already_recorded
        "0301-1/2/0/0;3100000;2021-06-30;stor",          # 13 good: the unreadable area is only missing
        "0301-1/2/0/0;3100000;2021-06-30;85;x",          # 14 extra_cells
        "0301-1/2/0/0;3.350.000;2022-05-05;",            # 15 good
    ])

    output = run(tmp_path, text)

    for line, code in [(3, "missing_price"), (4, "invalid_price"), (5, "non_positive_price"), (6, "missing_date"),
                       (7, "invalid_date"), (8, "future_date"), (9, "unknown_property"), (10, "missing_property_key"),
                       (11, "duplicate_in_file"), (12, "already_recorded"), (14, "extra_cells")]:
        assert f"line {line}: {code}:" in output
    assert "line 13:" not in output and 'usable_area    ← "BRA"' in output and '1 unreadable: "stor"' in output
    assert "Rows in file:        14" in output and "Imported:            3" in output
    assert set(PropertySale.objects.filter(property=a).values_list("price", flat=True)) == {4_250_000}
    assert set(PropertySale.objects.filter(property=b).values_list("sold_on", "price")) == {
        (date(2020, 1, 1), 3_000_000), (date(2021, 6, 30), 3_100_000), (date(2022, 5, 5), 3_350_000)}


@pytest.mark.django_db
def test_import_sales_run_twice_records_each_sale_once(tmp_path):
    PropertyFactory(external_id="0301-1/1/0/0")
    text = "Matrikkel,Pris,Dato,BRA\n0301-1/1/0/0,4250000,2024-03-01,85\n"
    run(tmp_path, text)
    output = run(tmp_path, text)
    assert "Imported:            0" in output and "Already recorded:    1" in output
    assert PropertySale.objects.count() == 1


@pytest.mark.django_db
def test_import_sales_json_lists_skipped_rows_with_lines_and_how_columns_were_read(tmp_path):
    PropertyFactory(external_id="0301-1/1/0/0")
    lines = ["Matrikkel,Pris,Dato,BRA", "0301-1/1/0/0,4250000,03/25/2024,85"]
    lines += [f"0301-9/{i}/0/0,4250000,03/25/2024,85" for i in range(30)]
    out = run(tmp_path, "\n".join(lines), MAPPING, "--json")
    report = json.loads(out)
    assert report["imported"] == 1 and report["input"]["skipped"] == {"unknown_property": 30}
    assert [row["line"] for row in report["input"]["skipped_rows"]] == list(range(3, 23))
    assert report["input"]["skipped_rows"][0]["reason"] == "no property with external_id '0301-9/0/0/0'"
    columns = {c["field"]: c for c in report["input"]["columns"]}
    assert columns["sold_on"]["format"].startswith("date mm/dd/yyyy") and columns["price"]["usable_share"] == 1.0
    assert PropertySale.objects.get().sold_on == date(2024, 3, 25)


@pytest.mark.django_db
def test_import_sales_reads_spreadsheets_and_compressed_files(tmp_path):
    PropertyFactory(external_id="0301-1/1/0/0")
    book = openpyxl.Workbook()
    book.active.append(["Matrikkel", "Pris", "Dato", "BRA"])
    book.active.append(["0301-1/1/0/0", 4_250_000, datetime(2024, 3, 1), 85])
    book.save(tmp_path / "salg.xlsx")
    (tmp_path / "salg.csv.gz").write_bytes(gzip.compress(
        "Matrikkel;Pris;Dato;BRA\n0301-1/1/0/0;3 900 000;01.06.2021;85\n".encode("utf-16")))
    for name in ("salg.xlsx", "salg.csv.gz"):
        call_command("import_sales", str(tmp_path / name), "--map", MAPPING, stdout=StringIO())
    assert set(PropertySale.objects.values_list("sold_on", "price")) == {(date(2024, 3, 1), 4_250_000),
                                                                         (date(2021, 6, 1), 3_900_000)}


@pytest.mark.django_db
def test_import_sales_refuses_an_ambiguous_column_and_writes_nothing(tmp_path):
    PropertyFactory(external_id="0301-1/1/0/0")
    with pytest.raises(CommandError, match='"Dato" \\(sold_on\\) reads as day-first and as month-first'):
        run(tmp_path, "Matrikkel,Pris,Dato,BRA\n0301-1/1/0/0,4250000,03/04/2024,85\n")
    assert not PropertySale.objects.exists()
    run(tmp_path, "Matrikkel,Pris,Dato,BRA\n0301-1/1/0/0,4250000,03/04/2024,85\n", MAPPING, "--date-format", "dmy")
    assert PropertySale.objects.get().sold_on == date(2024, 4, 3)


@pytest.mark.django_db
def test_import_sales_dry_run_writes_nothing(tmp_path):
    PropertyFactory(external_id="0301-1/1/0/0")
    output = run(tmp_path, "Matrikkel,Pris,Dato,BRA\n0301-1/1/0/0,4250000,2024-03-01,85\n", MAPPING, "--dry-run")
    assert "would be" in output and not PropertySale.objects.exists()


@pytest.mark.django_db
def test_import_sales_refuses_a_mapping_to_columns_the_file_lacks(tmp_path):
    with pytest.raises(CommandError, match="not in the file"):
        run(tmp_path, "Matrikkel,Pris,Dato\n0301-1/1/0/0,1,2024-01-01\n")
    with pytest.raises(CommandError, match="sold_on"):
        run(tmp_path, "Matrikkel,Pris\n", "external_id=Matrikkel,price=Pris")
    with pytest.raises(CommandError, match="Importing needs a property key"):
        run(tmp_path, "Pris,Dato\n1,2024-01-01\n", "price=Pris,sold_on=Dato")
    assert Property.objects.count() == 0
