"""import_sales: every kind of bad row is reported with its line and reason; good rows are recorded."""
from datetime import date, timedelta
from io import StringIO

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
        "0301-1/2/0/0;3100000;2021-06-30;stor",          # 13 invalid_usable_area
        "0301-1/2/0/0;3100000;2021-06-30;85;x",          # 14 extra_cells
        "0301-1/2/0/0;3.350.000;2022-05-05;",            # 15 good
    ])

    output = run(tmp_path, text)

    for line, code in [(3, "missing_price"), (4, "invalid_price"), (5, "non_positive_price"), (6, "missing_date"),
                       (7, "invalid_date"), (8, "future_date"), (9, "unknown_property"), (10, "missing_property_key"),
                       (11, "duplicate_in_file"), (12, "already_recorded"), (13, "invalid_usable_area"),
                       (14, "extra_cells")]:
        assert f"line {line}: {code}:" in output
    assert "Rows in file:        14" in output and "Imported:            2" in output
    assert set(PropertySale.objects.filter(property=a).values_list("price", flat=True)) == {4_250_000}
    assert PropertySale.objects.filter(property=b, price=3_350_000, sold_on=date(2022, 5, 5)).exists()


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
    assert Property.objects.count() == 0
